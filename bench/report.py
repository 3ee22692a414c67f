#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""results.md, the benchmark's tables, from hwbench's results.json.

    bench/report.py build/bench/results.json > build/bench/results.md

Every figure is also given as a ratio to the floor of the same run,
computed here from the raw values in the JSON, as hwbench computes its
own targets.  run-bench.sh runs it on the host and appends the host's
state.  Python's standard library only.
"""
import json
import sys


def us(ns):
    return ns / 1000.0


def ratio(a, b):
    return a / b if b > 0 else 0


def cell(v, floor):
    """ "12.3 (1.05x)", or "12.3" without a floor. """
    if floor > 0:
        return "%.1f (%.2fx)" % (us(v), ratio(v, floor))
    return "%.1f" % us(v)


def header(r, out):
    env = r["env"]
    el = r["elapsed_s"]
    out.append("# hwevent benchmark (%s mode)\n\n" % r["mode"])
    out.append("**All absolute times are emulated-VM time** (QEMU TCG, software "
               "emulation): they are far slower and noisier than real hardware "
               "and mean little on their own. Each figure is also given as a ratio "
               "(`x`) to the kernel's own floor measured in the same run, "
               "which is what to read.\n\n")
    out.append("- kernel %s, %d CPUs, clocksource %s (one clock_gettime: %.1f us), HZ %d, slub_debug %s\n"
               % (env["kernel"], env["cpus"], env["clocksource"],
                  env["clock_read_ns"] / 1000, env["hz"],
                  "ON (slows allocations)" if env["slub_debug"] else "off"))
    out.append("- timer slack of every measuring thread: %d ns (PR_SET_TIMERSLACK; "
               "the default 50 us would delay clock_nanosleep and poll timeouts)\n"
               % env["timer_slack_ns"])
    if env["pinned_cpu"] >= 0:
        out.append("- latency, throughput and scaling: one thread pinned to CPU %d "
                   "(the timers are armed and fire on that CPU); clients: not pinned\n"
                   % env["pinned_cpu"])
    else:
        out.append("- no thread pinned\n")
    if r["latency"] and r["latency"].get("runs", 1) > 1:
        out.append("- latency pooled from %d runs; each run's wall time is in "
                   "its own results\n\n" % r["latency"]["runs"])
        return
    out.append("- wall time: latency %.0f s, throughput %.0f s, scaling %.0f s, "
               "clients %.0f s, total %.0f s\n\n"
               % (el["latency"], el["throughput"], el["scaling"],
                  el["clients"], el["total"]))


def ci_cell(c):
    """ "1.04x [0.98, 1.10]" """
    return "%.2fx [%.2f, %.2f]" % (c["ratio"], c["lo"], c["hi"])


def latency(lat, out):
    models = lat["models"]
    fl = models[0]["wake_minus_due"]
    due = lat["due_ns"]
    runs = lat.get("runs", 1)
    out.append("## Latency: wake - due, in us (x timerfd)\n\n")
    if runs > 1:
        out.append("**Pooled from %d runs**, each in a fresh VM boot (`hwbench "
                   "--pool`): the figures are those of all their rounds "
                   "together; each bootstrap resample draws %d runs with "
                   "replacement, then each drawn run's rounds from that run "
                   "alone, so that the intervals hold how much the runs "
                   "differ. The next table gives each run's own ratios.\n\n"
                   % (runs, runs))
    out.append("%d rounds after a warm-up; each round takes one sample of every "
               "model, in a fresh random order, each after an idle gap of %.0f ms "
               "(two jiffies and 1 ms, so that work a sample defers runs in "
               "nobody's sample), due in %d-%d us (random, the same for every "
               "model of the round). due = time read just before the arming "
               "call + due_ns; wake = time read just after the blocking call "
               "returned. Ratios to timerfd come with 95%% confidence intervals "
               "from %d bootstrap resamples of whole rounds. A target passes if "
               "the interval's upper bound is within it, fails if its lower "
               "bound is above it, and is otherwise inconclusive. Targets at p50 "
               "and p99: 1.10x for the blocking, eventfd and queue read/poll "
               "models, 1.25x for SIGIO and io_uring; p99.9 and max are reported "
               "only. +us: the difference to timerfd at the same percentile.\n\n"
               % (lat["samples_per_model"], lat["gap_ns"] / 1e6,
                  due[0] // 1000, due[1] // 1000, lat["resamples"]))
    out.append("| model | p50 | p99 | p50 / timerfd [95% CI] | p99 / timerfd [95% CI] "
               "| p99.9 | max | target | p50 | p99 |\n")
    out.append("|---|---|---|---|---|---|---|---|---|---|\n")
    for m in models:
        d = m["wake_minus_due"]
        if not d:
            out.append("| %s | n/a: %s |||||||||\n"
                       % (m["name"], m["error"] or "no samples"))
            continue
        ci = m.get("ci95")
        diff = m["minus_floor_us"]
        tgt = "<= %.2fx" % m["target_ratio"] if "target_ratio" in m else m["kind"]
        v = m.get("verdict", {})
        out.append("| %s | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s |\n"
                   % (m["name"], us(d["p50"]), us(d["p99"]),
                      ci_cell(ci["p50"]) + " %+.1f us" % diff["p50"] if ci else "floor",
                      ci_cell(ci["p99"]) + " %+.1f us" % diff["p99"] if ci else "floor",
                      cell(d["p999"], fl["p999"]), cell(d["max"], fl["max"]),
                      tgt, v.get("p50", "-"), v.get("p99", "-")))
    if runs > 1:
        per_run(models, runs, out)
    out.append("\n### Where the time goes: due -> fired -> wake, in us\n\n"
               "For the models whose notification carries a hwevent_msg. "
               "fired - due: arming, the timer's expiry and the running of "
               "its callback (hard interrupt; softirq for request-ioctl-soft). wake - fired: from the callback to the "
               "application running again (wakeup, context switches, io_uring "
               "task work, signal delivery). The x figures of wake - fired are "
               "shares of the floor's whole due -> wake at the same percentile "
               "(timerfd has no callback time of its own).\n\n")
    out.append("| model | fired-due p50 | fired-due p99 | wake-fired p50 | "
               "wake-fired p99 | wake-fired p99.9 | wake-fired max |\n")
    out.append("|---|---|---|---|---|---|---|\n")
    for m in models:
        wf, fd = m["wake_minus_fired"], m["fired_minus_due"]
        if not wf:
            continue
        out.append("| %s | %s | %s | %s | %s | %s | %s |\n"
                   % (m["name"], cell(fd["p50"], 0), cell(fd["p99"], 0),
                      cell(wf["p50"], fl["p50"]), cell(wf["p99"], fl["p99"]),
                      cell(wf["p999"], fl["p999"]), cell(wf["max"], fl["max"])))
    out.append("\nThe EVENTFD models carry no message: they have only wake - due.\n")
    out.append("\nModels: " + "; ".join("`%s`: %s" % (m["name"], m["description"])
                                        for m in models) + ".\n\n")
    split = lat.get("split") or []
    out.append("### Design against overhead: the floors\n\n")
    if not split:
        out.append("Not measured: the floors have no samples (their "
                   "rows above say why).\n\n")
        return
    out.append("sleeper-hard and sleeper-soft sleep in an ioctl of bench/floor's "
               "test-only module on an hrtimer whose callback only wakes the "
               "caller, expiring in hard interrupt context or in the timer "
               "softirq: their ratio is what the context alone costs, and "
               "the driver's blocking request over the sleeper of its own "
               "context is what the driver adds. timer-signal (a posix "
               "timer's signal) and uring-timeout (io_uring's own timer) are "
               "what a signal and an io_uring completion cost without the "
               "driver; timer-sigio, bench/floor's hrtimer whose callback "
               "only sends SIGIO (kill_fasync()), is the kernel's SIGIO path "
               "without the driver. Same rounds, same intervals as above.\n\n")
    out.append("| what | ratio | p50 [95% CI] | p99 [95% CI] |\n|---|---|---|---|\n")
    for sp in split:
        out.append("| %s | %s | %s | %s |\n"
                   % (sp["what"], sp["ratio"], ci_cell(sp["p50"]), ci_cell(sp["p99"])))
    out.append("\n")


def per_run(models, runs, out):
    """Each pooled run's p50 and p99 ratio to timerfd, and their median."""
    out.append("\n### Each run's ratio to timerfd\n\n| model | p50 by run | "
               "median | p99 by run | median |\n|---|---|---|---|---|\n")
    for m in models[1:]:
        pr = m.get("per_run")
        if not pr:
            continue
        out.append("| %s | %s | %.2fx | %s | %.2fx |\n"
                   % (m["name"], ", ".join("%.2f" % v for v in pr["p50"]),
                      pr["median_p50"], ", ".join("%.2f" % v for v in pr["p99"]),
                      pr["median_p99"]))


