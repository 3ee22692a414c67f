// SPDX-License-Identifier: GPL-2.0
/* hwbench: distributions of samples, and ratios; see hwbench.h. */
#include <stdlib.h>
#include <string.h>

#include "hwbench.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The index of the nearest-rank @p percentile of @n (> 0) sorted values. */
static size_t pct_index(size_t n, double p)
{
	size_t k = (size_t)((p / 100.0) * (double)n + 0.999999999);

	return k < 1 ? 0 : (k > n ? n - 1 : k - 1);
}

/* Nearest-rank percentile of the sorted @v. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
	return n ? v[pct_index(n, p)] : 0;
}

/* Sorts @v in place. */
struct dist dist_of(int64_t *v, size_t n)
{
	struct dist d = { .n = n };
	double sum = 0;

	if (!n)
		return d;
	qsort(v, n, sizeof(*v), cmp_i64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	d.min = v[0];
	d.p50 = pct(v, n, 50);
	d.p90 = pct(v, n, 90);
	d.p99 = pct(v, n, 99);
	d.p999 = pct(v, n, 99.9);
	d.max = v[n - 1];
	d.mean = sum / (double)n;
	return d;
}

double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

double us(int64_t ns)
{
	return (double)ns / 1000.0;
}

/* The nearest-rank @p percentile of @v (reordered): quickselect. */
static int64_t select_pct(int64_t *v, size_t n, double p)
{
	size_t k = pct_index(n, p), lo = 0, hi = n - 1;

	while (lo < hi) {
		int64_t pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (!j--)
					break;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct ci boot_ratio_ci_strata(const int64_t *a, const int64_t *b,
			       const size_t *ends, size_t nstrata,
			       bool draw_strata, double p,
			       unsigned int resamples, uint64_t *rng)
{
	size_t n = nstrata ? ends[nstrata - 1] : 0, most = 0;
	struct ci ci = { 0 };
	int64_t *xa, *xb;
	double *r;

	if (!n || !resamples)
		return ci;
	for (size_t s = 0; s < nstrata; s++)
		if (ends[s] - (s ? ends[s - 1] : 0) > most)
			most = ends[s] - (s ? ends[s - 1] : 0);
	xa = xcalloc(nstrata * most, sizeof(*xa));
	xb = xcalloc(nstrata * most, sizeof(*xb));
	r = xcalloc(resamples, sizeof(*r));
	memcpy(xa, a, n * sizeof(*xa));
	memcpy(xb, b, n * sizeof(*xb));
	ci.value = ratio((double)select_pct(xa, n, p),
			 (double)select_pct(xb, n, p));
	for (unsigned int k = 0; k < resamples; k++) {
		size_t m = 0;

		/*
		 * Whole rounds: the model's and the floor's sample together,
		 * each drawn from one stratum (run), as many as it has; the
		 * strata themselves too, if @draw_strata.
		 */
		for (size_t s = 0; s < nstrata; s++) {
			size_t t = draw_strata ? rng_next(rng) % nstrata : s;
			size_t start = t ? ends[t - 1] : 0;
			size_t len = ends[t] - start;

			for (size_t i = 0; i < len; i++, m++) {
				size_t j = start + rng_next(rng) % len;

				xa[m] = a[j];
				xb[m] = b[j];
			}
		}
		r[k] = ratio((double)select_pct(xa, m, p),
			     (double)select_pct(xb, m, p));
	}
	qsort(r, resamples, sizeof(*r), cmp_double);
	ci.lo = r[(size_t)(0.025 * resamples)];
	ci.hi = r[(size_t)(0.975 * resamples) - 1];
	free(xa);
	free(xb);
	free(r);
	return ci;
}

struct ci boot_ratio_ci(const int64_t *a, const int64_t *b, size_t n,
			double p, unsigned int resamples, uint64_t *rng)
{
	return boot_ratio_ci_strata(a, b, &n, 1, false, p, resamples, rng);
}

double median_of(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *verdict(const struct ci *ci, double target)
{
	if (ci->hi > 0 && ci->hi <= target)
		return "pass";
	if (ci->lo > target)
		return "fail";
	return "inconclusive";
}
