#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest-suite.sh: the hwevent device tests, on a kernel that may load
# the module.  Prints TAP on stdout; exits 0 only if every test passed.
#
# WHERE IT RUNS: inside the test VM, as run-tests.sh does it:
#     make tests && vm/run-in-vm.sh --timeout 600 -- tests/guest-suite.sh
# or natively, as root, on a real Linux machine with module support whose
# running kernel is the one the module was built for (make tests; then
# sudo tests/guest-suite.sh from the repository root).  It loads and
# unloads hwevent.ko (do not run it where the module is in use) and refuses
# to run unless the kernel supports modules (/proc/modules) and its release
# matches the module's vermagic, so it never runs on a build host whose
# kernel cannot load the module.
#
# What it does:
#   1. unloads hwevent if it is loaded (the lifecycle tests need that);
#   2. runs build/san/test_device, which loads the module itself as each
#      test needs (its TAP lines are passed through, numbered on); where
#      the VM has an edu device (HWEVENT_EDU=1, vm/run-in-vm.sh), runs it
#      again with HWEVENT_TEST_NODE=hwevent-edu0: the cases on the edu
#      node (HWEVENT_EDU_RERUN=0 leaves that out);
#   3. unloads the module (one more test);
#   4. checks the kernel log written since step 1 for warnings, oopses,
#      sanitizer and slab reports (one more test).
# With HWEVENT_DEBUG_KERNEL=1 (scripts/debug-suite.sh: the debug kernel of
# vm/debug-kernel.sh) test_device adds its fault injection suite, and
# kmemleak, cleared at the start, is scanned at the end: any leak it
# reports is one more failed test.
#
# Arguments are passed to test_device (patterns selecting tests).
# Environment: HWEVENT_KO, HWEVENT_APP (used by test_device too),
# HWEVENT_TEST_DEVICE (the test binary), HWEVENT_SEED, CK_TIMEOUT_MULTIPLIER,
# HWEVENT_REFUSALS (0: leave tests/refusal-suite.sh out),
# HWEVENT_DEBUG_KERNEL, HWEVENT_ITER_PERCENT (default 100, 25 with
# HWEVENT_DEBUG_KERNEL=1); HWEVENT_EDU, HWEVENT_HOTPLUG_TTY (set by
# vm/run-in-vm.sh), HWEVENT_EDU_RERUN, HWEVENT_HOTPLUG_ITER,
# HWEVENT_HOTPLUG_QMP_EVERY (docs/edu.md).
set -u
cd "$(dirname "$0")/.." || exit 2

ko=${HWEVENT_KO:-build/san/hwevent.ko}
test_bin=${HWEVENT_TEST_DEVICE:-build/san/test_device}
export PATH="$PATH:/usr/sbin:/sbin"

bail() {
	echo "Bail out! guest-suite: $*"
	exit 2
}

[ "$(id -u)" = 0 ] || bail "needs root"
[ -e /proc/modules ] ||
	bail "this kernel cannot load modules (no /proc/modules): run it in the VM (vm/run-in-vm.sh -- $0)"
[ -r "$ko" ] || bail "$ko is missing: run 'make tests' first"
[ -x "$test_bin" ] || bail "$test_bin is missing: run 'make tests' first"

if command -v modinfo >/dev/null 2>&1; then
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null)
else
	vermagic=$(tr '\0' '\n' <"$ko" | sed -n 's/^vermagic=//p' | head -1)
fi
release=${vermagic%% *}
[ -n "$release" ] || bail "cannot read the vermagic of $ko"
[ "$release" = "$(uname -r)" ] ||
	bail "$ko is built for $release but this kernel is $(uname -r)"

module_loaded() {
	[ -d /sys/module/hwevent ]
}

debug=${HWEVENT_DEBUG_KERNEL:-0}
kmemleak=/sys/kernel/debug/kmemleak
if [ "$debug" = 1 ]; then
	[ -d /sys/kernel/debug/failslab ] || mount -t debugfs debugfs /sys/kernel/debug
	if ! [ -e /proc/thread-self/fail-nth ] || ! [ -e $kmemleak ]; then
		bail "HWEVENT_DEBUG_KERNEL=1 but this kernel has no fail-nth or kmemleak: boot the debug kernel (scripts/debug-suite.sh)"
	fi
	# What boot left unreferenced is not the tests': scan, then forget.
	if ! { echo scan >$kmemleak && echo clear >$kmemleak; }; then
		bail "cannot scan and clear $kmemleak"
	fi
	# Every call costs ten times more under KASAN, lockdep and
	# kmemleak: the race tests run a quarter of their iterations
	# (hwt_iters()), a few thousand still.
	export HWEVENT_ITER_PERCENT=${HWEVENT_ITER_PERCENT:-25}
	echo "# guest-suite: debug kernel, race iterations at $HWEVENT_ITER_PERCENT%"
