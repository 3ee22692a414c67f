#!/bin/bash
# hwevent's one test command, from a fresh Debian 12 machine:
#   install the packages, build everything, run the host unit tests, the
#   kernel checks (W=1, sparse, checkpatch), the packaging checks and, in
#   throwaway VMs, the device test suite (tests/guest-suite.sh) on Debian's
#   stock kernel and on its PREEMPT_RT kernel, two minutes of stress with
#   accounting (scripts/stress-suite.sh), the device test suite on the
#   debug kernel if it is built (scripts/debug-suite.sh), and the udev
#   rule.
# Every stage reports TAP; this counts its "ok"/"not ok" lines (ok with
# "# SKIP" and not ok with "# TODO" count as skipped; "Bail out!", a short
# plan or a failing exit status without a failed test count as one
# failure) and ends with the line "N passed, N failed".
# Logs: build/test-logs/ and, for the VM, build/vm/.
# Env: HWEVENT_VM_TIMEOUT (seconds, default 900) bounds the VM stage;
# HWEVENT_STRESS_SECONDS (default 120) is the stress stage's length.
set -uo pipefail
cd "$(dirname "$0")" || exit 1

logs=build/test-logs
passed=0 failed=0 skipped=0

# One result of this script's own: result ok|not-ok NAME.
result() {
	if [ "$1" = ok ]; then
		echo "ok - $2"
		passed=$((passed + 1))
	else
		echo "not ok - $2"
		failed=$((failed + 1))
	fi
}

