#!/usr/bin/env bash
# Makes sure a Chromium the dashboard's browser test can drive (playwright-core) is on
# this machine, and prints the path of its executable as the last line of stdout.
# Idempotent: a Chromium already there is used as it is. Progress goes to stderr.
#
#   1. DERSTREAM_CHROMIUM, when set, names the executable to use (it must exist).
#   2. chromium or chromium-browser on PATH (Debian's package: /usr/bin/chromium).
#   3. One unpacked earlier into .stack/tools/chromium by step 5.
#   4. As root (or with sudo): apt-get install -y chromium, from Debian's packages.
#   5. Otherwise: apt-get download chromium and those of its dependencies that are not
#      installed, unpack them with dpkg-deb -x into .stack/tools/chromium, and print a
#      wrapper that puts the unpacked libraries on LD_LIBRARY_PATH.
#
# No browser is ever downloaded from anywhere but Debian's package archive.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.stack/tools/chromium"
log() { echo "ensure-chromium: $*" >&2; }

if [[ -n "${DERSTREAM_CHROMIUM:-}" ]]; then
  [[ -x "$DERSTREAM_CHROMIUM" ]] || { log "DERSTREAM_CHROMIUM=$DERSTREAM_CHROMIUM is not an executable"; exit 1; }
  echo "$DERSTREAM_CHROMIUM"
  exit 0
fi

for name in chromium chromium-browser; do
  if path=$(command -v "$name"); then
    echo "$path"
    exit 0
  fi
done

if [[ -x "$tools/chromium" ]]; then
  echo "$tools/chromium"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root=(sudo -n); fi

if [[ $(id -u) -eq 0 || ${#as_root[@]} -gt 0 ]]; then
  log "installing Debian's chromium with apt-get"
  # The package lists may be missing or old on a fresh machine: refresh them once if needed.
  if ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2; then
    "${as_root[@]}" apt-get update -qq >&2
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
  fi
  command -v chromium
  exit 0
fi

# No root: unpack the packages into .stack/tools instead of installing them.
log "no root: unpacking Debian's chromium into $tools"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  log "needs apt-get and dpkg-deb (Debian), or DERSTREAM_CHROMIUM naming a Chromium"
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every package chromium needs, recursively, less the ones already installed here.
wanted=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances chromium 2>/dev/null | grep -E '^[a-z0-9]' | sort -u)
missing=(chromium)
for package in $wanted; do
  [[ $package == chromium ]] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
(cd "$work" && apt-get download -qq "${missing[@]}" >&2) || {
  log "apt-get download failed (package lists missing? run apt-get update as root once)"
  exit 1
}
rm -rf "$tools.partial"
mkdir -p "$tools.partial/root"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$tools.partial/root"; done
# The multiarch library folders (e.g. usr/lib/x86_64-linux-gnu) of what was unpacked.
libs=$(find "$tools.partial/root/lib" "$tools.partial/root/usr/lib" -maxdepth 1 -type d -name '*-linux-*' 2>/dev/null |
  sed "s|^$tools.partial|$tools|" | paste -sd:)
cat >"$tools.partial/chromium" <<EOF
#!/usr/bin/env bash
export LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "$tools/root/usr/lib/chromium/chromium" "\$@"
EOF
chmod +x "$tools.partial/chromium"
rm -rf "$tools"
mv "$tools.partial" "$tools"
"$tools/chromium" --version >&2 || { log "the unpacked chromium does not start"; exit 1; }
echo "$tools/chromium"
