// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's statistics (bench/stats.c): percentiles, the bootstrap
 * interval of a ratio of percentiles, and the verdict a target gets from
 * it.  The verdict is what the README reports, so it must be right.
 */
#include <check.h>
#include <stdlib.h>

#include "unit.h"
#include "../../bench/hwbench.h"

/* util.c's out_file() names its folder here; nothing here writes one. */
struct bench_opts opt;

#define N_ROUNDS 4000

/* Exponential samples of mean @mean_ns, deterministic for @seed. */
static void fill_exp(int64_t *v, size_t n, double mean_ns, uint64_t seed)
{
	uint64_t rng = seed | 1;

	for (size_t i = 0; i < n; i++) {
		double u = (double)(rng_next(&rng) >> 11) / (double)(1ULL << 53);

		v[i] = (int64_t)(-mean_ns * __builtin_log(1.0 - u)) + 1000;
	}
}

START_TEST(test_dist_percentiles)
{
	int64_t v[100];
	struct dist d;

	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 100 .. 1, unsorted */
	d = dist_of(v, 100);
	ck_assert_int_eq(d.min, 1);
	ck_assert_int_eq(d.p50, 50);
	ck_assert_int_eq(d.p99, 99);
	ck_assert_int_eq(d.max, 100);
}
END_TEST

/* The same samples as model and floor: exactly 1, interval [1, 1]. */
START_TEST(test_ci_same_samples)
{
	int64_t *a = calloc(N_ROUNDS, sizeof(*a));
	uint64_t rng = 7;
	struct ci ci;

	fill_exp(a, N_ROUNDS, 50000, 3);
	ci = boot_ratio_ci(a, a, N_ROUNDS, 99, 200, &rng);
	ck_assert_double_eq(ci.value, 1.0);
	ck_assert_double_eq(ci.lo, 1.0);
	ck_assert_double_eq(ci.hi, 1.0);
	ck_assert_str_eq(verdict(&ci, 1.10), "pass");
	free(a);
}
END_TEST

/*
 * A model 1.5x the floor (each sample scaled): its interval holds 1.5,
 * is narrow at p50 and wider at p99, and fails a 1.10x target.
 */
START_TEST(test_ci_scaled)
{
	int64_t *a = calloc(N_ROUNDS, sizeof(*a));
	int64_t *b = calloc(N_ROUNDS, sizeof(*b));
	uint64_t rng = 11;
	struct ci p50, p99;

	fill_exp(b, N_ROUNDS, 50000, 5);
	for (size_t i = 0; i < N_ROUNDS; i++)
		a[i] = b[i] * 3 / 2;
	p50 = boot_ratio_ci(a, b, N_ROUNDS, 50, 300, &rng);
	ck_assert_double_eq_tol(p50.value, 1.5, 0.001);
	ck_assert(p50.lo <= 1.5 && p50.hi >= 1.5);
	ck_assert_str_eq(verdict(&p50, 1.10), "fail");
	ck_assert_str_eq(verdict(&p50, 1.60), "pass");
	/* Independent samples: the interval has width. */
	fill_exp(a, N_ROUNDS, 50000, 9);
	p99 = boot_ratio_ci(a, b, N_ROUNDS, 99, 300, &rng);
	ck_assert_msg(p99.lo < p99.value && p99.value < p99.hi,
		      "p99 %.3f not inside [%.3f, %.3f]", p99.value, p99.lo,
		      p99.hi);
	ck_assert_msg(p99.lo > 0.7 && p99.hi < 1.4, "p99 interval [%.3f, %.3f] "
		      "of two samples of one distribution", p99.lo, p99.hi);
	free(a);
	free(b);
}
END_TEST

/*
 * Two runs pooled, 51 rounds where the model equals the floor and 49
 * where it is 3x: the pooled p50 (the 50th of 100) is the floor's in
 * every resample that keeps each run's count, so the interval is [1, 1].
 * Drawing from both runs at once would put the 3x rounds at the median
 * in about 4 resamples of 10, and the interval's top at 3.
 */
START_TEST(test_ci_strata)
{
	enum { N1 = 51, N = 100 };
	int64_t a[N], b[N];
	const size_t ends[] = { N1, N };
	uint64_t rng = 13;
	struct ci ci;

	for (int i = 0; i < N; i++) {
		b[i] = 1000;
		a[i] = i < N1 ? 1000 : 3000;
	}
	ci = boot_ratio_ci_strata(a, b, ends, 2, false, 50, 400, &rng);
	ck_assert_double_eq(ci.value, 1.0);
	ck_assert_msg(ci.lo == 1.0 && ci.hi == 1.0, "pooled p50 interval "
		      "[%.3f, %.3f], not [1, 1]", ci.lo, ci.hi);
	/* One stratum: the plain bootstrap, which does mix them. */
	ci = boot_ratio_ci(a, b, N, 50, 400, &rng);
	ck_assert_double_eq(ci.hi, 3.0);
}
END_TEST

/*
 * Two runs that disagree, the model equal to the floor in one and twice
 * it in the other: rounds drawn within each run give a narrow interval
 * at the pooled ratio (1); drawing the runs too, a resample holds the
 * first run twice or the second twice a quarter of the time each, and
 * the interval spans [1, 2].
 */
START_TEST(test_ci_draw_strata)
{
	enum { N1 = 100, N = 200 };
	int64_t a[N], b[N];
	const size_t ends[] = { N1, N };
	uint64_t rng = 17;
	struct ci ci;

	for (int i = 0; i < N; i++) {
		b[i] = 1000 + i % 7;
		a[i] = i < N1 ? b[i] : 2 * b[i];
	}
	ci = boot_ratio_ci_strata(a, b, ends, 2, false, 50, 400, &rng);
	ck_assert_msg(ci.hi < 1.1, "runs fixed: [%.3f, %.3f]", ci.lo, ci.hi);
	ci = boot_ratio_ci_strata(a, b, ends, 2, true, 50, 400, &rng);
	ck_assert_msg(ci.lo <= 1.01 && ci.hi >= 1.99, "runs drawn: "
		      "[%.3f, %.3f], not [1, 2]", ci.lo, ci.hi);
}
END_TEST

/* pass only if the whole interval is within, fail only if all above. */
START_TEST(test_verdicts)
{
	const struct ci within = { 1.02, 0.98, 1.09 };
	const struct ci above = { 1.30, 1.15, 1.45 };
	const struct ci across = { 1.05, 0.95, 1.20 };
	const struct ci at = { 1.10, 1.10, 1.10 };

	ck_assert_str_eq(verdict(&within, 1.10), "pass");
	ck_assert_str_eq(verdict(&above, 1.10), "fail");
	ck_assert_str_eq(verdict(&across, 1.10), "inconclusive");
	ck_assert_str_eq(verdict(&at, 1.10), "pass");
}
END_TEST

Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("bootstrap");

	tcase_add_test(tc, test_dist_percentiles);
	tcase_add_test(tc, test_ci_same_samples);
	tcase_add_test(tc, test_ci_scaled);
	tcase_add_test(tc, test_ci_strata);
	tcase_add_test(tc, test_ci_draw_strata);
	tcase_add_test(tc, test_verdicts);
	suite_add_tcase(s, tc);
	return s;
}
