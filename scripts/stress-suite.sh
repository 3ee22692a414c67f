#!/bin/bash
# Stress with accounting, in the test VM: tests/stress/run-stress.sh runs
# tests/stress/hwstress (many processes and threads, every model, others
# SIGKILLed; every notification accounted for by its seq) for
# HWEVENT_STRESS_SECONDS (default 300), then checks nothing is pending, the
# module unloads and the kernel log is clean.  Prints TAP on stdout (the
# VM's console goes to stderr); exit status 0 only if every test passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
scripts/install-deps.sh >&2 || { echo "Bail out! stress-suite: cannot install the packages"; exit 1; }
make -j2 tests >&2 || { echo "Bail out! stress-suite: make tests failed"; exit 1; }
secs=${HWEVENT_STRESS_SECONDS:-300}
out=$PWD/build/vm-stress
tap=$out/stress.tap
mkdir -p "$out"
rm -f "$tap"
# shellcheck disable=SC2016 # $1 is the guest's
HWEVENT_STRESS_SECONDS=$secs vm/run-in-vm.sh --timeout $((secs + 600)) --out "$out" -- \
	bash -c 'set -o pipefail; tests/stress/run-stress.sh 2>&1 | tee "$1"' _ "$tap" >&2
rc=$?
[ -f "$tap" ] && cat "$tap"
if [ $rc -eq 125 ]; then
	echo "Bail out! stress-suite: the VM failed (kernel problem, crash or timeout): see $out/console.log"
elif [ ! -f "$tap" ]; then
	echo "Bail out! stress-suite: no output from tests/stress/run-stress.sh (exit $rc)"
fi
exit "$rc"
