#!/usr/bin/env bash
# Installs the Debian packages listed in provisioning/debian-packages.txt (what the tests start
# for real: GStreamer's RTSP server, ffmpeg/ffprobe, socat, Mosquitto). Skips apt when all are
# already installed. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")"
mapfile -t pkgs < <(grep -v '^\s*#' debian-packages.txt | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} Debian packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