def throughput(tp, out):
    models = tp["models"]
    floor = models[0]
    out.append("## Throughput: every model at 1 kHz and at saturation\n\n")
    out.append("One periodic registration per run, %.2f s, %d repeats of every "
               "(model, rate) in a fresh random order each repeat; medians over "
               "the repeats. events/s: what the application got, counts "
               "included. CPU/event: busy time of all the guest's CPUs "
               "(`/proc/stat`, in clock ticks) over all the repeats, per "
               "delivered event. On time: of "
               "the periods that elapsed, the share delivered no later than "
               "%.0f ms after their due time (t_arm + k * period), by the same "
               "rule for every model; a dropped event (a queue's or a request's "
               "lost count) is never on time. x: ratio to timerfd at the same "
               "rate.\n\n" % (tp["seconds_per_run"], tp["repeats"],
                              tp["late_ns"] / 1e6))
    out.append("| model | rate/s | events/s | wakes/s | CPU/event, us | on time | dropped |\n")
    out.append("|---|---|---|---|---|---|---|\n")
    for m in models:
        for a, fa in zip(m["at"], floor["at"]):
            if a["error"] and a["failed"] == a["runs"]:
                out.append("| %s | %d | error: %s |||||\n"
                           % (m["name"], a["rate"], a["error"]))
                continue
            out.append("| %s | %d | %.0f (%.2fx) | %.0f | %.2f (%.2fx) | %.1f%% | %.1f%% |\n"
                       % (m["name"], a["rate"], a["events_per_s"],
                          ratio(a["events_per_s"], fa["events_per_s"]),
                          a["wakes_per_s"], a["cpu_ns_per_event"] / 1000,
                          ratio(a["cpu_ns_per_event"], fa["cpu_ns_per_event"]),
                          100 * a["on_time_share"], 100 * a["dropped_share"]))
    out.append("\n")
    for m in models:
        out.append("- `%s`: %s.\n" % (m["name"], m["description"]))
    out.append("\n")


