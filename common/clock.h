/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLOCK_MONOTONIC in nanoseconds, the clock of hwevent_msg.fired_ns, for
 * the app, the tests and the benchmark.  Not part of libhwevent: a device
 * library has no business telling the time.
 */
#ifndef HWEVENT_COMMON_CLOCK_H
#define HWEVENT_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_US	UINT64_C(1000)
#define NS_PER_MS	UINT64_C(1000000)
#define NS_PER_SEC	UINT64_C(1000000000)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline struct timespec ns_to_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / NS_PER_SEC),
		.tv_nsec = (long)(ns % NS_PER_SEC),
	};

	return ts;
}

/* Sleep @ns, the whole of it: a signal does not cut it short. */
static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = ns_to_timespec(ns);

	while (nanosleep(&ts, &ts) < 0)
		;
}

#endif /* HWEVENT_COMMON_CLOCK_H */
