#!/usr/bin/env bash
# Prints the path of a promtool (Prometheus's metrics checker, used by the /metrics
# test), installing one first when there is none. Idempotent: a promtool on PATH or an
# earlier install under .stack/tools is used as it is.
#
# Installs by unpacking Debian's `prometheus` package into .stack/tools rather than
# `apt-get install prometheus`: that would pull a dozen web packages and register a
# Prometheus server as a system service, where all we need is one binary. Needs Debian's
# package lists (`apt-get update`, run here when they are missing and we may).
# Everything but the path goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
promtool="$root/.stack/tools/bin/promtool"

if command -v promtool >/dev/null; then
  command -v promtool
  exit 0
fi
if [[ -x "$promtool" ]]; then
  echo "$promtool"
  exit 0
fi

as_root() {
  if ((EUID == 0)); then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "ensure-promtool: downloading Debian's prometheus package for promtool" >&2
if ! apt-get download prometheus >&2 2>/dev/null; then
  as_root apt-get update -qq >&2 || { echo "ensure-promtool: apt-get update failed (needs root)" >&2; exit 1; }
  apt-get download prometheus >&2
fi
dpkg-deb -x prometheus_*.deb unpacked
# Copied beside its final name and renamed onto it, so a concurrent run never runs half a file.
mkdir -p "$(dirname "$promtool")"
staging=$(mktemp "$promtool.XXXXXX")
cp unpacked/usr/bin/promtool "$staging"
chmod 755 "$staging"
mv -f "$staging" "$promtool"
"$promtool" --version >&2
echo "$promtool"
