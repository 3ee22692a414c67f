/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hwbench: what its files share.  One file per phase, as tools/perf/bench
 * does, and a small core:
 *
 *   main.c        options, the environment, the table of phases,
 *                 results.json
 *   stats.c       distributions: percentiles, ratios
 *   util.c        allocation, randomness, pinning, small files, output
 *   report.c      the pieces of results.json, the targets
 *   latency.c     1. latency of every model next to timerfd
 *   throughput.c  2. the highest periodic rate each model sustains
 *   scaling.c     3. register/cancel cost with many pending, memory
 *   clients.c     4. 1 to 64 concurrent clients
 *   report.py     results.md, the tables, from results.json
 *   plot.gp       latency.png and scaling.png, from the .dat files
 *
 * Each phase fills its own results and writes its part of results.json
 * and its .dat files from them; main.c runs the phases in order.
 */
#ifndef HWBENCH_H
#define HWBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libhwevent.h"
#include "clock.h"

/* ---- options (main.c) ---- */

/* Runs that one --pool analysis takes at most. */
#define MAX_POOL	16

struct bench_opts {
	bool quick;
	const char *out;
	unsigned int n;		/* latency rounds: samples per model */
	uint64_t tp_dur_ns;	/* each throughput run */
	unsigned int scale_cycles; /* register+cancel cycles per level */
	uint64_t cl_dur_ns;	/* each clients run */
	int pin_cpu;		/* -1: no pinning */
	uint64_t seed;
	/* --pool: runs (folders with a lat-raw.dat) to pool, not measure */
	const char *pool[MAX_POOL];
	unsigned int npool;
};
extern struct bench_opts opt;

/* ---- the environment (main.c) ---- */

struct bench_env {
	char kernel[128];
	char clocksource[64];
	char cmdline[512];
	int cpus;
	int hz;
	uint64_t slack_ns;
	double clock_read_ns;	/* one clock_gettime(CLOCK_MONOTONIC) */
	bool slub_debug;
};
extern struct bench_env env;

/* ---- a phase ---- */

struct phase {
	const char *name;	/* --phases, and its key in results.json */
	void (*run)(void);
	/* Its value in results.json (an object, or null if it did not
	 * run), without a trailing comma. */
	void (*json)(FILE *f);
	/* Its .dat files for plot.gp, and its targets (add_target()), if
	 * it has any. */
	void (*dat)(void);
	void (*targets)(void);
};

extern const struct phase phase_latency, phase_throughput, phase_scaling,
	phase_clients;

/* ---- stats.c ---- */

struct dist {
	size_t n;
	int64_t min, p50, p90, p99, p999, max;
	double mean;
};

/* Sorts @v in place. */
struct dist dist_of(int64_t *v, size_t n);
/* a / b, 0 when b is not positive. */
double ratio(double a, double b);
/* ns as us. */
double us(int64_t ns);

/* A ratio and its 95% confidence interval. */
struct ci {
	double value, lo, hi;
};
/*
 * The ratio of the @p percentiles of @a and @b, n samples each taken in
 * the same rounds (a[i] and b[i] in round i), and its interval from
 * @resamples bootstrap resamples of whole rounds.
 */
struct ci boot_ratio_ci(const int64_t *a, const int64_t *b, size_t n,
			double p, unsigned int resamples, uint64_t *rng);
/*
 * The same for rounds pooled from several runs (VM boots): run s holds
 * rounds [ends[s - 1], ends[s]) (ends[-1] = 0, none empty), and each
 * resample draws every run's rounds from that run alone, so that a run
 * weighs what it holds.  With @draw_strata, each resample first draws
 * the runs themselves (with replacement, as many as there are), so that
 * the interval also holds how much the runs differ from each other.
 */
struct ci boot_ratio_ci_strata(const int64_t *a, const int64_t *b,
			       const size_t *ends, size_t nstrata,
			       bool draw_strata, double p,
			       unsigned int resamples, uint64_t *rng);
/* The median of @v (sorts it), 0 if @n is 0. */
double median_of(double *v, size_t n);
/* "pass" if the interval is within @target, "fail" if it is all above it,
 * else "inconclusive". */
const char *verdict(const struct ci *ci, double target);

/* ---- util.c ---- */

void *xcalloc(size_t n, size_t size);
/* xorshift64*: small, fast, and the same sequence for the same seed. */
uint64_t rng_next(uint64_t *s);
uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi);
/* Due times of the clients phase: 1 ms plus up to 1 ms. */
#define DUE_MIN_NS	(1 * NS_PER_MS)
#define DUE_MAX_NS	(2 * NS_PER_MS)
uint64_t rng_due(uint64_t *s);
/* A fresh random order of @v[0..@n). */
void shuffle(int *v, int n, uint64_t *s);
/* Timer slack of the calling thread to 1 ns; returns what it now is. */
uint64_t set_slack(void);
/* Pin the calling thread to @cpu, or let it run anywhere (-1). */
void pin_self(int cpu);
/* The number in @path, or -1. */
int64_t read_i64(const char *path);
/* The value of "@key ... N" in a "key value" file (meminfo, memory.stat),
 * or -1. */
int64_t read_keyed(const char *path, const char *key);
/* Copy @src into @dst of @size bytes, truncating. */
void scopy(char *dst, size_t size, const char *src);
/* Drop trailing newlines and blanks. */
void chomp(char *s);
/* @name in the output folder, open for writing (exits on failure). */
FILE *out_file(const char *name);

/* ---- report.c ---- */

/* "name": {n, min, p50, ...} or "name": null, and ", " if @comma. */
void json_dist(FILE *f, const char *name, const struct dist *d, bool comma);
/* A JSON string. */
void json_str(FILE *f, const char *s);
/* strerror(-err) as a JSON string, or null when @err is 0. */
void json_err(FILE *f, int err);
/* A target: @value must be positive and at most @limit (reported, not
 * enforced). */
void add_target(const char *name, double value, double limit);
/* A target judged by a confidence interval (see verdict()). */
void add_target_ci(const char *name, const struct ci *ci, double limit);
void json_targets(FILE *f);

#endif /* HWBENCH_H */
