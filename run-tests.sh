#!/bin/bash
# hwevent's one test command, from a fresh Debian 12 machine:
#   install the packages, build everything, run the host unit tests, the
#   kernel checks (W=1 on every kernel line, sparse, checkpatch), the
#   packaging checks (man pages, DKMS, make install, the Debian packages
#   installed and built by DKMS for every line), and then, in throwaway
#   VMs, two at a time: on every Debian kernel line (scripts/kernel-lines.sh:
#   6.1, 6.12 and 7.x, stock and PREEMPT_RT) the device suite, accounted
#   stress and the udev rule (tests/line-suite.sh); and the device suite on
#   the two debug kernels (KASAN, lockdep, kmemleak, fault injection: 6.1,
#   and 6.12 for the cancelable io_uring path); beside them, the Windows
#   driver's suite under Wine (scripts/wine-suite.sh).  The debug kernels are built
#   at the start, in the background and niced, on the CPU the other stages
#   leave idle (about 5 minutes of 2 cores each; cached afterwards).
# Every stage reports TAP; this counts its "ok"/"not ok" lines (ok with
# "# SKIP" and not ok with "# TODO" count as skipped; "Bail out!", a short
# plan or a failing exit status without a failed test count as one
# failure) and ends with the line "N passed, N failed".
# Logs: build/test-logs/ and, for each VM, build/KIND/vm/.
# Env: HWEVENT_VM_TIMEOUT (seconds) bounds each VM; HWEVENT_STRESS_SECONDS
# (default 120) is each line's stress; HWEVENT_VM_LANES (default 2) is how
# many VMs run at once.
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

# run_tap NAME LOG CMD...: run CMD with its output to LOG and the
# terminal, and count its TAP.
run_tap() {
	local name=$1 log=$2
	shift 2
	"$@" 2>&1 | tee "$log"
	tap_count "$log" "${PIPESTATUS[0]}" "$name"
}

stage "dependencies"
if ! scripts/install-deps.sh; then
	result not-ok "install the dependencies (scripts/install-deps.sh)"
	finish
fi
rm -rf "$logs"
mkdir -p "$logs"
# Nothing of ours outlives the run (a failed build stage ends it early):
# each background job is a process group of its own.
bg_groups=()
trap 'for g in "${bg_groups[@]}"; do kill -- "-$g" 2>/dev/null; done' EXIT
# The debug kernels, one after the other, beside the host stages; the
# VM lanes start when they are built.  Beside the lanes, whose VMs take
# both cores, each took 1569 s to 2800 s, and the lanes waited for them;
# beside the host stages they take about 5 minutes each.
# vm/debug-kernel.sh holds a lock while it builds, so a suite's own call
# would wait for this one.
setsid bash -c "for s in 6.1 6.12; do
		vm/debug-kernel.sh \$s >$logs/debug-kernel-\$s.log 2>&1 ||
			echo \$s >>$logs/debug-kernel.failed
	done" &
debug_build=$!
bg_groups+=($debug_build)
# The stock build is Debian 12's default line, 6.1, even though the other
# lines' packages are installed too (scripts/kernel-lines.sh).
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
	run_tap "unit tests" "$logs/unit.tap" build/san/test_unit
else
	result not-ok "unit tests (build/san/test_unit was not built)"
fi

stage "kernel checks"
run_tap "kernel checks" "$logs/kernel-checks.tap" scripts/kernel-checks.sh

stage "packaging checks"
for c in man-check dkms-check install-check; do
	run_tap "$c" "$logs/$c.tap" scripts/$c.sh
done
run_tap "udev rule lint" "$logs/udev-lint.tap" scripts/udev-check.sh --lint

stage "Debian packages, installed as users install them"
run_tap "Debian packages" "$logs/deb-check.tap" scripts/deb-check.sh

if [ "$built" -eq 0 ]; then
	result not-ok "the VM stages (not run: the build failed)"
	finish
fi

