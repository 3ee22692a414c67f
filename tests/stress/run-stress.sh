#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/run-stress.sh: minutes of accounted notifications
# (tests/stress/hwstress.c), then the kernel log.  Prints TAP; exits 0 only
# if every test passed.
#
# WHERE IT RUNS: inside the test VM (it loads the module), after `make
# tests`; scripts/stress-suite.sh boots the VM and runs it.
#
# Environment: HWEVENT_STRESS_SECONDS (default 300), HWEVENT_SEED (default:
# random; printed), HWEVENT_KO, HWEVENT_STRESS_BIN.
set -u
cd "$(dirname "$0")/../.." || exit 2
export PATH="$PATH:/usr/sbin:/sbin"

ko=${HWEVENT_KO:-build/san/hwevent.ko}
bin=${HWEVENT_STRESS_BIN:-build/san/hwstress}
secs=${HWEVENT_STRESS_SECONDS:-300}
seed=${HWEVENT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

bail() {
	echo "Bail out! run-stress: $*"
	exit 2
}
[ "$(id -u)" = 0 ] || bail "needs root"
[ -e /proc/modules ] || bail "this kernel cannot load modules: run scripts/stress-suite.sh"
{ [ -r "$ko" ] && [ -x "$bin" ]; } || bail "$ko or $bin is missing: run 'make tests' first"

log_start=$(dmesg | wc -l)
[ -d /sys/module/hwevent ] || insmod "$ko" || bail "insmod $ko failed"
for _ in $(seq 100); do
	[ -c /dev/hwevent ] && break
	sleep 0.05
done

# hwstress's TAP, without its plan: one more test follows.
out=$("$bin" --seconds "$secs" --seed "$seed" 2>&1)
rc=$?
grep -v '^1\.\.' <<<"$out"
n=$(grep -cE '^(not )?ok ' <<<"$out")
failed=$(grep -c '^not ok ' <<<"$out")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	n=$((n + 1))
	echo "not ok $n - stress:hwstress_exit_status # exit $rc"
	failed=$((failed + 1))
fi

# shellcheck source=common/kernel-log.sh
. common/kernel-log.sh
n=$((n + 1))
kernel_log_result "$n" stress:kernel_log_clean "$log_start" ||
	failed=$((failed + 1))
echo "1..$n"
echo "# run-stress: $((n - failed)) passed, $failed failed (seed $seed)"
[ "$failed" = 0 ]
