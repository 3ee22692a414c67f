#!/bin/bash
# Fuzz the device in the test VM: tests/fuzz/hwfuzz (randomized processes
# doing everything the uAPI allows, and much it refuses), then trinity
# aimed at /dev/hwevent, each for HWEVENT_FUZZ_SECONDS (default 60).
# Prints TAP; fails on any mismatch with the documented behaviour, any
# registration left pending, a module that will not unload, or any kernel
# report in the guest's log.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-deps.sh trinity
make -j2 tests >/dev/null
exec vm/run-in-vm.sh --timeout "${HWEVENT_VM_TIMEOUT:-1800}" \
	--out "$PWD/build/vm-fuzz" -- tests/fuzz/run-fuzz.sh
