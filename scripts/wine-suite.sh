#!/bin/bash
# The Windows test suite under Wine, from a fresh Debian 12 machine:
# installs mingw-w64 and Wine 8.0 (scripts/install-deps.sh), builds with
# `make windows`, checks the build and the driver's imports, boots a fresh
# Wine prefix in a temporary folder (wineboot -i), and runs hwtest.exe
# (windows/tests/) there with hwevent.sys and event.exe beside it.
# Prints TAP on stdout (its own checks, then hwtest.exe's, one plan) and
# the time each step took; exits non-zero if a test failed or could not
# run.  No display needed.  Env: HWEVENT_WINE_TIMEOUT (seconds, default
# 300) bounds hwtest.exe.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

start=$(date +%s)
step_start=$start
times=()
step() {
	local now
	now=$(date +%s)
	times+=("$1 $((now - step_start)) s")
	step_start=$now
}

results=()	# "ok - name" or "not ok - name: why"
failed=0
pass() { results+=("ok - $1"); }
fail() { results+=("not ok - $1"); failed=$((failed + 1)); }

log=build/windows/logs
wine_lib=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
prefix=""
cleanup() {
	if [ -n "$prefix" ]; then
		WINEPREFIX=$prefix wineserver -k 2>/dev/null
		WINEPREFIX=$prefix wineserver -w 2>/dev/null
		rm -rf "$prefix"
	fi
}
trap cleanup EXIT

# Print everything gathered, plus hwtest.exe's TAP in $1 (may be
# missing), under one plan, renumbered; then the times.
report() {
	local tap=$1 n=0 line
	local -a theirs=()

	if [ -f "$tap" ]; then
		mapfile -t theirs < <(grep -aE '^(not )?ok [0-9]+|^#' "$tap")
	fi
	local own=${#results[@]} planned=0
	[ -f "$tap" ] && planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$tap" | head -1)
	echo "1..$((own + ${planned:-0}))"
	for line in "${results[@]}"; do
		n=$((n + 1))
		echo "${line/#ok -/ok $n -}" | sed "s/^not ok -/not ok $n -/"
	done
	for line in "${theirs[@]}"; do
		case $line in
		'#'*) echo "$line" ;;
		*)
			n=$((n + 1))
			sed -E "s/^(not ok|ok) [0-9]+/\1 $n/" <<<"$line"
			;;
		esac
	done
	step "hwtest.exe"
	local IFS=,
	echo "# wine-suite: step times: ${times[*]}" | sed 's/,/, /g'
	echo "# wine-suite: took $(($(date +%s) - start)) s in all"
}

mkdir -p "$log"

# 1. Tools: the cross compiler and its objdump, Wine 8.0 (64-bit only).
if scripts/install-deps.sh make gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev \
	binutils-mingw-w64-x86-64 wine wine64 >"$log/install.log" 2>&1; then
	pass "install mingw-w64 and Wine (scripts/install-deps.sh)"
else
	fail "install mingw-w64 and Wine: see $log/install.log"
	report /dev/null
	exit 1
fi
step "install"

# 2. The build, with no compiler warning (-Wall -Wextra).
rm -f build/windows/hwevent.sys build/windows/event.exe \
	build/windows/hwtest.exe
if make -j2 windows >"$log/make.log" 2>&1; then
	pass "make windows"
else
	fail "make windows: see $log/make.log"
	sed 's/^/# /' "$log/make.log" | tail -20 >&2
	report /dev/null
	exit 1
fi
if grep -q 'warning:' "$log/make.log"; then
	fail "make windows: compiler warnings (see $log/make.log)"
else
	pass "make windows: no compiler warning under -Wall -Wextra"
fi
step "build"

# 3. Every import of the driver is a function Wine implements: a stub
# (__wine_stub_NAME in Wine's ntoskrnl.exe or hal.dll) kills the driver
# host when called.
bad=""
imports=$(x86_64-w64-mingw32-objdump -p build/windows/hwevent.sys |
	awk '/DLL Name:/ { dll = tolower($3) }
	     /^\t[0-9a-f]+\t +[0-9]+ +[A-Za-z_]/ { print dll, $3 }')
for dll in ntoskrnl.exe hal.dll; do
	x86_64-w64-mingw32-objdump -p "$wine_lib/$dll" |
		sed -n '/\[Ordinal\/Name Pointer\] Table/,$s/^\t\[ *[0-9]*\] //p' \
		>"$log/exports-$dll.txt"
	x86_64-w64-mingw32-nm "$wine_lib/$dll" |
		sed -n 's/.* __wine_stub_//p' >"$log/stubs-$dll.txt"
done
while read -r dll name; do
	if ! grep -qx "$name" "$log/exports-$dll.txt" 2>/dev/null; then
		bad+=" $dll!$name(missing)"
	elif grep -qx "$name" "$log/stubs-$dll.txt"; then
		bad+=" $dll!$name(stub)"
	fi
done <<<"$imports"
if [ -z "$imports" ]; then
	fail "the driver's imports: none found by objdump"
elif [ -n "$bad" ]; then
	fail "the driver imports what Wine does not implement:$bad"
else
	pass "all $(wc -l <<<"$imports") imports of hwevent.sys are implemented by Wine $(wine --version 2>/dev/null | sed 's/^wine-//'), none a stub"
fi

# 4. A fresh 64-bit prefix, no display.
unset DISPLAY WAYLAND_DISPLAY
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
prefix=$(mktemp -d /tmp/hwevent-wine.XXXXXX)
export WINEPREFIX=$prefix
# Wine creates a missing prefix by booting it, and `wineboot -i` boots it
# again: that leaves two services.exe answering the SCM's pipe, and a
# service one of them created is unknown to the other (ERROR 1060, 1053).
# So end that session and start one wineserver, kept until the end (-p),
# and one session, before the suite.
# Nothing of Wine may hold our stdout: under a pipe (run-tests.sh), the
# reader would wait for the wineserver.
if { wineboot -i && wineserver -k && wineserver -w && wineserver -p &&
	wine cmd /c exit; } >"$log/wineboot.log" 2>&1; then
	pass "wineboot -i: a fresh prefix, restarted with one session"
else
	fail "wineboot -i failed: see $log/wineboot.log"
	report /dev/null
	exit 1
fi
step "wineboot"

# 5. The suite, from C:\hwevent, where event.exe finds its driver.
dir=$prefix/drive_c/hwevent
mkdir -p "$dir"
cp build/windows/hwevent.sys build/windows/event.exe \
	build/windows/hwtest.exe "$dir/"
tap=$log/hwtest.tap
timeout "${HWEVENT_WINE_TIMEOUT:-300}" wine 'C:\hwevent\hwtest.exe' \
	</dev/null >"$tap" 2>"$log/hwtest.stderr"
rc=$?
if [ $rc -ne 0 ] && ! grep -q '^not ok' "$tap"; then
	fail "hwtest.exe exited $rc without a failed test (timeout: 124; see $log/hwtest.stderr)"
fi
planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$tap" | head -1)
ran=$(grep -cE '^(not )?ok [0-9]+' "$tap")
if [ -z "$planned" ] || [ "$ran" -ne "$planned" ]; then
	fail "hwtest.exe ran $ran of ${planned:-?} planned tests"
fi
report "$tap"
grep -q '^not ok' "$tap" && failed=$((failed + 1))
[ "$failed" -eq 0 ]
