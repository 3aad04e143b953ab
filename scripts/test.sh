#!/usr/bin/env bash
# Runs the whole test suite: codec and auto-configuration tests, and the end-to-end tests that put
# a real nginx and a real Apache httpd in front of the demo app over TCP and a unix socket. Installs
# the peers it needs (Debian's nginx and apache2) when they are missing. Netty's leak detector runs
# at paranoid level.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-peers.sh nginx apache2 openssl uwsgi-core
./mvnw -B -ntp verify "$@"