def scaling(sc, out):
    levels = sc["levels"]
    first, top = sc["levels_pending"][0], sc["levels_pending"][-1]
    out.append("## Scaling: cost of register + cancel with P registrations pending on the file\n\n")
    out.append("%d cycles per level; p50 (p99) in us, each without the %.1f us "
               "of its clock read; x = ratio to the same figure at %d pending; "
               "floor = timerfd_settime() arming and disarming one timerfd at "
               "the same moment, with as many timer_create(SIGEV_NONE) timers "
               "armed as registrations pending (%d at the top), so that the "
               "floor's timer queue is as deep. Target: the growth of register "
               "from %d to %d pending within 1.25x of the floor's growth.\n\n"
               % (sc["cycles_per_level"], sc["clock_read_ns_subtracted"] / 1000,
                  first, sc["floor_timers_at_top"], first, top))
    if sc["error"]:
        out.append("**Error:** %s\n\n" % sc["error"])
    out.append("| pending | register EVENTFD | register QUEUE | cancel EVENTFD | "
               "cancel QUEUE | timerfd arm | timerfd disarm | "
               "register QUEUE / timerfd arm | fill us/reg |\n")
    out.append("|---|---|---|---|---|---|---|---|---|\n")
    keys = ("register_eventfd", "register_queue", "cancel_eventfd",
            "cancel_queue", "timerfd_arm", "timerfd_disarm")
    for lv in levels:
        l0 = levels[0]
        cells = ["%.1f (%.1f) %.2fx" % (us(lv[k]["p50"]), us(lv[k]["p99"]),
                                        ratio(lv[k]["p50"], l0[k]["p50"]))
                 for k in keys]
        out.append("| %d | %s | %.2fx | %.1f |\n"
                   % (lv["pending"], " | ".join(cells),
                      ratio(lv["register_queue"]["p50"], lv["timerfd_arm"]["p50"]),
                      lv["fill_ns_per_reg"] / 1000))
    rel = sc["release_ns_with_%d_pending" % top]
    out.append("\nclose() of the file with %d registrations pending (release() "
               "cancels and frees them all): %.1f ms, %.2f us per registration. "
               "Closing %d armed timerfds, one close() each: %.1f ms, %.2f us "
               "per timerfd.\n\n"
               % (top, rel / 1e6, rel / top / 1000, sc["timerfds_closed"],
                  sc["timerfds_close_ns"] / 1e6,
                  sc["timerfds_close_ns"] / max(sc["timerfds_closed"], 1) / 1000))
    mem = sc["memory"]
    n = mem["registrations"]
    if not n:
        return
    out.append("### Memory per pending registration (%d QUEUE registrations)\n\n" % n)
    out.append("| source | bytes per registration | what it counts |\n|---|---|---|\n")
    if mem["memcg"]:
        out.append("| memory cgroup `memory.current` delta | %.1f | everything charged "
                   "to the caller: the registration (SLAB_ACCOUNT) and the xarray "
                   "nodes (GFP_KERNEL_ACCOUNT), with slab overhead |\n"
                   "| memory cgroup `memory.stat` slab delta | %.1f | the slab part of it |\n"
                   % (mem["memcg_current_delta"] / n, mem["memcg_slab_delta"] / n))
    out.append("| slab cache `%s` (hwevent_reg) | %d object, %d with metadata; "
               "%.2f objects per registration | the registration itself |\n"
               % (mem["reg_cache"], mem["reg_object_size"], mem["reg_slab_size"],
                  mem["reg_objects_delta"] / n))
    out.append("| slab cache `radix_tree_node` (xarray) | %.1f (%d nodes of %d) | the id index |\n"
               % (mem["xarray_nodes_delta"] * mem["xarray_node_slab_size"] / n,
                  mem["xarray_nodes_delta"], mem["xarray_node_slab_size"]))
    out.append("| /proc/meminfo `Slab` delta | %.1f | all slab of the machine (noisy) |\n"
               % (mem["meminfo_slab_delta"] / n))
    out.append("| /proc/meminfo `MemAvailable` drop | %.1f | everything, the whole machine (noisiest) |\n"
               % (mem["meminfo_memavailable_drop"] / n))
    if mem["timerfd_count"]:
        per_tfd = mem["timerfd_memcg_delta"] / mem["timerfd_count"]
        out.append("| floor: an armed timerfd, memory cgroup delta | %.1f "
                   "(registration = %.2fx) | struct file, timerfd_ctx, descriptor |\n"
                   % (per_tfd, ratio(mem["memcg_current_delta"] / n, per_tfd)))
    out.append("\n")