# The VM stages, in lanes that run at once.  A job is a KIND of
# scripts/kernel-suite.sh: a line gets the full line suite, a debug kernel
# the device suite.  Each job's TAP goes to $logs/vm-KIND.tap, its exit
# status and time to $logs/vm-KIND.rc and .time.
# The edu device is removed at random while every model waits
# (docs/edu.md): 300 times on the default line, 60 (the default) on the
# others, 10 on the debug kernels, where each takes seconds.  The whole
# device suite again on the edu node (HWEVENT_EDU_RERUN=1, 212 s on 6.1)
# is left to scripts/kernel-suite.sh: the edu: tests run every model on
# it, from the hard and from the threaded handler, on every line.
# A debug kernel checks the driver's memory and locking on every path of
# the driver, with its fault injection; the app's own behaviour as a Unix
# program (app:, lifecycle:app_), the examples (examples:) and CPU shares
# under load (budget:) are the lines' to check: they call the same
# paths, and cost a third of the debug suite's time.
# The 6.1 debug kernel, slower per call still, also leaves the checks of
# bad input and of limits (invalid:, limit:, memcg:) to the 6.12 one: their
# code is the same on both, while io_uring, eventfd and hrtimer differ.
debug_skip=('!app:' '!examples:' '!budget:' '!lifecycle:app_')
debug61_skip=('!invalid:' '!limit:' '!memcg:')
job() {
	local kind=$1 args=(--full) pats=() env=() t0 rc
	case $kind in
	6.1) env=(HWEVENT_EDU_RERUN=0 HWEVENT_HOTPLUG_ITER=300) ;;
	debug*) args=() pats=("${debug_skip[@]}")
		[ "$kind" != debug ] || pats+=("${debug61_skip[@]}")
		env=(HWEVENT_EDU_RERUN=0 HWEVENT_HOTPLUG_ITER=10) ;;
	*) env=(HWEVENT_EDU_RERUN=0) ;;
	esac
	# Twice what a line took on a loaded machine: a bound for a hang.
	[[ $kind == debug* ]] || env+=("HWEVENT_VM_TIMEOUT=${HWEVENT_VM_TIMEOUT:-1800}")
	t0=$(date +%s)
	echo "run-tests: VM job $kind started"
	env "${env[@]}" scripts/kernel-suite.sh "${args[@]}" "$kind" "${pats[@]}" \
		>"$logs/vm-$kind.tap" 2>"$logs/vm-$kind.log"
	rc=$?
	echo "$rc" >"$logs/vm-$kind.rc"
	echo "$(($(date +%s) - t0))" >"$logs/vm-$kind.time"
	echo "run-tests: VM job $kind ended after $(cat "$logs/vm-$kind.time") s," \
		"exit $rc: $(grep -ac '^ok ' "$logs/vm-$kind.tap") ok," \
		"$(grep -ac '^not ok ' "$logs/vm-$kind.tap") not ok"
}
lane() {
	local kind
	for kind in "$@"; do
		job "$kind"
	done
}

stage "the debug kernels (building since the dependencies)"
wait "$debug_build"
for s in 6.1 6.12; do
	if grep -qx "$s" "$logs/debug-kernel.failed" 2>/dev/null; then
		result not-ok "debug kernel $s: the build failed (see $logs/debug-kernel-$s.log)"
	else
		dk=$(grep -h "^debug-kernel: built" "$logs/debug-kernel-$s.log")
		[ -n "$dk" ] || dk="cached in $(tail -1 "$logs/debug-kernel-$s.log")"
		result ok "debug kernel $s: ${dk#debug-kernel: }"
	fi
done

stage "kernel lines and debug kernels in VMs, the Windows driver under Wine"
# Wine's suite is mostly downloads and waiting: it runs beside the lanes.
setsid bash -c "t0=\$(date +%s); scripts/wine-suite.sh >$logs/wine.tap 2>$logs/wine.log;
	echo \$? >$logs/wine.rc; echo \$((\$(date +%s) - t0)) >$logs/wine.time;
	echo \"run-tests: the Windows suite ended after \$(cat $logs/wine.time) s\"" &
bg_groups+=($!)
# Balanced by what each took here: the RT and 7.x lines are the slowest,
# the 7.x lines use one host thread (vm/run-in-vm.sh, HWEVENT_TCG_THREAD).
lanes=("6.1 6.1-rt 6.12 debug-6.12" "7 7-rt 6.12-rt debug")
if [ "${HWEVENT_VM_LANES:-2}" = 1 ]; then
	lanes=("${lanes[*]}")
fi
for l in "${lanes[@]}"; do
	# shellcheck disable=SC2086 # a list of kinds
	setsid bash -c "$(declare -f job lane; declare -p debug_skip debug61_skip); logs=$logs; lane $l" &
	bg_groups+=($!)
done
wait
for kind in 6.1 6.1-rt 6.12 6.12-rt 7 7-rt debug debug-6.12; do
	tap=$logs/vm-$kind.tap
	if [ ! -s "$tap" ]; then
		result not-ok "VM job $kind: no output (see $logs/vm-$kind.log)"
		continue
	fi
	echo "=== VM job $kind ($(cat "$logs/vm-$kind.time" 2>/dev/null || echo "?") s; log $logs/vm-$kind.log)"
	grep -aE '^(not ok|Bail out!)' -A3 "$tap" | grep -av '^--$' | head -60
	tap_count "$tap" "$(cat "$logs/vm-$kind.rc" 2>/dev/null || echo 1)" "$kind"
done
echo "=== the Windows driver under Wine ($(cat "$logs/wine.time" 2>/dev/null || echo "?") s; log $logs/wine.log)"
if [ -s "$logs/wine.tap" ]; then
	grep -aE '^(not ok|Bail out!)' -A3 "$logs/wine.tap" | grep -av '^--$' | head -40
	tap_count "$logs/wine.tap" "$(cat "$logs/wine.rc" 2>/dev/null || echo 1)" "Windows suite under Wine"
else
	result not-ok "the Windows suite: no output (see $logs/wine.log)"
fi
finish