fi

# The kernel log from here on is what the tests caused.
log_start=$(dmesg | wc -l)

if module_loaded; then
	rmmod hwevent 2>/dev/null || bail "hwevent is loaded and in use; cannot start"
fi

# shellcheck source=scripts/tap.sh
. "$(dirname "$0")/../scripts/tap.sh"
echo "# guest-suite: kernel $(uname -r), $(nproc) CPUs, test binary $test_bin"

# run_device_tests NAME [ENV=VAL...] -- [PATTERN...]: one run of
# test_device, its TAP lines numbered on, then its exit status as a test.
run_device_tests() {
	local name=$1 start n0=$n
	local env=()
	shift
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	start=$(date +%s)
	relay "$name" env "${env[@]}" "$test_bin" "$@"
	local ran=$((n - n0))
	echo "# guest-suite: $name ran $ran tests in $(($(date +%s) - start)) s"

	if [ "$relay_rc" = 0 ] && [ "$ran" -gt 0 ]; then
		ok "guest:${name}_exit_status"
	else
		not_ok "guest:${name}_exit_status"
		echo "#   test_device exited with status ${relay_rc:-unknown} after $ran tests"
	fi
}
run_device_tests test_device -- "$@"

# The same cases again on the edu node (docs/edu.md), where the VM has an
# edu device: all but the lifecycle suite (module load and the app, which
# are /dev/hwevent's) and those that run once (edu, hotplug, fault).
# Patterns given select here too; HWEVENT_EDU_RERUN=0 leaves it out.
if [ "${HWEVENT_EDU:-0}" = 1 ] && [ "${HWEVENT_EDU_RERUN:-1}" = 1 ]; then
	edu_suites=(register: invalid: cancel: limit: memcg: race: cancel_id:
		queue: periodic: uring: uring_life: restart: budget: stress:)
	mapfile -t edu_cases < <(HWEVENT_TEST_NODE=hwevent-edu0 "$test_bin" --list "${edu_suites[@]}" |
		if [ $# -gt 0 ]; then grep -F "${@/#/-e}"; else cat; fi)
	if [ ${#edu_cases[@]} -gt 0 ]; then
		run_device_tests test_device_edu HWEVENT_TEST_NODE=hwevent-edu0 -- \
			"${edu_cases[@]}"
	fi
fi

# The kernel's own debugging tools, as a driver developer uses them: trace
# events through tracefs, pr_debug through dynamic debug.
app=${HWEVENT_APP:-build/san/event}
result() { # result NAME PROBLEM...: ok when PROBLEM is empty
	local name=$1
	shift
	if [ -z "$*" ]; then
		ok "guest:$name"
	else
		not_ok "guest:$name"
		echo "#   $*"
	fi
}
module_loaded || insmod "$ko"
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs tracefs $tr
[ -d /sys/kernel/debug/dynamic_debug ] || mount -t debugfs debugfs /sys/kernel/debug
dyndbg=/sys/kernel/debug/dynamic_debug/control
echo 0 >$tr/tracing_on
echo >$tr/trace
echo 1 >$tr/events/hwevent/enable
echo 1 >$tr/tracing_on
echo 'module hwevent +p' >$dyndbg
dmesg_before=$(dmesg | wc -l)
# The module is loaded, so the app leaves it loaded.
"$app" --count 2 0.01 1 >/dev/null 2>&1
"$app" --count 1 0.01 0 >/dev/null 2>&1
echo 'module hwevent -p' >$dyndbg
echo 0 >$tr/tracing_on
echo 0 >$tr/events/hwevent/enable
trace=$(cat $tr/trace)
problem=""
for ev in hwevent_register hwevent_fire hwevent_complete; do
	c=$(grep -c " $ev: " <<<"$trace")
	[ "$c" -ge 1 ] || problem+="no $ev event in the trace; "
done
[ "$(grep -c ' hwevent_register: .*type=1' <<<"$trace")" -ge 2 ] ||
	problem+="fewer than 2 type 1 registrations traced; "
result trace_events_fire "$problem"

# The context each timer notified from: the third of the trace's flags of
# its hwevent_fire lines ("d.h1.": h, or H for a hard interrupt that came
# in a softirq; s for softirq).  Hard by default, as a timerfd's wake-up;
# softirq with soft_timers=1, and on PREEMPT_RT, whose timer thread runs
# both (its softirq flag shows as s or, in 6.1-rt, not at all: '.').
fire_contexts() { # fire_contexts TRACE: the distinct flags, e.g. "hH"
	sed -n 's/.*\] [^ ][^ ]\([^ ]\)[^ ]* *[0-9.]*: hwevent_fire:.*/\1/p' <<<"$1" |
		sort -u | tr -d '\n'
}
trace_fires() { # trace_fires: run the app's two timer models, traced
	echo >$tr/trace
	echo 1 >$tr/events/hwevent/hwevent_fire/enable
	echo 1 >$tr/tracing_on
	"$app" --count 2 0.01 1 >/dev/null 2>&1
	"$app" --count 2 0.01 0 >/dev/null 2>&1
	echo 0 >$tr/tracing_on
	echo 0 >$tr/events/hwevent/hwevent_fire/enable
	cat $tr/trace
}
# /sys/kernel/realtime is the RT patch's; upstream RT (6.12 on) says it in
# the version string only.
rt=0
if [ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] ||
	[[ $(uname -v) == *PREEMPT_RT* ]]; then
	rt=1
fi
hard=$(fire_contexts "$(trace_fires)")
echo 1 >/sys/module/hwevent/parameters/soft_timers
soft=$(fire_contexts "$(trace_fires)")
echo 0 >/sys/module/hwevent/parameters/soft_timers
problem=""
# On RT the timer thread's softirq shows as s or as a plain task (.).
if [ -z "$hard" ] || [ -z "$soft" ]; then
	problem+="no hwevent_fire event traced; "
elif [ "$rt" = 1 ]; then
	[ -z "${hard//[s.]/}" ] || problem+="PREEMPT_RT: fired in context '$hard', expected s or .; "
	[ -z "${soft//[s.]/}" ] || problem+="PREEMPT_RT, soft_timers=1: fired in context '$soft', expected s or .; "
else
	[ -z "${hard//[hH]/}" ] || problem+="fired in context '$hard', expected the hard interrupt (h or H); "
	[ "$soft" = s ] || problem+="soft_timers=1: fired in context '$soft', expected s; "
fi
echo "# timer callbacks' context: '$hard' by default, '$soft' with soft_timers=1 (realtime: $rt)"
result timer_fires_in_hard_irq_unless_soft "$problem"
msgs=$(dmesg | tail -n "+$((dmesg_before + 1))" | grep -c 'hwevent: .*open')
[ "$msgs" -ge 2 ] && problem="" || problem="$msgs pr_debug open lines in dmesg, expected 2 or more"
result dynamic_debug_prints "$problem"

unload_err=""
if module_loaded; then
	unload_err=$(rmmod hwevent 2>&1) || true
fi
if module_loaded; then
	not_ok "guest:module_unloads_after_suite"
	echo "#   rmmod hwevent: $unload_err"
	echo "#   refcnt: $(cat /sys/module/hwevent/refcnt 2>/dev/null)"
else
	ok "guest:module_unloads_after_suite"
fi

if [ "$debug" = 1 ]; then
	# An object is reported once a scan finds no reference to it and it
	# is older than 5 s: wait, then scan twice to be sure.
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	leaks=$(cat $kmemleak)
	problem=""
	[ -z "$leaks" ] ||
		problem="kmemleak reports leaks: $(grep -c '^unreferenced object' <<<"$leaks") objects"
	result kmemleak_clean "$problem"
	[ -z "$leaks" ] || head -60 <<<"$leaks" | sed 's/^/#   /'
fi

# What the app says when the kernel refuses modules to root: last, as
# both settings last until the VM reboots (tests/refusal-suite.sh; the
# line suite runs it after its own parts, with HWEVENT_REFUSALS=0 here).
if [ "${HWEVENT_REFUSALS:-1}" != 0 ]; then
	relay guest:refusal_suite env HWEVENT_KO="$ko" HWEVENT_APP="$app" \
		tests/refusal-suite.sh
	[ "$relay_rc" = 0 ] || [ "$relay_failed" != 0 ] ||
		not_ok "guest:refusal_suite: exit status $relay_rc without a failed test"
fi

# shellcheck source=common/kernel-log.sh
. common/kernel-log.sh
n=$((n + 1))
kernel_log_result "$n" guest:kernel_log_clean "$log_start" ||
	failed=$((failed + 1))

echo "1..$n"
echo "# guest-suite: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
