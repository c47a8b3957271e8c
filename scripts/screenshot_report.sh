#!/usr/bin/env bash
# Render a run's report.html in headless Chromium (Debian package `chromium`) and save a PNG.
#   bash scripts/screenshot_report.sh RUN_DIR [OUT.png]
set -euo pipefail
run_dir=${1:?usage: screenshot_report.sh RUN_DIR [OUT.png]}
out=${2:-$run_dir/report.png}
command -v chromium >/dev/null || { echo "error: chromium not found (apt-get install chromium)" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1100,2400 --screenshot="$out" "file://$(realpath "$run_dir")/report.html" 2>/dev/null
echo "$out"
