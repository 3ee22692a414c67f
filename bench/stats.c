// SPDX-License-Identifier: GPL-2.0
/* hwbench: distributions of samples, and ratios; see hwbench.h. */
#include <stdlib.h>

#include "hwbench.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted @v. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)((p / 100.0) * (double)n + 0.999999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
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
