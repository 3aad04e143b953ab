#!/usr/bin/env bash
# Installs the real uwsgi peers the demo and the tests run against (Debian packages), when missing.
# Usage: scripts/install-peers.sh [package ...]   (default: nginx)
set -euo pipefail
packages=("${@:-nginx}")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${missing[*]} from Debian..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services; the demo and the tests run their own instances.
for service in "${missing[@]}"; do
  $sudo service "$service" stop >/dev/null 2>&1 || true
done
