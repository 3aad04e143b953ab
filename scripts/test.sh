#!/usr/bin/env bash
# Runs the whole test suite: codec and auto-configuration tests, and the end-to-end tests that put
# a real nginx and a real Apache httpd in front of the demo app over TCP and a unix socket. Installs
# the peers it needs (Debian's nginx, apache2, uwsgi-core, openssl and iproute2) when they are missing. Netty's leak detector runs
# at paranoid level.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-peers.sh nginx apache2 openssl uwsgi-core iproute2
./mvnw -B -ntp verify "$@"
