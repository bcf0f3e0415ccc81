#!/usr/bin/env python3
"""Write a macOS .icns container whose entries are PNG files.

Usage: make_icns.py OUT.icns TYPE=FILE.png [TYPE=FILE.png ...]

Standard library only, so the icon build needs no Pillow and no icnsutils
(png2icns refuses the PNG-in-ICNS types ic11..ic14 and icp4..icp6).
Each entry is checked against the pixel size its type code means, because
macOS silently ignores an entry whose size does not match.
"""

import struct
import sys

# Type code -> edge length in pixels (Apple "Icon Services" PNG types).
SIZES = {
    "icp4": 16,
    "icp5": 32,
    "icp6": 64,
    "ic07": 128,
    "ic08": 256,
    "ic09": 512,
    "ic10": 1024,  # 512@2x
    "ic11": 32,  # 16@2x
    "ic12": 64,  # 32@2x
    "ic13": 256,  # 128@2x
    "ic14": 512,  # 256@2x
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes, path: str) -> tuple[int, int]:
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        sys.exit(f"make_icns: {path} is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        sys.exit(__doc__)
    out, specs = argv[1], argv[2:]
    entries = []
    for spec in specs:
        kind, _, path = spec.partition("=")
        if kind not in SIZES or not path:
            sys.exit(f"make_icns: bad entry {spec!r}; known types: {', '.join(SIZES)}")
        with open(path, "rb") as f:
            data = f.read()
        size = png_size(data, path)
        if size != (SIZES[kind], SIZES[kind]):
            sys.exit(f"make_icns: {path} is {size[0]}x{size[1]}, {kind} needs {SIZES[kind]}")
        entries.append(kind.encode("ascii") + struct.pack(">I", len(data) + 8) + data)
    body = b"".join(entries)
    with open(out, "wb") as f:
        f.write(b"icns" + struct.pack(">I", len(body) + 8) + body)


if __name__ == "__main__":
    main(sys.argv)
