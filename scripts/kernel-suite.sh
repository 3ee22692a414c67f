#!/bin/bash
# The device test suite (tests/guest-suite.sh) in the test VM on another
# kernel than Debian's stock one:
#
#   scripts/kernel-suite.sh rt [PATTERN...]
#       Debian's PREEMPT_RT kernel (linux-image-rt-amd64): soft hrtimer
#       callbacks run in a thread and spinlocks sleep, so this is where
#       locking mistakes show first.
#   scripts/kernel-suite.sh debug [PATTERN...]
#   scripts/kernel-suite.sh debug-6.12 [PATTERN...]
#       the debug kernel of vm/debug-kernel.sh, from Debian's
#       linux-source-6.1 or -6.12 (built on first use, ~5 min each, then
#       cached): KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak,
#       DEBUG_OBJECTS; the suite adds its fault injection tests (every
#       allocation of the driver failed in turn through fail-nth) and a
#       kmemleak scan (HWEVENT_DEBUG_KERNEL=1, see tests/guest-suite.sh).
#       On 6.12 io_uring cancels the driver's commands itself, so that
#       path runs under KASAN and lockdep there.
#
#   scripts/kernel-suite.sh LINE [PATTERN...]
#       a kernel line of scripts/kernel-lines.sh (6.1, 6.1-rt, 6.12,
#       6.12-rt, 7, 7-rt): its headers installed (7.x: in the Debian 13
#       root of scripts/trixie-root.sh, where its module is built), its
#       image installed or unpacked from its .debs.
#
#   scripts/kernel-suite.sh --full KIND [PATTERN...]
#       the same boot runs tests/line-suite.sh instead: the device suite,
#       accounted stress (HWEVENT_STRESS_SECONDS, default 120) and the udev
#       rule, as run-tests.sh does for every line.
#
# (scripts/rt-suite.sh and scripts/debug-suite.sh are rt and debug.)  PATTERNs
# select tests, as for tests/guest-suite.sh.  Steps:
# 1. installs the kernel (rt: the packages; debug: builds it);
# 2. builds the module for it in a scratch copy of its source
#    (scripts/module-copy.sh), into build/KIND/hwevent.ko next to a copy
#    of the app (build/KIND/event, which loads the hwevent.ko of its own
#    folder); build/ and build/san/ keep the stock kernel's;
# 3. boots the VM with that kernel (output in build/KIND/vm) and runs
#    tests/guest-suite.sh there with HWEVENT_KO and HWEVENT_APP pointing at
#    build/KIND.
#
# stdout: the guest's TAP only (build/KIND/vm/guest.tap), or a "Bail out!"
# line when no test ran or the VM failed; the VM's console goes live to
# stderr.  Exit status 0 only if every test passed.
# Env: HWEVENT_VM_TIMEOUT (seconds; default 900, debug 2400),
# CK_TIMEOUT_MULTIPLIER (default 2, debug 4).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

guest=tests/guest-suite.sh
if [ "${1-}" = --full ]; then
	guest=tests/line-suite.sh
	shift
fi
kind=${1-}
shift || true
# rt is the 6.1 line's PREEMPT_RT kernel (scripts/rt-suite.sh).
[ "$kind" != rt ] || kind=6.1-rt
bail() {
	echo "Bail out! $kind-suite: $*"
	exit 1
}

start=$(date +%s)
# The base packages (headers, qemu, ...); progress to stderr, stdout is TAP.
scripts/install-deps.sh >&2 || bail "cannot install the packages (scripts/install-deps.sh)"
vm_args=() env_args=() broot=""
case $kind in
6.1 | 6.1-rt | 6.12 | 6.12-rt | 7 | 7-rt)
	vars=$(scripts/kernel-lines.sh prepare "$kind") || bail "cannot prepare the $kind line"
	kver="" kdir="" kroot=""
	eval "$vars"
	kv=$kver
	[ -z "$kroot" ] || vm_args=(--kroot "$kroot")
	env_args=(HWEVENT_KVER="$kv")
	# 7.3.4 oopsed at boot (int3 in sched_clock_tick, text patching)
	# under multi-threaded TCG; one TCG thread boots it.
	case $kind in 7*) env_args+=(HWEVENT_TCG_THREAD=single) ;; esac
	timeout_s=${HWEVENT_VM_TIMEOUT:-900}
	;;
debug | debug-6.12)
	series=6.1
	[ "$kind" = debug ] || series=${kind#debug-}
	dk=$(vm/debug-kernel.sh "$series") ||
		bail "cannot build the $series debug kernel (vm/debug-kernel.sh $series)"
	kv=$(cat "$dk/release")
	kdir=$dk/build
	# A big log: the fault injection tests dump thousands of stacks.
	vm_args=(--kernel "$dk/bzImage" --append log_buf_len=32M)
	env_args=(HWEVENT_DEBUG_KERNEL=1)
	timeout_s=${HWEVENT_VM_TIMEOUT:-2400}
	;;
*)
	echo "usage: scripts/kernel-suite.sh rt|debug|debug-6.12|LINE [PATTERN...]" >&2
	exit 2
	;;
esac

# Each test's own timeout, scaled: run-tests.sh runs two VMs at once, and
# the debug kernels run everything several times slower.
case $kind in
debug*) export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4} ;;
*) export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-2} ;;
esac

# The stress part and the udev part come on top of the device suite.
[ "$guest" = tests/guest-suite.sh ] ||
	timeout_s=$((timeout_s + ${HWEVENT_STRESS_SECONDS:-120} + 300))

# The test programs are the same for every kernel: build/san's.  The stock
# module is not needed here: build only userspace.
make -j2 build/san/event build/san/test_device build/san/hwstress >&2 ||
	bail "make build/san/event build/san/test_device build/san/hwstress failed"
dest=$PWD/build/$kind
rm -f "$dest/event"
scripts/module-copy.sh "$kdir" "$dest" ${broot:+"$broot"} || bail "building the module for $kv failed"
cp build/san/event "$dest/event"
built=$(date +%s)

out=$dest/vm
tap=$out/guest.tap
mkdir -p "$out"
rm -f "$tap"
# shellcheck disable=SC2016 # $1 is the guest's
env "${env_args[@]}" HWEVENT_KO="$dest/hwevent.ko" HWEVENT_APP="$dest/event" \
	vm/run-in-vm.sh --timeout "$timeout_s" --out "$out" "${vm_args[@]}" -- \
	bash -c 'set -o pipefail; f=$1 g=$2; shift 2; "$g" "$@" 2>&1 | tee "$f"' \
	_ "$tap" "$guest" "$@" >&2
rc=$?
echo "$kind-suite: $kv: build $((built - start)) s, VM $(($(date +%s) - built)) s," \
	"exit $rc" >&2
[ -f "$tap" ] && cat "$tap"
if [ $rc -eq 125 ]; then
	bail "the VM failed on $kv (kernel problem, crash or timeout): see $out/console.log and $out/vm-dmesg.log"
fi
[ -f "$tap" ] || bail "no output from tests/guest-suite.sh (exit $rc)"
exit "$rc"
