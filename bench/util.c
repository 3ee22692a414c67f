// SPDX-License-Identifier: GPL-2.0
/* hwbench: small helpers of every phase; see hwbench.h. */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "hwbench.h"
#include "textfile.h"

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		errx(1, "out of memory");
	return p;
}

uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(s) % (hi - lo);
}

uint64_t rng_due(uint64_t *s)
{
	return rng_range(s, DUE_MIN_NS, DUE_MAX_NS);
}

void shuffle(int *v, int n, uint64_t *s)
{
	/* Fisher-Yates. */
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(rng_next(s) % (uint64_t)(i + 1));
		int t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/*
 * The default timer slack of a thread is 50 us: clock_nanosleep() and
 * poll() timeouts may fire up to that late so the kernel can batch
 * wakeups.  The hwevent timer and timerfd take no slack, so without this
 * the nanosleep floor would be unfairly late.  Per thread.
 */
uint64_t set_slack(void)
{
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0))
		errx(1, "PR_SET_TIMERSLACK: %s", strerror(errno));
	return (uint64_t)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}

void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set))
		warnx("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

int64_t read_i64(const char *path)
{
	char buf[256];

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

int64_t read_keyed(const char *path, const char *key)
{
	static char buf[16384];
	size_t n = strlen(key);

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && (p[n] == ' ' || p[n] == ':'))
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

FILE *out_file(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", opt.out, name);
	f = fopen(path, "w");
	if (!f)
		errx(1, "cannot write %s: %s", path, strerror(errno));
	return f;
}
