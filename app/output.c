// SPDX-License-Identifier: GPL-2.0
/*
 * The event lines on stdout, one per event, each written at once; all
 * else goes to stderr.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"

/*
 * Write one line to stdout, unbuffered so that a pipe sees it at once.
 * Returns 0 or -errno; gives up a blocked write once stopping.
 */
static int __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	char buf[256];
	size_t off = 0, len;
	va_list ap;
	ssize_t n;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -EINVAL;
	len = (size_t)ret < sizeof(buf) ? (size_t)ret : sizeof(buf) - 1;
	while (off < len) {
		n = write(STDOUT_FILENO, buf + off, len - off);
		if (n < 0 && errno == EINTR && !stopping())
			continue;
		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		off += n;
	}
	return 0;
}

/* Format a signed duration as seconds with 6 decimals. */
static const char *fmt_secs(char *buf, size_t size, int64_t ns)
{
	uint64_t abs_us = (ns < 0 ? -(uint64_t)ns : (uint64_t)ns) / 1000;

	snprintf(buf, size, "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "",
		 abs_us / 1000000, abs_us % 1000000);
	return buf;
}

/*
 * How late an event came, @after ns after its registration: past the
 * delay for a single event; for a periodic one, past the last point of its
 * schedule (the delay, then every period) that had come.  So an event
 * more than a period late shows the remainder, and the periods it missed
 * show in "lost" (the driver counts them) or an eventfd's count.
 */
static int64_t late_ns(int64_t after, const struct opts *o)
{
	int64_t late = after - (int64_t)o->due_ns;

	if (o->period_ns && late > 0)
		late %= (int64_t)o->period_ns;
	return late;
}

/* An event that came with a message: modes 0, 2, 3 and 4. */
static int print_msg(uint64_t n, const struct run *r,
		     const struct hwevent_msg *msg, uint64_t t0)
{
	const struct opts *o = r->o;
	/* __u64 is not uint64_t everywhere: convert before printing. */
	uint64_t cookie = msg->cookie, seq = msg->seq, fired = msg->fired_ns;
	uint64_t lost = msg->lost;
	int64_t after = (int64_t)(fired - t0);
	char buf[32], lost_buf[32] = "";

	if (lost)
		snprintf(lost_buf, sizeof(lost_buf), " lost %" PRIu64, lost);
	return out("event %" PRIu64 ": type %u%s%s cookie %" PRIu64 " seq %"
		   PRIu64 "%s fired %" PRIu64 ".%09" PRIu64 " after %s s (late %"
		   PRId64 " us)\n", n, (unsigned int)msg->type,
		   r->mode->via ? " via " : "", r->mode->via ?: "", cookie, seq,
		   lost_buf,
		   fired / NS_PER_SEC, fired % NS_PER_SEC,
		   fmt_secs(buf, sizeof(buf), after), late_ns(after, o) / 1000);
}

static int print_count(uint64_t n, const struct run *r, uint64_t cookie,
		       uint64_t count, uint64_t t0, uint64_t t1)
{
	int64_t after = (int64_t)(t1 - t0);
	char buf[32];

	return out("event %" PRIu64 ": type %u cookie %" PRIu64 " count %"
		   PRIu64 " after %s s (late %" PRId64 " us)\n", n,
		   r->mode->uapi_type, cookie, count,
		   fmt_secs(buf, sizeof(buf), after), late_ns(after, r->o) / 1000);
}

/* A failed line: EPIPE (the reader went away) just ends the run. */
static int out_failed(int ret)
{
	if (ret == -EPIPE) {
		request_stop(STOP_OUTPUT);
		return 0;
	}
	warnx("cannot write to stdout: %s", strerror(-ret));
	return -1;
}

int event_msg(struct run *r, const struct hwevent_msg *msg, uint64_t cookie,
	      uint64_t t0)
{
	int ret;

	if (msg->cookie != cookie)
		warnx("event %" PRIu64 ": cookie %llu instead of %" PRIu64,
		      r->n + 1, (unsigned long long)msg->cookie, cookie);
	ret = print_msg(++r->n, r, msg, t0);
	return ret ? out_failed(ret) : 0;
}


int event_count(struct run *r, uint64_t cookie, uint64_t count, uint64_t t0,
		uint64_t t1)
{
	int ret = print_count(++r->n, r, cookie, count, t0, t1);

	return ret ? out_failed(ret) : 0;
}