def clients(cl, out):
    out.append("## Concurrent clients: threads with their own file, REQUEST register + wait cycles\n\n")
    out.append("%.2f s per level, due 1-2 ms, threads not pinned; floor = "
               "as many threads each with its own timerfd. Latency = wake - due, us.\n\n"
               % cl["seconds_per_level"])
    out.append("| clients | hwevent events/s (x timerfd) | hwevent p50 | hwevent p99 | "
               "timerfd events/s | timerfd p50 | timerfd p99 |\n")
    out.append("|---|---|---|---|---|---|---|\n")
    for lv in cl["levels"]:
        h, t = lv["hwevent_wake_minus_due"], lv["timerfd_wake_minus_due"]
        hp50, hp99 = (h["p50"], h["p99"]) if h else (0, 0)
        tp50, tp99 = (t["p50"], t["p99"]) if t else (0, 0)
        out.append("| %d | %.0f (%.2fx) | %s | %s | %.0f | %.1f | %.1f |%s\n"
                   % (lv["clients"], lv["hwevent_per_s"],
                      ratio(lv["hwevent_per_s"], lv["timerfd_per_s"]),
                      cell(hp50, tp50), cell(hp99, tp99), lv["timerfd_per_s"],
                      us(tp50), us(tp99),
                      " error" if lv["hwevent_error"] or lv["timerfd_error"] else ""))
    out.append("\n")


def targets(ts, out):
    out.append("## Targets (reported, not enforced)\n\n| target | ratio [95% CI] "
               "| limit | verdict |\n|---|---|---|---|\n")
    for t in ts:
        rng = " [%.3f, %.3f]" % (t["lo"], t["hi"]) if t["lo"] != t["hi"] else ""
        out.append("| %s | %.3f%s | %.2f | %s |\n"
                   % (t["name"], t["ratio"], rng, t["limit"],
                      t["verdict"] if t["verdict"] == "pass"
                      else "**%s**" % t["verdict"]))
    n = {v: sum(t["verdict"] == v for t in ts)
         for v in ("pass", "fail", "inconclusive")}
    out.append("\n%d of %d targets pass, %d fail, %d inconclusive.\n"
               % (n["pass"], len(ts), n["fail"], n["inconclusive"]))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: report.py results.json")
    with open(sys.argv[1]) as f:
        r = json.load(f)
    if r.get("tool") != "hwbench" or r.get("format") != 3:
        sys.exit("report.py: %s is not hwbench's results, format 3" % sys.argv[1])
    out = []
    header(r, out)
    if r["latency"] and r["latency"]["models"][0]["wake_minus_due"]:
        latency(r["latency"], out)
    if r["throughput"]:
        throughput(r["throughput"], out)
    if r["scaling"]:
        scaling(r["scaling"], out)
    if r["clients"]:
        clients(r["clients"], out)
    if r["targets"]:
        targets(r["targets"], out)
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
