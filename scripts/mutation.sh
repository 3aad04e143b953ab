#!/usr/bin/env bash
# Mutation testing of the protocol core (module uwsgi-core, package protocol) with PIT and the
# core's own unit tests. Too slow for every build: run it after changing the core's rules or tests.
# Writes uwsgi-core/target/pit-reports/ (mutations.xml, index.html) and prints the score per class.
# Fails when fewer than 90 % of the mutants are killed. See docs/hardening.md.
#
#   scripts/mutation.sh          # build the core, then run PIT (about 5 minutes on 2 cores)
#   MVN_ARGS=-o scripts/mutation.sh
set -euo pipefail

cd "$(dirname "$0")/.."
reports=uwsgi-core/target/pit-reports
status=0
# shellcheck disable=SC2086 # MVN_ARGS holds several arguments
./mvnw -B -ntp ${MVN_ARGS:-} -pl uwsgi-core -Pmutation test-compile org.pitest:pitest-maven:mutationCoverage || status=$?

if [[ -f $reports/mutations.xml ]]; then
	# one <mutation> element per line: count the detected ones (killed, timed out, ...) per class
	awk '
		/<mutation / {
			match($0, /<mutatedClass>[^<]*</)
			class = substr($0, RSTART + 14, RLENGTH - 15)
			sub(/.*\./, "", class)
			sub(/\$.*/, "", class)
			total[class]++; all++
			if ($0 ~ /detected=.true./) { killed[class]++; allKilled++ }
		}
		END {
			printf "%-28s %8s %8s %7s\n", "class", "killed", "mutants", "score"
			for (c in total) {
				printf "%-28s %8d %8d %6.1f%%\n", c, killed[c], total[c], 100 * killed[c] / total[c] | "sort"
			}
			close("sort")
			printf "%-28s %8d %8d %6.1f%%\n", "all", allKilled, all, (all > 0) ? 100 * allKilled / all : 0
		}' "$reports/mutations.xml"
	echo "Report: $reports/index.html"
fi
exit "$status"
