#!/usr/bin/env bash
# The compatibility matrix: the test suite against each supported Spring Boot line on each supported
# Java. README's "Supported versions" table is what this script printed last.
#
#   scripts/matrix.sh                      every cell, the whole suite (scripts/test.sh) in each
#   scripts/matrix.sh --unit               every cell: build everything, then only the unit tests of
#                                          uwsgi-core, uwsgi-tomcat and uwsgi-spring-boot-autoconfigure
#   scripts/matrix.sh --unit boot4.1-java25    one cell (CI runs this one beside scripts/test.sh)
#
# Cells: boot4.0-java17 (the default build), boot4.0-java25, boot4.1-java17, boot4.1-java25.
# Spring Boot 4.0 is the version the root pom.xml names (spring-boot.version); 4.1 is BOOT_41_VERSION.
# Every cell compiles on its JDK against Boot 4.0, as the jars are published, and runs the tests on its
# Boot's versions: what an application on Boot 4.1 runs is those jars.
# A JDK is found in JAVA17_HOME / JAVA25_HOME, else in setup-java's JAVA_HOME_17_X64 / JAVA_HOME_25_X64,
# else under /usr/lib/jvm. Extra arguments after -- go to Maven. Each cell's Maven log and the table
# go to MATRIX_OUT (outside target/, which each cell cleans). Exits non-zero if any cell failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest Spring Boot 4.1 served, tested with the versions its BOM manages (Netty 4.2.19.Final among
# them). Where a repository lacks some of that Netty's native files, BOOT_41_NETTY_VERSION=4.2.18.Final
# tests it with that Netty instead.
BOOT_41_VERSION=${BOOT_41_VERSION:-4.1.2}
BOOT_41_NETTY_VERSION=${BOOT_41_NETTY_VERSION:-}
UNIT_MODULES=uwsgi-core,uwsgi-tomcat,uwsgi-spring-boot-autoconfigure
MATRIX_OUT=${MATRIX_OUT:-${TMPDIR:-/tmp}/uwsgi-spring-boot-matrix}

mode=full
cells=()
maven_args=()
while (($#)); do
	case "$1" in
		--unit) mode=unit ;;
		--) shift; maven_args=("$@"); break ;;
		boot4.0-java17|boot4.0-java25|boot4.1-java17|boot4.1-java25) cells+=("$1") ;;
		*) echo "unknown argument: $1 (see the head of $0)" >&2; exit 2 ;;
	esac
	shift
done
((${#cells[@]})) || cells=(boot4.0-java17 boot4.0-java25 boot4.1-java17 boot4.1-java25)

jdk_home() { # $1: feature version
	local explicit="JAVA$1_HOME" setup_java="JAVA_HOME_$1_X64" candidate
	for candidate in "${!explicit:-}" "${!setup_java:-}" /usr/lib/jvm/java-"$1"-openjdk-amd64 \
			/usr/lib/jvm/temurin-"$1"-jdk-amd64 /usr/lib/jvm/*-"$1"*; do
		if [[ -n "$candidate" && -x "$candidate/bin/javac" ]]; then
			echo "$candidate"
			return
		fi
	done
	echo "no JDK $1 found: set JAVA$1_HOME" >&2
	return 1
}

default_boot_version=$(sed -n 's:.*<spring-boot.version>\(.*\)</spring-boot.version>.*:\1:p' pom.xml | head -1)
mkdir -p "$MATRIX_OUT"
results=$MATRIX_OUT/results.md
printf '| Cell | Spring Boot | Java | Mode | Result | Time |\n|---|---|---|---|---|---|\n' >"$results"
failed=0

for cell in "${cells[@]}"; do
	java_feature=${cell##*-java}
	boot_args=()
	boot_version=$default_boot_version
	if [[ $cell == boot4.1-* ]]; then
		boot_version=$BOOT_41_VERSION
		boot_args=(-Dspring-boot.version="$BOOT_41_VERSION")
		[[ -z $BOOT_41_NETTY_VERSION ]] || boot_args+=(-Dnetty.version="$BOOT_41_NETTY_VERSION")
	fi
	export JAVA_HOME
	JAVA_HOME=$(jdk_home "$java_feature")
	java_version=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 \
		| sed -n 's/^ *java.runtime.version = //p')
	log=$MATRIX_OUT/$cell.log
	echo "== $cell: Spring Boot $boot_version, Java $java_version ($JAVA_HOME), $mode; log: $log"
	start=$SECONDS
	status=passed
	# Each cell builds everything anew on its JDK against the default Boot, as the jars are published,
	# then runs the tests on its Boot without compiling the main classes again: what an application on
	# that Boot runs is our published jars (compiling against Boot 4.1 is a different question: see
	# README, "Supported versions")
	build=(./mvnw -B -ntp clean verify -DskipTests "${maven_args[@]}")
	on_boot=(-Dmaven.main.skip=true "${boot_args[@]}" "${maven_args[@]}")
	if [[ $mode == full ]]; then
		{ "${build[@]}" && scripts/test.sh "${on_boot[@]}"; } >"$log" 2>&1 || status=FAILED
	else
		{ "${build[@]}" && ./mvnw -B -ntp verify -pl "$UNIT_MODULES" -am "${on_boot[@]}"; } >"$log" 2>&1 \
			|| status=FAILED
	fi
	elapsed=$((SECONDS - start))
	grep -E '^\[(INFO|WARNING|ERROR)\] Tests run:.*Fail' "$log" | grep -v ' -- in ' | tail -n 3 || true
	[[ $status == passed ]] || { failed=1; grep -E '^\[ERROR\]' "$log" | head -n 20 || true; }
	echo "== $cell: $status in $((elapsed / 60)) min $((elapsed % 60)) s"
	printf '| %s | %s | %s | %s | %s | %d min |\n' "$cell" "$boot_version" "$java_version" "$mode" "$status" \
		$(((elapsed + 30) / 60)) >>"$results"
done

echo
cat "$results"
exit "$failed"
