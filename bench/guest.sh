#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/guest.sh OUTDIR [hwbench options]: the benchmark's part inside the
# test VM (run-bench.sh starts it with vm/run-in-vm.sh).  Loads
# build/hwevent.ko and the test-only build/hwevent_floor.ko (bench/floor),
# runs build/hwbench into OUTDIR, unloads both, and makes
# OUTDIR/results.md of OUTDIR/results.json (bench/report.py).
#
# It refuses to run where the module cannot be loaded: a kernel without
# module support (no /proc/modules), or one the module was not built for.
# Natively, as root, on a machine whose kernel matches: the same command.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"

out=${1:?usage: bench/guest.sh OUTDIR [hwbench options]}
shift
ko=build/hwevent.ko
floor=build/hwevent_floor.ko
bin=build/hwbench

die() {
	echo "bench/guest.sh: $*" >&2
	exit 2
}

[ "$(id -u)" = 0 ] || die "needs root"
[ -e /proc/modules ] || die "this kernel cannot load modules: run it in the VM (./run-bench.sh)"
{ [ -r "$ko" ] && [ -r "$floor" ] && [ -x "$bin" ]; } ||
	die "$ko, $floor or $bin is missing: run ./run-bench.sh"
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
[ "${vermagic%% *}" = "$(uname -r)" ] ||
	die "$ko is built for ${vermagic%% *}, this kernel is $(uname -r)"

if [ -d /sys/module/hwevent ]; then
	rmmod hwevent || die "hwevent is loaded and in use"
fi
[ ! -d /sys/module/hwevent_floor ] || rmmod hwevent_floor || die "hwevent_floor is loaded and in use"
insmod "$ko"
insmod "$floor"
unload() {
	local m
	for m in hwevent_floor hwevent; do
		rmmod "$m" || echo "bench/guest.sh: rmmod $m failed" >&2
	done
}
trap unload EXIT

echo "bench/guest.sh: $(uname -r), $(nproc) CPUs, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
start=$(date +%s)
"$bin" --out "$out" "$@"
echo "bench/guest.sh: hwbench ran $(($(date +%s) - start)) s"
# The tables, from the figures.
python3 bench/report.py "$out/results.json" >"$out/results.md"
