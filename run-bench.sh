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
for arg in "$@"; do
	case $arg in
	--quick) mode=(--quick) ;;
	# 2^2 ns of guest time per instruction: a 250 MIPS guest.
	--icount)
		vm_mode=(--icount 2)
		vm_desc="1 vCPU, TCG single-threaded, -icount shift=2,sleep=off (guest time follows instructions executed)"
		;;
	--trace) trace=1 ;;
	*) echo "usage: $0 [--quick] [--icount] [--trace]" >&2; exit 2 ;;
	esac
done
[ $trace = 0 ] || out+=-trace
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
# slub_debug=- undoes the harness's slub_debug=FZPU (the last one wins):
# debugging slabs would slow every allocation and inflate object sizes.
vm/run-in-vm.sh --timeout "${HWEVENT_BENCH_TIMEOUT:-1200}" \
	--append "slub_debug=-" --out "$out" "${vm_mode[@]}" -- "${guest[@]}"

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
	files="results.md, results.json, latency.png, scaling.png"
fi
echo
echo "run-bench: results in $out ($files)"
echo "run-bench: took $(($(date +%s) - start)) s"
