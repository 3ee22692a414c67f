#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/line-suite.sh: what every kernel line is tested with, in one boot of
# the test VM (scripts/kernel-suite.sh --full LINE runs it there):
#   1. the device suite, tests/guest-suite.sh (PATTERNs are passed to it);
#   2. accounted stress, tests/stress/run-stress.sh, for
#      HWEVENT_STRESS_SECONDS (default 120);
#   3. the udev rule applied by udev, scripts/udev-check.sh --guest;
#   4. what the app says when the kernel refuses modules to root,
#      tests/refusal-suite.sh, last: that lasts until the VM reboots.
# Each part's TAP is numbered on into one stream with one plan at the end;
# a part that bails out or fails without a failed test counts as a failed
# test.  Exits 0 only if every test passed.
#
# WHERE IT RUNS: inside the test VM only (the udev part rewrites
# /dev/hwevent's permissions).  Environment: that of its parts (HWEVENT_KO,
# HWEVENT_APP, HWEVENT_STRESS_SECONDS, ...).
set -u
cd "$(dirname "$0")/.." || exit 2
export PATH="$PATH:/usr/sbin:/sbin"

# shellcheck source=scripts/tap.sh
. scripts/tap.sh

# part NAME CMD...: run CMD, pass its TAP on renumbered, without its plan.
part() {
	local name=$1 start
	shift
	start=$(date +%s)
	echo "# line-suite: $name"
	relay "$name" "$@"
	if [ "${relay_rc:-1}" != 0 ] && [ "$relay_failed" = 0 ]; then
		not_ok "$name: exit status ${relay_rc:-unknown} without a failed test"
	fi
	echo "# line-suite: $name took $(($(date +%s) - start)) s"
	# The next part loads the module itself.
	[ ! -d /sys/module/hwevent ] || rmmod hwevent 2>/dev/null || true
}

echo "# line-suite: kernel $(uname -r)"
part device env HWEVENT_REFUSALS=0 tests/guest-suite.sh "$@"
part stress env HWEVENT_STRESS_SECONDS="${HWEVENT_STRESS_SECONDS:-120}" \
	tests/stress/run-stress.sh
part udev scripts/udev-check.sh --guest 1
# Last: it refuses modules to root until the VM reboots.
part refusals tests/refusal-suite.sh
echo "1..$n"
echo "# line-suite: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
