#!/usr/bin/env bash
# Restarts of the only instance of the demo application under a POST load through nginx, over TCP
# and a unix socket at once (SocketActivationEndToEndTests), in the three ways docs/scaling.md
# compares:
#   1. inherited sockets, `systemctl restart` style: stop, then start; requests wait in the queue
#   2. inherited sockets, chain style: start the next run, then stop the previous one
#   3. sockets bound by each run (no inheritance), `systemctl restart` style: today's figure
# RESTARTS=N (default 10) restarts per case. Prints one [restart] line per case.
# MODULE=demo-mvc-app runs the Spring MVC demo instead, its socket on standard input (one process on
# the TCP socket, one on the unix socket).
# The test suite runs the short version: case 2 with 3 restarts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-peers.sh nginx
command -v systemd-socket-activate >/dev/null || { echo "needs systemd-socket-activate: apt-get install systemd" >&2; exit 2; }
restarts=${RESTARTS:-10}
module=${MODULE:-demo-app}
./mvnw -B -ntp -q -pl "$module" -am install -DskipTests
run() {
  ./mvnw -B -ntp -o -pl "$module" surefire:test -Dtest="SocketActivationEndToEndTests#$1" \
    -Duwsgi.restarts="$restarts" -Duwsgi.restart.mode="$2" -Duwsgi.restart.compare=true \
    -Dsurefire.failIfNoSpecifiedTests=false >/dev/null || true
  grep -h '^\[restart\]' "$module"/target/surefire-reports/*SocketActivationEndToEndTests-output.txt
}
run restartsOnInheritedSocketsLoseNoRequest restart
run restartsOnInheritedSocketsLoseNoRequest chain
run restartsWithoutInheritedSocketsForComparison restart
