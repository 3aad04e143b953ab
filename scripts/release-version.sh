#!/usr/bin/env bash
# Cuts a release in git, one command:
#
#   scripts/release-version.sh 0.1.0 0.2.0-SNAPSHOT
#
# 1. sets every module to the release version (versions:set), points the dependency blocks of README
#    and docs/ at it, dates its CHANGELOG.md entry, commits "Release 0.1.0" and tags it v0.1.0;
# 2. sets every module to the next development version and commits "Next development version".
# Nothing is pushed or published: check the two commits, push them with the tag, then publish the
# tag as CONTRIBUTING.md ("Releasing") says. Needs a clean work tree; MVN_ARGS=-o works offline.
set -euo pipefail
cd "$(dirname "$0")/.."

if (($# != 2)) || [[ $1 == *-SNAPSHOT || $2 != *-SNAPSHOT ]]; then
	echo "usage: $0 RELEASE_VERSION NEXT_VERSION-SNAPSHOT   (e.g. $0 0.1.0 0.2.0-SNAPSHOT)" >&2
	exit 2
fi
release=$1
next=$2
semver='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
[[ $release =~ $semver && ${next%-SNAPSHOT} =~ $semver ]] || { echo "not semantic versions: $release $next" >&2; exit 2; }
if [[ -n $(git status --porcelain) ]]; then
	echo "the work tree has uncommitted changes: commit or stash them first" >&2
	exit 1
fi
if git rev-parse -q --verify "refs/tags/v$release" >/dev/null; then
	echo "tag v$release exists already" >&2
	exit 1
fi
current=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)

set_version() {
	# shellcheck disable=SC2086 # MVN_ARGS holds several arguments
	./mvnw -B -ntp -q ${MVN_ARGS:-} versions:set -DnewVersion="$1" -DprocessAllModules=true \
		-DgenerateBackupPoms=false
}

set_version "$release"
# The dependency blocks users copy name the newest release, not a snapshot
grep -rlF --include='*.md' "<version>$current</version>" README.md docs \
	| xargs -r sed -i "s:<version>$current</version>:<version>$release</version>:"
sed -i "s/^## \[$release\] - unreleased$/## [$release] - $(date -u +%F)/" CHANGELOG.md
git add -u
git commit -q -m "Release $release"
git tag -a "v$release" -m "Release $release"

set_version "$next"
git add -u
git commit -q -m "Next development version: $next"

echo "Committed 'Release $release' (tagged v$release) and 'Next development version: $next'."
echo "Push: git push origin HEAD v$release; publish: CONTRIBUTING.md, \"Releasing\"."
