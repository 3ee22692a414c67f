#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/trace-guest.sh OUTDIR ROUNDS: the latency phase alone, ROUNDS
# rounds, under ftrace, inside the test VM (run-bench.sh --trace starts
# it; bench/trace_tail.py reads OUTDIR/trace.txt on the host).  Traced:
# hrtimer_start and hrtimer_expire_entry (when each timer was due, when
# its interrupt or softirq ran it), sched_wakeup and sched_switch (when
# hwbench ran again), and softirqs, timer_list expiries and work items
# (what ran in between), on the mono trace clock, so that the trace's times
# and the timers' are the same clock; and OUTDIR/module-syms.txt, the
# addresses of the modules' functions.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: bench/trace-guest.sh OUTDIR ROUNDS}
rounds=${2:?usage: bench/trace-guest.sh OUTDIR ROUNDS}
tr=/sys/kernel/tracing
# What may run between a timer's expiry and hwbench: softirqs, timer_list
# callbacks, work items.
events=(timer/hrtimer_start timer/hrtimer_expire_entry sched/sched_wakeup sched/sched_switch
	irq/softirq_entry irq/softirq_exit timer/timer_expire_entry workqueue/workqueue_execute_start)

[ -d $tr/events ] || mount -t tracefs tracefs $tr
echo 0 >$tr/tracing_on
echo mono >$tr/trace_clock
# About 20 events a sample, 13 samples a round: room for 2000 rounds.
echo 65536 >$tr/buffer_size_kb
echo >$tr/trace
for e in "${events[@]}"; do
	echo 1 >"$tr/events/$e/enable"
done
echo 1 >$tr/tracing_on
# The trace names a module's functions only while it is loaded, and
# guest.sh unloads them before the trace is read: keep their addresses.
rm -f "$out/module-syms.txt"
(
	for _ in $(seq 1200); do
		if grep -q '\[hwevent\]' /proc/kallsyms; then
			sleep 1
			grep '\[hwevent' /proc/kallsyms >"$out/module-syms.txt"
			exit
		fi
		sleep 0.1
	done
) &
rc=0
bench/guest.sh "$out" --phases latency --n "$rounds" || rc=$?
wait
echo 0 >$tr/tracing_on
for e in "${events[@]}"; do
	echo 0 >"$tr/events/$e/enable"
done
cat $tr/trace >"$out/trace.txt"
echo "bench/trace-guest.sh: $(grep -vc '^#' "$out/trace.txt") trace lines," \
	"$(grep -c 'LOST' "$out/trace.txt" || true) with lost events"
exit $rc
