#!/bin/bash
# hwevent's benchmark, one command, from a fresh Debian 12 machine:
#
#   ./run-bench.sh            full run, about 10 minutes
#   ./run-bench.sh --quick    smoke test with small counts, about a minute
#   ./run-bench.sh --icount [--quick]
#                             the same under QEMU's -icount (guest time
#                             follows instructions executed, so the
#                             emulator's stalls vanish and the ratios
#                             measure path length), into build/bench-icount
#   ./run-bench.sh --trace [--icount]
#                             the latency phase alone (1000 rounds) under
#                             ftrace (bench/trace-guest.sh): how late each
#                             timer's interrupt came and how long it took
#                             hwbench to run again (bench/trace_tail.py),
#                             into build/bench-trace[-icount]/tail.md
#   ./run-bench.sh --boots N [--icount] [--quick]
#                             the latency phase alone in N fresh VM boots
#                             (3000 rounds each, about 8 minutes a boot),
#                             pooled (hwbench --pool) in one more boot:
#                             more rounds, and intervals that hold how
#                             boots differ; into build/bench-boots[-icount],
#                             each boot in its boot-K folder
#
# Installs what is missing (scripts/install-deps.sh, plus gnuplot-nox),
# builds the module, the test-only floor module (bench/floor) and
# build/hwbench, boots the test VM and runs
# bench/guest.sh there (it loads the module, runs hwbench, unloads it),
# then plots on the host.  Everything lands in build/bench/:
#   results.md     the tables (every figure also as a ratio to the floor)
#   results.json   every figure, machine-readable
#   latency.png    latency distributions of every model and the floors
#   scaling.png    register/cancel cost vs pending, clients
#   console.log    the VM's console; vm-dmesg.log its kernel log
# The VM is QEMU without KVM: absolute times are emulated time, only the
# ratios to the timerfd floor of the same run mean something.
# Env: HWEVENT_BENCH_TIMEOUT (seconds, default 1200) bounds the VM.
set -euo pipefail
cd "$(dirname "$0")"

mode=() vm_mode=() out=$PWD/build/bench vm_desc="2 vCPUs, TCG" trace=0
boots=0
usage() {
	echo "usage: $0 [--quick] [--icount] [--trace | --boots N]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	arg=$1
	shift
	case $arg in
	--quick) mode=(--quick) ;;
	# 2^2 ns of guest time per instruction: a 250 MIPS guest.
	--icount)
		vm_mode=(--icount 2)
		vm_desc="1 vCPU, TCG single-threaded, -icount shift=2,sleep=off (guest time follows instructions executed)"
		;;
	--trace) trace=1 ;;
	--boots)
		boots=${1:-}
		shift || usage
		if ! [[ $boots =~ ^[0-9]+$ ]] || [ "$boots" -lt 2 ] || [ "$boots" -gt 16 ]; then
			echo "run-bench: --boots: 2 to 16 boots" >&2
			exit 2
		fi
		;;
	*) usage ;;
	esac
done
[ $trace = 0 ] || [ "$boots" = 0 ] || usage
[ $trace = 0 ] || out+=-trace
[ "$boots" = 0 ] || out+=-boots
[ ${#vm_mode[@]} = 0 ] || out+=-icount
guest=(bench/guest.sh "$out" "${mode[@]}")
[ $trace = 0 ] || guest=(bench/trace-guest.sh "$out" 1000)

start=$(date +%s)
scripts/install-deps.sh
scripts/install-deps.sh gnuplot-nox
make -j2 module
make bench-floor
make bench

mkdir -p "$out"
rm -rf "$out"/boot-*
rm -f "$out"/results.* "$out"/*.dat "$out"/*.png "$out"/models.txt "$out"/trace.txt "$out"/tail.md
# The VM's two vCPUs are threads on this machine: anything else busy here
# (another VM, a build) shows up as latency in the figures, so say how
# busy it was, before and after.
host_state() {
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg), other QEMU processes: $(pgrep -c qemu-system || true)"
}
before=$(host_state)
if pgrep qemu-system >/dev/null; then
	echo "run-bench: warning: another QEMU is running here; the figures will be noisier" >&2
fi
run_vm() {
	local dir=$1
	# slub_debug=- undoes the harness's slub_debug=FZPU (the last one
	# wins): debugging slabs would slow every allocation and inflate
	# object sizes.
	shift
	vm/run-in-vm.sh --timeout "${HWEVENT_BENCH_TIMEOUT:-1200}" \
		--append "slub_debug=-" --out "$dir" "${vm_mode[@]}" -- "$@"
}
if [ "$boots" = 0 ]; then
	run_vm "$out" "${guest[@]}"
else
	# Each boot its own seed, so that no two share their due times and
	# orders; then the pooling, in the VM too, so that results.json
	# describes the guest the samples came from.
	pool=()
	for k in $(seq "$boots"); do
		echo "run-bench: boot $k of $boots"
		run_vm "$out/boot-$k" bench/guest.sh "$out/boot-$k" \
			--phases latency --seed "$k" "${mode[@]}"
		pool+=(--pool "$out/boot-$k")
	done
	run_vm "$out" bench/guest.sh "$out" "${pool[@]}"
fi

[ -s "$out/results.json" ] || { echo "run-bench: no results" >&2; exit 1; }
cat >>"$out/results.md" <<END

## Host

$(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)); the VM ran
with $vm_desc. Before the VM: $before. After: $(host_state).
Commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ", with uncommitted changes"), $(date -u '+%Y-%m-%d %H:%M UTC').
END
if [ $trace = 1 ]; then
	bench/trace_tail.py "$out" >"$out/tail.md"
	cat "$out/tail.md"
	files="tail.md, trace.txt, results.md, results.json"
else
	gnuplot -e "dir='$out'" bench/plot.gp
	cat "$out/results.md"
	files="results.md, results.json, latency.png"
	[ ! -e "$out/scaling.png" ] || files+=", scaling.png"
	[ "$boots" = 0 ] || files+="; each boot's in boot-1 to boot-$boots"
fi
echo
echo "run-bench: results in $out ($files)"
echo "run-bench: took $(($(date +%s) - start)) s"
