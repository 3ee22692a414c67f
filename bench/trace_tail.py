#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Where a latency sample's time goes, from an ftrace of the latency phase
(run-bench.sh --trace; bench/trace-guest.sh takes the trace).

Each sample of hwbench's lat-raw.dat (model, t0, due, wake) is matched
with the expiry, inside its window, of the timer that ends it: timerfd's
timerfd_tmrproc, the driver's hwevent_timer_fn, hrtimer_wakeup
(clock_nanosleep, bench/floor's sleepers), posix_timer_fn (a posix
timer's signal) or io_timeout_fn (io_uring's timeout).  Per model:
  late     hrtimer_expire_entry's now - the expires of the timer's last
           hrtimer_start: how late the timer's interrupt came (or its
           softirq ran), before any code of the model ran;
  to run   from that expiry to the next sched_switch to hwbench: the
           callback, the wake-up and the switch (samples whose timer
           expired before hwbench blocked are left out);
and, for the slowest 1% (late + to run), the share of late in their time
and the tasks that the switch to hwbench took the CPU from (swapper: the
CPU was idle).  Both in us.  The trace clock must be mono
(CLOCK_MONOTONIC), the clock of the timers and of lat-raw.dat's t0.  A
module's functions show as addresses in a trace read after it was
unloaded: module-syms.txt (its /proc/kallsyms lines) names them.
Prints a Markdown table.

usage: trace_tail.py DIR (with trace.txt, module-syms.txt, lat-raw.dat)
"""
import bisect
import os
import re
import sys

LINE = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[\d+\]\s+(?P<flags>\S+)\s+"
                  r"(?P<ts>\d+\.\d+):\s+(?P<ev>\w+):\s+(?P<rest>.*)$")
FIELD = re.compile(r"(\w+)=(\S+)")
FUNCS = ("timerfd_tmrproc", "hwevent_timer_fn", "hrtimer_wakeup", "posix_timer_fn",
         "io_timeout_fn")
CTX = {"h": "hard irq", "H": "hard irq", "s": "softirq"}


def pct(v, p):
    """Nearest rank, as bench/stats.c."""
    if not v:
        return float("nan")
    s = sorted(v)
    k = max(1, -(-len(s) * p // 100))
    return s[min(len(s), int(k)) - 1]


def module_syms(path):
    """{"0xffffffffc05ec1b0": "hwevent_timer_fn", ...} from kallsyms lines."""
    syms = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3:
                syms["0x" + w[0].lstrip("0")] = w[2]
    return syms


def parse(f, syms):
    """The expiries that found hwbench off its CPU, and how many did not."""
    starts, pending, rows = {}, [], []
    running, skipped = False, 0
    for line in f:
        m = LINE.match(line)
        if not m:
            continue
        ev, rest = m["ev"], m["rest"]
        ts_us = float(m["ts"]) * 1e6
        if ev == "hrtimer_start":
            kv = dict(FIELD.findall(rest))
            starts[kv["hrtimer"]] = int(kv["expires"])
        elif ev == "hrtimer_expire_entry":
            kv = dict(FIELD.findall(rest))
            fn = kv.get("function", "")
            fn = syms.get(fn, fn)
            if fn not in FUNCS or kv["hrtimer"] not in starts:
                continue
            flags = m["flags"]
            ctx = CTX.get(flags[2] if len(flags) > 2 else ".", "other")
            late = (int(kv["now"]) - starts.pop(kv["hrtimer"])) / 1e3
            if running:
                skipped += 1	# it had not blocked yet: no wake-up to time
                continue
            pending.append({"key": (fn, ctx), "late": late, "ts": ts_us})
        elif ev == "sched_switch" and "prev_comm=hwbench " in rest:
            running = False
        elif ev == "sched_switch" and "next_comm=hwbench " in rest + " ":
            running = True
            prev = re.sub(r"/\d+$", "", dict(FIELD.findall(rest)).get("prev_comm", "?"))
            for p in pending:
                p["run"] = ts_us - p["ts"]
                p["prev"] = prev
                rows.append(p)
            pending = []
    return rows, skipped


def samples(path):
    """[(t0_us, end_us, model)] by t0, from lat-raw.dat."""
    out = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if line.startswith("#") or len(w) < 8:
                continue
            t0 = int(w[7]) / 1e3
            out.append((t0, t0 + (int(w[3]) + int(w[4])) / 1e3, w[2]))
    return sorted(out)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    d = sys.argv[1]
    syms = module_syms(os.path.join(d, "module-syms.txt"))
    smp = samples(os.path.join(d, "lat-raw.dat"))
    starts = [x[0] for x in smp]
    with open(os.path.join(d, "trace.txt"), errors="replace") as f:
        rows, skipped = parse(f, syms)
    by_model = {}
    for r in rows:
        i = bisect.bisect_right(starts, r["ts"]) - 1
        if i >= 0 and r["ts"] <= smp[i][1]:
            by_model.setdefault(smp[i][2], []).append(r)
    if not by_model:
        raise SystemExit("trace_tail: no sample's timer in the trace")
    print("| model | timer function, context | samples | late p50 | late p99 | "
          "late p99.9 | to run p50 | to run p99 | to run p99.9 | "
          "slowest 1%: late's share | slowest 1%: switched from |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    order = []
    for x in smp:
        if x[2] not in order:
            order.append(x[2])
    for model in [m for m in order if m in by_model]:
        rs = by_model[model]
        late = [r["late"] for r in rs]
        run = [r["run"] for r in rs]
        tail = sorted(rs, key=lambda r: r["late"] + r["run"])[-max(1, len(rs) // 100):]
        share = sum(r["late"] for r in tail) / max(1e-9, sum(r["late"] + r["run"] for r in tail))
        prevs = {}
        for r in tail:
            prevs[r["prev"]] = prevs.get(r["prev"], 0) + 1
        top = ", ".join("%s %d" % kv for kv in sorted(prevs.items(), key=lambda kv: -kv[1])[:3])
        keys = sorted({"%s, %s" % r["key"] for r in rs})
        print("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f%% | %s |"
              % (model, "; ".join(keys), len(rs), pct(late, 50), pct(late, 99),
                 pct(late, 99.9), pct(run, 50), pct(run, 99), pct(run, 99.9),
                 100 * share, top))
    print("\n%d timer expiries found hwbench still on its CPU (not yet "
          "blocked) and are left out." % skipped)


if __name__ == "__main__":
    main()
