#!/usr/bin/env python3
"""The platform's floor: the least a WebKitGTK 4.1 window needs here.

A plain GTK window with one WebKitWebView showing a two-line Chinese page,
no app code at all. It prints how soon the page is painted (two animation
frames after it loaded, as the app reports its own first screen) and the
PSS of its processes after 5 s idle, so the app's figures can be read
against what WebKitGTK itself costs on this machine.

    python3 bench/webkit_floor.py   (inside the bench's Xvfb + D-Bus session)

Prints `BENCH floor.painted_ms N` (from interpreter start, so it includes
loading GTK and WebKit) and `BENCH floor.idle_pss_mb N`.
"""
import os
import subprocess
import time

START = time.monotonic()

import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

PAGE = """<!doctype html><meta charset=utf-8><title>floor</title>
<style>body{font-family:'Noto Sans CJK SC',sans-serif}</style>
<h1>联盟助手</h1><p><b>今日额度</b> 2000</p>
<script>requestAnimationFrame(()=>requestAnimationFrame(()=>{document.title='painted'}))</script>"""


def pss_kb(pid, field="Pss:"):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def tree(pid):
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [p for c in children for p in tree(int(c))]


def measure():
    pids = tree(os.getpid())
    total = sum(pss_kb(p) for p in pids)
    print(f"BENCH floor.idle_pss_mb {total / 1024:.1f} MB ({len(pids)} processes)", flush=True)
    # The same split as the app's figures: private (anonymous) memory, and
    # clean file pages (library code, font files) the kernel can drop.
    for kind, field in (("anon", "Pss_Anon:"), ("file", "Pss_File:")):
        part = sum(pss_kb(p, field) for p in pids)
        print(f"BENCH floor.idle_pss_{kind}_mb {part / 1024:.1f} MB", flush=True)
    Gtk.main_quit()
    return False


def on_title(view, _param):
    if view.get_title() == "painted":
        ms = (time.monotonic() - START) * 1000
        print(f"BENCH floor.painted_ms {ms:.0f} ms", flush=True)
        GLib.timeout_add(5000, measure)


window = Gtk.Window(title="floor")
window.set_default_size(1200, 780)
view = WebKit2.WebView()
window.add(view)
view.connect("notify::title", on_title)
view.load_html(PAGE, "file:///")
window.show_all()
GLib.timeout_add(15000, Gtk.main_quit)
Gtk.main()
