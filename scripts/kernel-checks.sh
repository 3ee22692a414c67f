#!/bin/bash
# Static checks of the kernel module and of the benchmark's test-only floor
# module (bench/floor), reported as TAP (one "ok N - name" or
# "not ok N - name" per check, the output of a failed one as "# " lines):
#   1. the module builds with W=1 without a single warning, on the stock
#      kernel (scripts/kver.sh) and on every line of scripts/kernel-lines.sh
#      (7.x in its Debian 13 root),
#   2. sparse (C=2) finds nothing (the stock kernel: one line is enough),
#   3. checkpatch.pl --strict is clean (scripts/checkpatch.sh).
# A line that cannot be prepared is a failed check.
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
for f in $(scripts/module-sources.sh --with-bench-floor); do
	install -D -m 0644 "$f" "$tmp/$f"
done
# lmake DIR BROOT KDIR ARGS...: make both modules of the copy in DIR, in
# the build root (the host if empty).
lmake() {
	local d=$1 broot=$2 kd=$3
	shift 3
	local m
	for m in driver bench/floor; do
		if [ -n "$broot" ]; then
			scripts/trixie-root.sh run --bind "$d" -- make -C "$kd" M="$d/$m" "$@"
		else
			make -C "$kd" M="$d/$m" "$@"
		fi || return
	done
}
# The copy in $tmp, for the stock kernel.
kmake() {
	lmake "$tmp" "" "$kdir" "$@"
}

mapfile -t lines < <(scripts/kernel-lines.sh)
echo "1..$((3 + ${#lines[@]}))"
# gcc, sparse and modpost all say "warning:" or "error:".
check "modules (driver, bench/floor) build with W=1 without warnings ($kv)" 'warning:|error:' kmake W=1 modules
stock_kdir=$kdir
for l in "${lines[@]}"; do
	kver="" kdir="" broot=""
	if ! vars=$(scripts/kernel-lines.sh prepare "$l" 2>"$tmp/prep.log"); then
		# shellcheck disable=SC2016 # the inner sh's $1
		check "line $l: prepared (scripts/kernel-lines.sh prepare $l)" - sh -c 'cat "$1"; false' - "$tmp/prep.log"
		continue
	fi
	eval "$vars"
	# A fresh copy each: the probes' results are the kernel's.
	d=$tmp/line-$l
	for f in $(scripts/module-sources.sh --with-bench-floor); do
		install -D -m 0644 "$f" "$d/$f"
	done
	check "line $l: modules (driver, bench/floor) build with W=1 without warnings ($kver)" 'warning:|error:' \
		lmake "$d" "$broot" "$kdir" W=1 modules
done
kdir=$stock_kdir
# C=2 runs sparse on every source file, whether rebuilt or not.
check "sparse (C=2) is clean" 'warning:|error:' kmake C=2 CHECK=sparse modules
check "checkpatch --strict is clean" - scripts/checkpatch.sh
[ $failed -eq 0 ]
