#!/bin/bash
# Static checks of the kernel module, reported as TAP (one "ok N - name" or
# "not ok N - name" per check, the output of a failed one as "# " lines):
#   1. the module builds with W=1 without a single warning,
#   2. sparse (C=2) finds nothing,
#   3. checkpatch.pl --strict is clean (scripts/checkpatch.sh).
# Builds happen in a scratch copy, so every file is really recompiled and
# the tree's own build stays as it was.  Exits non-zero if a check failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

kv=$(scripts/kver.sh) || exit 1
kdir=${KDIR:-/lib/modules/$kv/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
# check NAME GREP CMD...: run CMD; it passes if it exits 0 and, unless GREP
# is "-", prints no line matching GREP.
check() {
	local name=$1 bad=$2 out rc
	shift 2
	n=$((n + 1))
	out=$("$@" 2>&1)
	rc=$?
	out=${out//"$tmp/"/}	# scratch paths back to the tree's
	if [ $rc -eq 0 ] && { [ "$bad" = - ] || ! grep -qiE "$bad" <<<"$out"; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		# shellcheck disable=SC2001
		sed 's/^/# /' <<<"$out"
		failed=$((failed + 1))
	fi
}

# Sources only (no *.mod.c, which kbuild generates); the Kbuild file
# refers to ../include/uapi.
for f in $(scripts/module-sources.sh); do
	install -D -m 0644 "$f" "$tmp/$f"
done
kmake() {
	make -C "$kdir" M="$tmp/driver" "$@"
}

echo "1..3"
# gcc, sparse and modpost all say "warning:" or "error:".
check "module builds with W=1 without warnings" 'warning:|error:' kmake W=1 modules
# C=2 runs sparse on every source file, whether rebuilt or not.
check "sparse (C=2) is clean" 'warning:|error:' kmake C=2 CHECK=sparse modules
check "checkpatch --strict is clean" - scripts/checkpatch.sh
[ $failed -eq 0 ]
