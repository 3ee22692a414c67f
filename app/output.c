// SPDX-License-Identifier: GPL-2.0
/*
 * The event lines on stdout, one per event; all else goes to stderr.
 *
 * A reader of stdout may stall (a pipe nobody reads, a terminal held
 * with Ctrl-S), and a write that blocks with the stop signals blocked
 * would keep the program from stopping for good.  So lines are kept
 * here until stdout can take them, never written blocking: the modes
 * wait for POLLOUT in the same wait as for events (wait.c, uring.c), and
 * the descriptor written to does not block (a private non-blocking one
 * for a pipe or a terminal, MSG_DONTWAIT for a socket; a file or
 * /dev/null does not block).  While too much waits, the modes take no
 * more events: a periodic registration's queue then fills, and its lost
 * events are counted by the driver, as for any slow reader.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"

/* Lines waiting for stdout: up to OUT_HIGH the modes take more events;
 * the rest is room for what is in flight then (1,024 io_uring requests). */
#define OUT_MAX		(256 * 1024)
#define OUT_HIGH	(64 * 1024)

static char obuf[OUT_MAX];
static size_t olen;
/* What stdout is written through; whether it is a socket. */
static int ofd = STDOUT_FILENO;
static bool osock;
/* Lines that found no room (only if the modes misjudged). */
static uint64_t dropped;

void out_init(void)
{
	struct stat st;
	int fd;

	if (fstat(STDOUT_FILENO, &st))
		return;
	if (S_ISSOCK(st.st_mode)) {
		osock = true;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !isatty(STDOUT_FILENO))
		return;
	/*
	 * A new open file description of the same pipe or terminal, with
	 * O_NONBLOCK of its own: setting it on stdout's would change it for
	 * everyone who shares it (the shell's terminal).
	 */
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_NOCTTY |
		  O_CLOEXEC);
	if (fd >= 0)
		ofd = fd;
}

int out_fd(void)
{
	return ofd;
}

bool out_pending(void)
{
	return olen > 0;
}

bool out_full(void)
{
	return olen >= OUT_HIGH;
}

/* Keep a line for stdout; -ENOBUFS if it finds no room. */
static int __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	if (olen + (size_t)len > sizeof(obuf)) {
		dropped++;
		return -ENOBUFS;
	}
	memcpy(obuf + olen, line, (size_t)len);
	olen += (size_t)len;
	return 0;
}

/* One write of what waits, never blocking: 0 (also when stdout took
 * nothing now), or -errno. */
static int out_write(void)
{
	ssize_t n;

	if (!olen)
		return 0;
	if (osock)
		n = send(ofd, obuf, olen, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		n = write(ofd, obuf, olen);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	memmove(obuf, obuf + n, olen - (size_t)n);
	olen -= (size_t)n;
	return 0;
}

/* EPIPE (the reader went away) just ends the run; the rest is lost. */
static int out_failed(int ret)
{
	olen = 0;
	if (ret == -EPIPE) {
		request_stop(STOP_OUTPUT);
		return 0;
	}
	warnx("cannot write to stdout: %s", strerror(-ret));
	return -1;
}

int out_flush_ready(void)
{
	int ret = out_write();

	return ret ? out_failed(ret) : 0;
}

int out_flush_wait(void)
{
	struct pollfd p = { .fd = ofd, .events = POLLOUT };
	int ret;

	while (olen) {
		ret = out_write();
		if (ret)
			return out_failed(ret);
		if (!olen || stopping())
			return 0;
		/* A stop signal (or the watcher's kick) ends it: EINTR. */
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return out_failed(-errno);
	}
	return 0;
}

void out_drain(void)
{
	struct pollfd p = { .fd = ofd, .events = POLLOUT };
	bool wait = stop_reason() <= 0;
	sigset_t set, old;

	/* What is left waits only if no signal asked to stop: then one may
	 * still end the wait. */
	stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	while (olen && !out_write()) {
		if (!olen || !wait || stop_reason() > 0)
			break;
		if (ppoll(&p, 1, NULL, &old) < 0 && errno != EINTR)
			break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (olen && stop_reason() != STOP_OUTPUT)
		note("%zu bytes of event lines not written: stdout did not "
		     "take them", olen);
	if (dropped)
		note("%" PRIu64 " event lines dropped: stdout too slow",
		     dropped);
	if (ofd != STDOUT_FILENO)
		close(ofd);
}

void note(const char *fmt, ...)
{
	struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };
	char line[512];
	va_list ap;
	int len;
	ssize_t n;

	len = snprintf(line, sizeof(line), "%s: ",
		       program_invocation_short_name);
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if ((size_t)len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* A stderr nobody reads must not keep the program from ending. */
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
		n = write(STDERR_FILENO, line, (size_t)len);
		(void)n;
	}
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

int event_msg(struct run *r, const struct hwevent_msg *msg, uint64_t cookie,
	      uint64_t t0)
{
	int ret;

	if (msg->cookie != cookie)
		warnx("event %" PRIu64 ": cookie %llu instead of %" PRIu64,
		      r->n + 1, (unsigned long long)msg->cookie, cookie);
	ret = print_msg(++r->n, r, msg, t0);
	return ret && ret != -ENOBUFS ? -1 : 0;
}


int event_count(struct run *r, uint64_t cookie, uint64_t count, uint64_t t0,
		uint64_t t1)
{
	int ret = print_count(++r->n, r, cookie, count, t0, t1);

	return ret && ret != -ENOBUFS ? -1 : 0;
}
