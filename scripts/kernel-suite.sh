#!/bin/bash
# The device test suite (tests/guest-suite.sh) on Debian's PREEMPT_RT
# kernel, in the test VM: there soft hrtimer callbacks run in a thread and
# spinlocks sleep, so this is where locking mistakes show first.
#
#   scripts/rt-suite.sh [PATTERN...]   (patterns select tests, as for
#                                       tests/guest-suite.sh)
#
# 1. installs linux-image-rt-amd64 and linux-headers-rt-amd64;
# 2. builds the module for that kernel (scripts/kver.sh --rt) in a scratch
#    copy of its source, build/rt/src, and puts it in build/rt/hwevent.ko
#    next to a copy of the app (build/rt/event, which loads the hwevent.ko
#    of its own folder); build/ and build/san/ keep the stock kernel's;
# 3. boots the VM with that kernel (HWEVENT_KVER=<release>
#    vm/run-in-vm.sh, output in build/rt/vm) and runs tests/guest-suite.sh
#    there with HWEVENT_KO and HWEVENT_APP pointing at build/rt.
#
# stdout: the guest's TAP only (build/rt/vm/guest.tap), or a "Bail out!"
# line when no test ran or the VM failed; the VM's console goes live to
# stderr.  Exit status 0 only if every test passed.
# Env: HWEVENT_VM_TIMEOUT (seconds, default 900), CK_TIMEOUT_MULTIPLIER.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

bail() {
	echo "Bail out! rt-suite: $*"
	exit 1
}

start=$(date +%s)
# The base packages (headers, qemu, ...) and the RT kernel; progress to
# stderr, stdout is TAP.
{ scripts/install-deps.sh &&
	scripts/install-deps.sh linux-image-rt-amd64 linux-headers-rt-amd64; } >&2 ||
	bail "cannot install the packages (scripts/install-deps.sh)"
kv=$(scripts/kver.sh --rt) || bail "no PREEMPT_RT kernel installed"
grep -qs '^CONFIG_PREEMPT_RT=y' "/boot/config-$kv" ||
	bail "$kv is not a PREEMPT_RT kernel (no CONFIG_PREEMPT_RT=y in /boot/config-$kv)"

# The test programs are the same for both kernels: build/san's.  The stock
# module is not needed here: build only userspace.
make -j2 build/san/event build/san/test_device >&2 ||
	bail "make build/san/event build/san/test_device failed"

# The module, from a scratch copy of exactly what kbuild reads (as DKMS
# gets it), so that driver/'s objects stay the stock kernel's.
rt=$PWD/build/rt
src=$rt/src
rm -rf "$src" "$rt/hwevent.ko" "$rt/event"
mkdir -p "$src/driver" "$src/include/uapi/linux"
for f in driver/Kbuild driver/*.c driver/*.h include/uapi/linux/*.h VERSION; do
	case $f in *.mod.c) continue ;; esac
	cp "$f" "$src/$f" || bail "cannot copy $f to $src"
done
make -C "/lib/modules/$kv/build" M="$src/driver" modules >&2 ||
	bail "building the module for $kv failed"
cp "$src/driver/hwevent.ko" "$rt/hwevent.ko"
cp build/san/event "$rt/event"
built=$(date +%s)

out=$rt/vm
tap=$out/guest.tap
mkdir -p "$out"
rm -f "$tap"
# shellcheck disable=SC2016 # $1 is the guest's
HWEVENT_KVER=$kv HWEVENT_KO=$rt/hwevent.ko HWEVENT_APP=$rt/event \
	vm/run-in-vm.sh --timeout "${HWEVENT_VM_TIMEOUT:-900}" --out "$out" -- \
	bash -c 'set -o pipefail; f=$1; shift; tests/guest-suite.sh "$@" 2>&1 | tee "$f"' \
	_ "$tap" "$@" >&2
rc=$?
echo "rt-suite: $kv: build $((built - start)) s, VM $(($(date +%s) - built)) s," \
	"exit $rc" >&2
[ -f "$tap" ] && cat "$tap"
if [ $rc -eq 125 ]; then
	bail "the VM failed on $kv (kernel problem, crash or timeout): see $out/console.log and $out/vm-dmesg.log"
fi
[ -f "$tap" ] || bail "no output from tests/guest-suite.sh (exit $rc)"
exit "$rc"
