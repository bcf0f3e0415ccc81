#!/usr/bin/env python3
"""Where the web process's memory goes: the app's built UI in a bare window.

The app's first screen (ui/dist, as `npm run build` leaves it) is loaded in
a plain WebKitGTK 4.1 window, like bench/webkit_floor.py's, with a stub in
place of the Rust side (no profiles: the welcome screen). Each variant runs
in a fresh window; after 10 s idle the web process's PSS is printed, split
into the mappings that differ between the variants:

  floor        the floor's two-line page, served the same way
  app          the welcome screen
  no-render    the same page and script, `body { display: none }`: what the
               JS and the DOM cost without layout, paint or glyphs
  one-weight   every text in the regular weight: what the bold face costs

    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \\
      bash tests/session.sh /usr/bin/python3 bench/ui_memory.py [VARIANT...]

Prints `BENCH ui_memory.<variant>.web_pss_mb N MB (...)`. Set
`WEBKIT_DISABLE_DMABUF_RENDERER=1` as the app does (the script sets it
unless it is set). A figure, not a test: nothing here can fail a build.
"""
import functools
import http.server
import os
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST = os.path.join(ROOT, "ui", "dist")
VARIANTS = {
    "floor": ("/__floor.html", None),
    "app": ("/", None),
    "no-render": ("/", "body { display: none !important }"),
    "one-weight": ("/", "* { font-weight: 400 !important }"),
}
FLOOR_PAGE = """<!doctype html><meta charset=utf-8><title>floor</title>
<style>body{font-family:'Noto Sans CJK SC',sans-serif}</style>
<h1>联盟助手</h1><p><b>今日额度</b> 2000</p>""".encode()
# What the UI asks at start; everything else answers null.
STUB = r"""
window.__TAURI_INTERNALS__ = {
  metadata: { currentWindow: { label: 'main' }, currentWebview: { label: 'main', windowLabel: 'main' } },
  transformCallback(cb) { const id = Math.floor(Math.random() * 1e9); window['_' + id] = cb; return id },
  async invoke(cmd) {
    switch (cmd) {
      case 'get_settings': return { language: 'zh-CN', clipboard_clear_secs: 30, sandbox_enabled: true }
      case 'list_profiles': return []
      case 'app_info': return { version: '0.0.0', data_dir: '/tmp' }
      default: return null
    }
  },
}
"""


def serve():
    """ui/dist on a loopback port, plus the floor page."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/__floor.html":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(FLOOR_PAGE)
                return
            super().do_GET()

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=DIST))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def group(path):
    if "libwebkit2gtk" in path:
        return "webkit"
    if "libjavascriptcore" in path:
        return "jsc"
    if "/fonts/" in path:
        return "fonts"
    if path in ("[heap]", ""):
        return "heap+anon"
    return "other"


def split(pid):
    parts, name = {}, ""
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" not in fields[0]:
                name = fields[5] if len(fields) > 5 else ""
            elif fields[0] == "Pss:":
                key = group(name)
                parts[key] = parts.get(key, 0) + int(fields[1])
    return parts


def child(variant, port):
    import gi

    gi.require_version("Gtk", "3.0")
    gi.require_version("WebKit2", "4.1")
    from gi.repository import GLib, Gtk, WebKit2

    path, css = VARIANTS[variant]
    content = WebKit2.UserContentManager()
    top = WebKit2.UserContentInjectedFrames.TOP_FRAME
    content.add_script(WebKit2.UserScript(STUB, top, WebKit2.UserScriptInjectionTime.START, None, None))
    if css:
        content.add_style_sheet(WebKit2.UserStyleSheet(css, top, WebKit2.UserStyleLevel.USER, None, None))
    window = Gtk.Window(title=variant)
    window.set_default_size(1200, 780)
    view = WebKit2.WebView.new_with_user_content_manager(content)
    window.add(view)
    view.load_uri(f"http://127.0.0.1:{port}{path}")
    window.show_all()

    def measure():
        kids = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout.split()
        for pid in kids:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("WebKitWebProc"):
                    continue
            parts = split(pid)
            total = sum(parts.values())
            detail = ", ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(parts.items()))
            print(f"BENCH ui_memory.{variant}.web_pss_mb {total / 1024:.1f} MB ({detail})", flush=True)
        Gtk.main_quit()
        return False

    GLib.timeout_add(10000, measure)
    Gtk.main()


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        return
    if not os.path.exists(os.path.join(DIST, "index.html")):
        sys.exit("ui/dist is missing: run `npm run build` in ui/ first")
    os.environ.setdefault("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
    port = serve()
    for variant in sys.argv[1:] or list(VARIANTS):
        if variant not in VARIANTS:
            sys.exit(f"unknown variant {variant}; one of {', '.join(VARIANTS)}")
        # A fresh process per variant: font and code pages stay mapped.
        subprocess.run([sys.executable, __file__, "--child", variant, str(port)], check=False)


if __name__ == "__main__":
    main()