# Count the TAP in FILE, the output of a program that exited with STATUS.
tap_count() {
	local file=$1 status=$2 name=$3 p f s plans plan
	p=$(grep -aE '^ok [0-9]+' "$file" | grep -acviE '# *SKIP')
	s=$(grep -aE '^ok [0-9]+' "$file" | grep -aciE '# *SKIP')
	f=$(grep -aE '^not ok [0-9]+' "$file" | grep -acviE '# *TODO')
	s=$((s + $(grep -aE '^not ok [0-9]+' "$file" | grep -aciE '# *TODO')))
	f=$((f + $(grep -acE '^Bail out!' "$file")))
	# A single plan "1..N" must be met (none or several: nested TAP).
	plans=$(grep -aE '^1\.\.[0-9]+' "$file")
	if [ -n "$plans" ] && [ "$(wc -l <<<"$plans")" -eq 1 ]; then
		plan=${plans#1..}
		plan=${plan%%[!0-9]*}
		if [ $((p + f + s)) -lt "$plan" ]; then
			echo "not ok - $name: only $((p + f + s)) of the $plan planned tests ran"
			f=$((f + 1))
		fi
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exit status $status without a failed test"
		f=$((f + 1))
	fi
	echo "run-tests: $name: pass $p, fail $f, skip $s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# Each stage's elapsed time: stage NAME prints the previous one's and
# starts NAME.
stage_name="" stage_start=$(date +%s) run_start=$stage_start
stage() {
	local now
	now=$(date +%s)
	[ -z "$stage_name" ] || echo "run-tests: stage \"$stage_name\" took $((now - stage_start)) s"
	stage_name=$1 stage_start=$now
	[ -z "$1" ] || echo "=== $1"
}

finish() {
	stage ""
	echo "run-tests: all stages took $(($(date +%s) - run_start)) s"
	local line="$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || line+=", $skipped skipped"
	echo "$line"
	[ "$failed" -eq 0 ]
	exit
}

stage "dependencies"
if ! scripts/install-deps.sh; then
	result not-ok "install the dependencies (scripts/install-deps.sh)"
	finish
fi
mkdir -p "$logs"
# The stock build and VM are Debian 12's default line, 6.1, even though
# the 6.12 line's packages are installed too (scripts/kernel-lines.sh).
if [ -z "${HWEVENT_KVER-}" ] && vars=$(scripts/kernel-lines.sh prepare 6.1); then
	HWEVENT_KVER=$(sed -n 's/^kver=//p' <<<"$vars")
	export HWEVENT_KVER
fi

stage "build"
built=1
for t in all tests examples; do
	if make -j2 "$t" 2>&1 | tee "$logs/make-$t.log"; then
		result ok "make $t"
	else
		result not-ok "make $t (see $logs/make-$t.log)"
		built=0
	fi
done

stage "host unit tests"
if [ -x build/san/test_unit ]; then
	build/san/test_unit 2>&1 | tee "$logs/unit.tap"
	tap_count "$logs/unit.tap" "${PIPESTATUS[0]}" "unit tests"
else
	result not-ok "unit tests (build/san/test_unit was not built)"
fi

stage "kernel checks"
scripts/kernel-checks.sh 2>&1 | tee "$logs/kernel-checks.tap"
tap_count "$logs/kernel-checks.tap" "${PIPESTATUS[0]}" "kernel checks"

stage "packaging checks"
for c in man-check dkms-check install-check; do
	scripts/$c.sh 2>&1 | tee "$logs/$c.tap"
	tap_count "$logs/$c.tap" "${PIPESTATUS[0]}" "$c"
done

stage "device tests in the VM"
if [ "$built" -eq 0 ]; then
	result not-ok "device tests (not run: the build failed)"
	finish
fi
# The guest's output reaches us on its console, interleaved with kernel
# messages; the suite's own copy in the writable build/vm is what counts.
out=$PWD/build/vm
tap=$out/guest.tap
mkdir -p "$out"
rm -f "$tap"
# shellcheck disable=SC2016 # $1 is the guest's
vm/run-in-vm.sh --timeout "${HWEVENT_VM_TIMEOUT:-900}" --out "$out" -- \
	bash -c 'set -o pipefail; tests/guest-suite.sh 2>&1 | tee "$1"' _ "$tap"
rc=$?
if [ $rc -eq 125 ]; then
	result not-ok "VM harness: the VM failed (kernel problem, crash or timeout: see above)"
fi
if [ -f "$tap" ]; then
	tap_count "$tap" "$([ $rc -eq 125 ] && echo 0 || echo $rc)" "device tests"
elif [ $rc -ne 125 ]; then
	result not-ok "device tests: no output from tests/guest-suite.sh (exit $rc)"
fi

stage "device tests on PREEMPT_RT, in the VM"
scripts/rt-suite.sh | tee "$logs/rt-device.tap"
tap_count "$logs/rt-device.tap" "${PIPESTATUS[0]}" "device tests on PREEMPT_RT"

stage "stress with accounting, in the VM"
HWEVENT_STRESS_SECONDS=${HWEVENT_STRESS_SECONDS:-120} scripts/stress-suite.sh |
	tee "$logs/stress.tap"
tap_count "$logs/stress.tap" "${PIPESTATUS[0]}" "stress"

stage "device tests on the debug kernel, in the VM"
# Built on first use (about 5 minutes on 2 cores), then cached: a fresh
# machine runs it too.
if dk=$(vm/debug-kernel.sh); then
	echo "run-tests: debug kernel $dk"
	scripts/debug-suite.sh | tee "$logs/debug-device.tap"
	tap_count "$logs/debug-device.tap" "${PIPESTATUS[0]}" "device tests on the debug kernel"
else
	result not-ok "device tests on the debug kernel: vm/debug-kernel.sh could not build it"
fi

# Every other Debian kernel line (scripts/kernel-lines.sh; 6.1 stock and
# PREEMPT_RT ran above).
for l in $(scripts/kernel-lines.sh); do
	[ "$l" != 6.1 ] || continue
	stage "device tests on line $l, in the VM"
	scripts/kernel-suite.sh "$l" | tee "$logs/line-$l.tap"
	tap_count "$logs/line-$l.tap" "${PIPESTATUS[0]}" "device tests on line $l"
done

stage "udev rule, in the VM"
scripts/udev-check.sh 2>&1 | tee "$logs/udev-check.tap"
tap_count "$logs/udev-check.tap" "${PIPESTATUS[0]}" "udev rule"
finish
