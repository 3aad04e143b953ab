#!/usr/bin/env bash
# Runs the whole test suite: codec and auto-configuration tests, and the end-to-end tests that put
# a real nginx in front of the demo app over TCP and a unix socket. Installs the peers it needs
# (Debian's nginx) when they are missing. Netty's leak detector runs at paranoid level.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-peers.sh nginx
./mvnw -B -ntp verify "$@"
