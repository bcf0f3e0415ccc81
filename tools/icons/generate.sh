#!/usr/bin/env bash
# Renders every icon file Tauri 2 bundles from the SVG sources in icons/.
#
#   tools/icons/generate.sh            # writes into icons/
#
# Sources: icons/icon.svg (master, >= 40 px), icons/icon-small.svg (21-39 px)
# and icons/icon-16.svg (<= 20 px); the small cuts keep the mark legible on a
# coarse pixel grid. Needs rsvg-convert (librsvg2-bin), ImageMagick 6 and
# python3; on Debian/Ubuntu the missing apt packages are installed.
# Output is byte-for-byte reproducible with the same tool versions (metadata
# chunks carrying dates are stripped).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/icons"

need_apt=()
command -v rsvg-convert >/dev/null || need_apt+=(librsvg2-bin)
[ -x /usr/bin/convert ] || command -v convert >/dev/null || need_apt+=(imagemagick)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "generate.sh: please install: rsvg-convert (librsvg), ImageMagick, python3" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y --no-install-recommends "${need_apt[@]}"
fi

# Prefer the distribution's ImageMagick over any wrapper earlier in PATH.
if [ -x /usr/bin/convert ]; then
  IM_CONVERT=/usr/bin/convert
  IM_IDENTIFY=/usr/bin/identify
else
  IM_CONVERT=$(command -v convert)
  IM_IDENTIFY=$(command -v identify)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The cut drawn for a tile of N pixels.
source_for() {
  local px=$1
  if [ "$px" -le 20 ]; then
    echo "$out/icon-16.svg"
  elif [ "$px" -lt 40 ]; then
    echo "$out/icon-small.svg"
  else
    echo "$out/icon.svg"
  fi
}

# Re-encode as 8-bit RGBA with no date/time chunks: Tauri rejects non-RGBA
# PNGs, and dates would make every run a git diff.
finish_png() {
  "$IM_CONVERT" "$1" -strip -define png:exclude-chunks=date,time "PNG32:$2"
}

# render SIZE OUT: the square icon at SIZE pixels.
render() {
  local size=$1 dest=$2
  rsvg-convert -w "$size" -h "$size" "$(source_for "$size")" -o "$work/raw.png"
  finish_png "$work/raw.png" "$dest"
}

# render_mac SIZE OUT: macOS wants the tile at 824/1024 of the canvas (Apple's
# icon grid), otherwise the icon looks oversized in the Dock next to others.
render_mac() {
  local size=$1 dest=$2 tile src body
  tile=$(( (size * 824 + 512) / 1024 ))
  src=$(source_for "$tile")
  if [ "$src" = "$out/icon.svg" ]; then
    # icon.svg already draws its tile at 960/1024 of the canvas.
    body=$(( (tile * 1024 + 480) / 960 ))
  else
    body=$tile
  fi
  rsvg-convert -w "$body" -h "$body" "$src" -o "$work/raw.png"
  "$IM_CONVERT" "$work/raw.png" -background none -gravity center -extent "${size}x${size}" "$work/padded.png"
  finish_png "$work/padded.png" "$dest"
}

# Linux / generic sizes listed in tauri.conf.json.
render 32 "$out/32x32.png"
render 64 "$out/64x64.png"
render 128 "$out/128x128.png"
render 256 "$out/128x128@2x.png"
render 512 "$out/icon.png"

# Windows Store (appx/msix) logos, the names `tauri icon` produces.
for s in 30 44 71 89 107 142 150 284 310; do
  render "$s" "$out/Square${s}x${s}Logo.png"
done
render 50 "$out/StoreLogo.png"

# Windows .ico: ImageMagick stores 256 as PNG and the rest as 32-bit BMP,
# which every Windows version reads.
ico_parts=()
for s in 16 24 32 48 64 256; do
  render "$s" "$work/ico-$s.png"
  ico_parts+=("$work/ico-$s.png")
done
"$IM_CONVERT" "${ico_parts[@]}" "$out/icon.ico"

# macOS .icns with PNG entries (1x and 2x of 16..512).
icns_args=()
for pair in icp4:16 icp5:32 icp6:64 ic07:128 ic08:256 ic09:512 ic10:1024 ic11:32 ic12:64 ic13:256 ic14:512; do
  kind=${pair%%:*}
  s=${pair##*:}
  [ -f "$work/mac-$s.png" ] || render_mac "$s" "$work/mac-$s.png"
  icns_args+=("$kind=$work/mac-$s.png")
done
python3 "$here/make_icns.py" "$out/icon.icns" "${icns_args[@]}"

# Check what Tauri will check: every PNG is RGBA at the size its name says.
fail=0
for f in "$out"/*.png; do
  read -r w h < <("$IM_IDENTIFY" -format '%w %h\n' "$f")
  # ImageMagick reports "srgba" even for an RGB file with tRNS, so read the
  # PNG header itself: bit depth 8, colour type 6 is what Tauri accepts.
  read -r depth ctype < <(od -An -tu1 -j24 -N2 "$f")
  name=$(basename "$f")
  case "$name" in
    icon.png) want=512 ;;
    128x128@2x.png) want=256 ;;
    StoreLogo.png) want=50 ;;
    *) want=${name//[!0-9x]/}; want=${want%%x*} ;;
  esac
  if [ "$w" != "$want" ] || [ "$h" != "$want" ] || [ "$depth" != 8 ] || [ "$ctype" != 6 ]; then
    echo "generate.sh: $name is ${w}x${h} depth $depth colour type $ctype, expected ${want}x${want} 8-bit RGBA" >&2
    fail=1
  fi
done
ico_sizes=$("$IM_IDENTIFY" -format '%w ' "$out/icon.ico")
if [ "$ico_sizes" != "16 24 32 48 64 256 " ]; then
  echo "generate.sh: icon.ico holds sizes '$ico_sizes'" >&2
  fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "icons written to $out"
