#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/refusal-suite.sh: what the app says when the kernel refuses
# modules to root, under lockdown and with kernel.modules_disabled=1.
# Prints TAP; exits 0 only if every test passed.
#
# WHERE IT RUNS: inside the test VM only, and last: both settings last
# until the VM reboots, so nothing that loads the module may come after
# it.  tests/guest-suite.sh runs it at its end (HWEVENT_REFUSALS=0 leaves
# it out there), tests/line-suite.sh after its other parts.
# Environment: HWEVENT_KO, HWEVENT_APP.
set -u
cd "$(dirname "$0")/.." || exit 2

ko=${HWEVENT_KO:-build/san/hwevent.ko}
app=${HWEVENT_APP:-build/san/event}
# shellcheck source=scripts/tap.sh
. scripts/tap.sh

[ "$(id -u)" = 0 ] || { echo "Bail out! refusal-suite: needs root"; exit 2; }
[ -d /sys/module/hwevent ] &&
	{ echo "Bail out! refusal-suite: hwevent is loaded: unload it first"; exit 2; }

result() { # result NAME PROBLEM...: ok when PROBLEM is empty
	local name=$1
	shift
	if [ -z "$*" ]; then
		ok "guest:$name"
	else
		not_ok "guest:$name"
		echo "$*" | diag
	fi
}

refused() { # refused NAME EXPECTED: the app (a copy next to the module)
	local dir out rc
	dir=$(mktemp -d)
	cp "$app" "$ko" "$dir/"
	out=$("$dir/event" --count 1 0.01 1 2>&1 >/dev/null)
	rc=$?
	rm -rf "$dir"
	if [ $rc -ne 1 ]; then
		result "$1" "exit $rc, not 1: $out"
	elif ! grep -q "$2" <<<"$out"; then
		result "$1" "no '$2' in: $out"
	else
		result "$1" ""
	fi
}

lockdown=/sys/kernel/security/lockdown
[ -e $lockdown ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if ! [ -w $lockdown ]; then
	ok "guest:app_says_the_kernel_is_locked_down # SKIP this kernel has no lockdown LSM ($lockdown)"
elif grep -q '\[none\]' $lockdown && echo integrity >$lockdown; then
	refused app_says_the_kernel_is_locked_down "locked down (integrity"
else
	result app_says_the_kernel_is_locked_down "cannot set $lockdown to integrity: $(cat $lockdown)"
fi
if echo 1 >/proc/sys/kernel/modules_disabled; then
	refused app_says_modules_are_disabled "kernel.modules_disabled=1"
else
	result app_says_modules_are_disabled "cannot set kernel.modules_disabled"
fi

echo "1..$n"
[ "$failed" = 0 ]
