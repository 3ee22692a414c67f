// SPDX-License-Identifier: GPL-2.0
/*
 * Periodic registrations (period_ns != 0): the timer fires at due, then
 * every period until the registration is cancelled (HWEVENT_IOC_CANCEL or
 * closing the file).  An eventfd counts every period; a queue drops
 * records when full and reports them in msg.lost; a REQUEST registration
 * returns its first firing from HWEVENT_IOC_REGISTER and each later one
 * to one HWEVENT_IOC_WAIT, counting firings nobody waited for in the next
 * message's lost.
 *
 * Timer overruns (the callback ran more than a period late: common in the
 * emulated VM) are counted in lost too, so the checks are: exact where
 * the counters and messages must agree, lower bounds from "never early"
 * strictly, and upper bounds loosely.
 *
 * The counters' single-shot invariant does not hold once a periodic
 * registration fired, so tests that let one fire end with
 * hwt_assert_rest_unload().
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hwtest.h"
#include "libhwevent-uring.h"

/* The most periods of @period_ns, the first at @due_ns after @t0, that can
 * have expired by @t1. */
static uint64_t max_periods(uint64_t t0, uint64_t t1, uint64_t due_ns,
			    uint64_t period_ns)
{
	if (t1 < t0 + due_ns)
		return 0;
	return (t1 - t0 - due_ns) / period_ns + 1;
}

/* Collect an eventfd's counts for @ms milliseconds. */
static uint64_t efd_collect_for(int efd, unsigned int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * NS_PER_MS, sum = 0;

	while (now_ns() < end)
		sum += hwt_efd_wait(efd, 10);
	return sum;
}

/*
 * A periodic eventfd stopped by cancel: it counted every period that
 * expired, no more (they cannot fire early) and not far fewer; each
 * firing added at least one (more when the callback ran a period or more
 * late), and nothing was lost: an eventfd counts.
 */
static void periodic_eventfd_counts(uint64_t due, uint64_t period,
				    unsigned int run_ms, bool sleep)
{
	struct hwevent_counters c0, c1;
	uint64_t t0, t1, t2, id, sum, upper, expect;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	t0 = now_ns();
	id = hwt_reg_periodic_efd(fd, efd, due, period);
	if (sleep) {
		hwt_sleep_ms(run_ms);
		sum = hwt_efd_take(efd);
		ck_assert_msg(sum > 1, "after %u ms of %" PRIu64 " ns periods "
			      "the eventfd holds %" PRIu64, run_ms, period, sum);
	} else {
		sum = efd_collect_for(efd, run_ms);
	}
	t1 = now_ns();
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	t2 = now_ns();
	sum += hwt_efd_take(efd);
	c1 = hwt_counters();
	upper = max_periods(t0, t2, due, period);
	expect = max_periods(t0, t1, due, period);
	hwt_diag("%" PRIu64 " ns period for %.1f ms: eventfd %" PRIu64
		 " (%" PRIu64 " periods elapsed), %" PRIu64 " firings", period,
		 (double)(t1 - t0) / 1e6, sum, expect, c1.fired - c0.fired);
	ck_assert_msg(sum <= upper, "eventfd counted %" PRIu64 " periods, only %"
		      PRIu64 " can have expired", sum, upper);
	ck_assert_msg(sum >= expect / 2, "eventfd counted %" PRIu64 " periods "
		      "of the %" PRIu64 " that expired", sum, expect);
	ck_assert_uint_ge(c1.fired - c0.fired, 1);
	ck_assert_msg(sum >= c1.fired - c0.fired, "eventfd %" PRIu64 " for %"
		      PRIu64 " firings", sum, c1.fired - c0.fired);
	ck_assert_msg(c1.lost == c0.lost, "an eventfd lost %" PRIu64 " events",
		      c1.lost - c0.lost);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	hwt_sleep_ms(30);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after cancel");
	close(fd);
	close(efd);
	hwt_assert_rest_unload();
}

/* 1 ms period, read as it goes. */
START_TEST(periodic_eventfd_counts_periods)
{
	periodic_eventfd_counts(NS_PER_MS, NS_PER_MS, 100, false);
}
END_TEST

/* 10 ms period, not read for 300 ms: the eventfd holds them all. */
START_TEST(periodic_eventfd_long_sleep_counts_all)
{
	periodic_eventfd_counts(10 * NS_PER_MS, 10 * NS_PER_MS, 300, true);
}
END_TEST

/* The smallest period, 10 us: works, and within bounds. */
START_TEST(periodic_eventfd_min_period)
{
	periodic_eventfd_counts(HWEVENT_PERIOD_MIN_NS, HWEVENT_PERIOD_MIN_NS,
				50, false);
}
END_TEST

/* The first firing comes at due, not one period after the call. */
START_TEST(periodic_first_firing_after_due)
{
	const uint64_t due = 200 * NS_PER_MS, period = 10 * NS_PER_MS;
	uint64_t t0, t1, v;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	t0 = now_ns();
	hwt_reg_periodic_efd(fd, efd, due, period);
	v = hwt_efd_wait(efd, SOON_MS);
	t1 = now_ns();
	ck_assert_uint_ge(v, 1);
	ck_assert_msg(t1 - t0 >= due, "signalled %" PRIu64 " ns after the call,"
		      " before due", t1 - t0);
	ck_assert_msg(v <= max_periods(t0, t1, due, period), "%" PRIu64
		      " periods after %" PRIu64 " ns", v, t1 - t0);
	close(fd);
	close(efd);
	hwt_assert_rest_unload();
}
END_TEST

/* After cancel: no more increments, no more firings, cancelled + 1. */
START_TEST(periodic_eventfd_cancel_stops)
{
	const uint64_t period = 5 * NS_PER_MS;
	struct hwevent_counters c0, c1;
	uint64_t id;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	id = hwt_reg_periodic_efd(fd, efd, period, period);
	ck_assert_uint_ge(hwt_efd_collect(efd, 3, SOON_MS), 3);
	hwt_assert_delta_rcp(&c0, 1, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_efd_take(efd);
	c1 = hwt_counters();
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	hwt_sleep_ms(100);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after cancel");
	ck_assert_msg(hwt_counters().fired == c1.fired, "fired after cancel");
	ck_assert_int_eq(hwevent_cancel(fd, id), -ENOENT);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	close(efd);
	hwt_assert_rest_unload();
}
END_TEST

/* Closing the file stops it too. */
START_TEST(periodic_eventfd_close_stops)
{
	struct hwevent_counters c0, c1;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_periodic_efd(fd, efd, NS_PER_MS, NS_PER_MS);
	ck_assert_uint_ge(hwt_efd_collect(efd, 3, SOON_MS), 3);
	close(fd);
	hwt_efd_take(efd);
	c1 = hwt_counters();
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	hwt_sleep_ms(50);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after close");
	ck_assert_uint_eq(hwt_counters().fired, c1.fired);
	close(efd);
	hwt_assert_rest_unload();
}
END_TEST

/* Queue: records keep coming, same id and cookie, seq and fired_ns
 * increasing, none before its period. */
START_TEST(periodic_queue_records_increasing_seq)
{
	enum { N = 10 };
	const uint64_t due = 10 * NS_PER_MS, period = 10 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_msg m[N];
	uint64_t t0, id, n = 0;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	t0 = now_ns();
	id = hwt_reg_queue(fd, due, period, 77);
	ck_assert_uint_eq(hwt_collect_msgs(fd, m, N, SOON_MS), N);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(m[i].id, id);
		ck_assert_uint_eq(m[i].cookie, 77);
		ck_assert_uint_eq(m[i].type, HWEVENT_TYPE_QUEUE);
		hwt_assert_msg_clean(&m[i]);
		/* Record i stands for period n, after the lost ones. */
		n += m[i].lost + (i ? 1 : 0);
		ck_assert_msg(m[i].fired_ns >= t0 + due + n * period,
			      "record %d (period %" PRIu64 ") fired %" PRIu64
			      " ns after the call", i, n,
			      (uint64_t)(m[i].fired_ns - t0));
		if (i) {
			ck_assert_uint_gt(m[i].seq, m[i - 1].seq);
			ck_assert_uint_gt(m[i].fired_ns, m[i - 1].fired_ns);
		}
	}
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* The seq of the first record of @m that is not a loss marker. */
static uint64_t first_seq(const struct hwevent_msg *m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!(m[i].flags & HWEVENT_MSG_LOST))
			return m[i].seq;
	return 0;
}

/*
 * Queue of 4, a reader that falls far behind: records are dropped, and
 * what the reader sees accounts for every firing.  Every firing took a
 * seq (nothing else fires meanwhile), so the seq numbers run without gaps
 * from the first record to the last, gaps being dropped records; each
 * record's lost covers the gap before it (plus timer overruns); and the
 * lost fields add up to the lost counter exactly.  A single-shot record
 * queued after the cancel carries the drops of the last stretch.
 */
START_TEST(periodic_queue_overflow_lost_matches_seq_gaps)
{
	enum { ROUNDS = 3, MAXR = ROUNDS * 5 + 1 };	/* 4 records + a marker */
	const uint64_t period = 5 * NS_PER_MS;
	struct hwevent_counters c0, c1;
	struct hwevent_msg m[MAXR + 4];
	uint64_t id, sum_lost = 0, gaps = 0, dfired;
	unsigned int r = 0, markers = 0;
	ssize_t n;
	int fd;

	hwt_set_queue_len(4);
	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	c0 = hwt_counters();
	id = hwt_reg_queue(fd, period, period, 1);
	for (int round = 0; round < ROUNDS; round++) {
		hwt_sleep_ms(100);
		n = hwt_read_raw(fd, m + r, 8 * MSG_SIZE);
		/* The 4 records the queue holds, and maybe a loss marker. */
		ck_assert_msg(n > 0 && n % MSG_SIZE == 0 &&
			      n <= 5 * (ssize_t)MSG_SIZE,
			      "round %d: read returned %zd", round, n);
		r += (unsigned int)(n / MSG_SIZE);
	}
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	/* Whatever was queued before the cancel, then the final record. */
	n = hwt_read_raw(fd, m + r, 4 * MSG_SIZE);
	if (n > 0)
		r += (unsigned int)(n / MSG_SIZE);
	hwt_reg_queue(fd, NS_PER_MS, 0, 2);
	ck_assert_uint_eq(hwt_read_msgs(fd, m + r, 1, SOON_MS), 1);
	ck_assert_uint_eq(m[r].cookie, 2);
	r++;
	ck_assert(hwt_wait_pending(0, SOON_MS));
	c1 = hwt_counters();

	/*
	 * Markers (seq 0) report losses of their own; records are in seq
	 * order, and each gap is covered by the losses reported since the
	 * record before it.
	 */
	for (unsigned int i = 0, prev = UINT_MAX, since = 0; i < r; i++) {
		sum_lost += m[i].lost;
		since += m[i].lost;
		if (m[i].flags & HWEVENT_MSG_LOST) {
			markers++;
			continue;
		}
		if (prev != UINT_MAX) {
			uint64_t gap = m[i].seq - m[prev].seq - 1;

			ck_assert_msg(m[i].seq > m[prev].seq, "record %u: seq "
				      "%llu after %llu", i,
				      (unsigned long long)m[i].seq,
				      (unsigned long long)m[prev].seq);
			gaps += gap;
			ck_assert_msg(since >= gap, "record %u: %u reported lost"
				      " but %llu seq numbers missing before it",
				      i, since, (unsigned long long)gap);
		}
		prev = i;
		since = 0;
	}
	dfired = c1.fired - c0.fired;
	hwt_diag("%u records (%u loss markers), %" PRIu64 " lost (%" PRIu64
		 " dropped, %" PRIu64 " overrun periods), %" PRIu64 " firings",
		 r, markers, sum_lost, gaps, sum_lost - gaps, dfired);
	ck_assert_msg(gaps > 0, "no record was dropped");
	ck_assert_msg(m[r - 1].seq - first_seq(m, r) + 1 == dfired, "seq "
		      "%llu..%llu for %" PRIu64 " firings",
		      (unsigned long long)first_seq(m, r),
		      (unsigned long long)m[r - 1].seq, dfired);
	ck_assert_msg(r - markers + gaps == dfired, "%u records + %" PRIu64
		      " dropped != %" PRIu64 " firings", r - markers, gaps,
		      dfired);
	ck_assert_msg(sum_lost == c1.lost - c0.lost, "the records report %"
		      PRIu64 " lost, the counter %" PRIu64, sum_lost,
		      c1.lost - c0.lost);
	ck_assert_uint_ge(r + sum_lost, dfired);
	hwt_assert_delta_rcp(&c0, 2, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* Register a periodic REQUEST and return at its first firing. */
static uint64_t reg_periodic_request(int fd, uint64_t due, uint64_t period,
				     uint64_t cookie, struct hwevent_msg *m)
{
	struct hwevent_register r;
	int ret;

	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, due, period, cookie, 0);
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "periodic request: %s", strerror(-ret));
	ck_assert_uint_ne(r.id, 0);
	ck_assert_uint_eq(r.msg.id, r.id);
	if (m)
		*m = r.msg;
	return r.id;
}

/* REGISTER returns the first firing; each WAIT returns the next one. */
START_TEST(periodic_request_register_then_wait)
{
	const uint64_t due = 20 * NS_PER_MS, period = 20 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_msg m;
	uint64_t t0, t1, id, n, last_seq, last_fired;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	t0 = now_ns();
	id = reg_periodic_request(fd, due, period, 55, &m);
	t1 = now_ns();
	ck_assert_msg(t1 - t0 >= due, "returned before due");
	ck_assert_uint_eq(m.cookie, 55);
	ck_assert_uint_eq(m.type, HWEVENT_TYPE_REQUEST);
	hwt_assert_msg_clean(&m);
	ck_assert_uint_ne(m.seq, 0);
	n = m.lost;
	ck_assert(m.fired_ns >= t0 + due + n * period && m.fired_ns <= t1);
	hwt_assert_delta_rcp(&c0, 1, 0, 1);
	last_seq = m.seq;
	last_fired = m.fired_ns;
	for (int i = 0; i < 5; i++) {
		int ret = hwevent_wait(fd, id, &m);

		ck_assert_msg(ret == 0, "wait %d: %s", i, strerror(-ret));
		ck_assert_uint_eq(m.id, id);
		ck_assert_uint_eq(m.cookie, 55);
		ck_assert_uint_eq(m.type, HWEVENT_TYPE_REQUEST);
		hwt_assert_msg_clean(&m);
		ck_assert_uint_gt(m.seq, last_seq);
		ck_assert_uint_gt(m.fired_ns, last_fired);
		n += 1 + m.lost;
		ck_assert_msg(m.fired_ns >= t0 + due + n * period, "wait %d: "
			      "period %" PRIu64 " fired %" PRIu64 " ns after the "
			      "call", i, n, (uint64_t)(m.fired_ns - t0));
		last_seq = m.seq;
		last_fired = m.fired_ns;
	}
	hwt_assert_delta_rcp(&c0, 1, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	ck_assert_int_eq(hwevent_wait(fd, id, &m), -ENOENT);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* Firings nobody waited for are counted in the next message's lost, and
 * in the lost counter; they took seq numbers. */
START_TEST(periodic_request_lost_when_nobody_waits)
{
	const uint64_t period = 20 * NS_PER_MS;
	struct hwevent_counters c0, c1;
	struct hwevent_msg m1, m2, m3;
	uint64_t id;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	id = reg_periodic_request(fd, period, period, 1, &m1);
	hwt_sleep_ms(6 * period / NS_PER_MS);
	ck_assert_int_eq(hwevent_wait(fd, id, &m2), 0);
	c1 = hwt_counters();
	hwt_diag("after 6 periods: lost %llu, seq %llu -> %llu",
		 (unsigned long long)m2.lost, (unsigned long long)m1.seq,
		 (unsigned long long)m2.seq);
	ck_assert_msg(m2.lost >= 3, "lost %llu after 6 periods nobody waited",
		      (unsigned long long)m2.lost);
	ck_assert_msg(m2.lost >= m2.seq - m1.seq - 1, "lost %llu but %llu "
		      "firings in between", (unsigned long long)m2.lost,
		      (unsigned long long)(m2.seq - m1.seq - 1));
	ck_assert_uint_ge(c1.lost - c0.lost, m2.lost);
	/* m2 stands for the period lost + 1 after m1's (m1 fired before the
	 * next period began). */
	ck_assert_uint_gt(m2.fired_ns, m1.fired_ns + m2.lost * period);
	/* Waiting again at once: the next one. */
	ck_assert_int_eq(hwevent_wait(fd, id, &m3), 0);
	ck_assert_uint_gt(m3.seq, m2.seq);
	ck_assert_uint_gt(m3.fired_ns, m2.fired_ns + m3.lost * period);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/*
 * A signal ends a WAIT with EINTR; the registration stays, and the next
 * WAIT works.  The signal comes once the WAIT sleeps; should a firing
 * still come first (a stalled VM), the WAIT returns that event, which is
 * right too, and the test tries again.
 */
START_TEST(periodic_request_wait_eintr_keeps_registration)
{
	const uint64_t period = 500 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_msg m1, m2;
	struct hwt_kicker k;
	uint64_t id, t0;
	int fd, ret = 0;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	fd = hwt_open();
	c0 = hwt_counters();
	id = reg_periodic_request(fd, 10 * NS_PER_MS, period, 1, &m1);
	for (int try = 0; try < 5 && ret != -EINTR; try++) {
		hwt_kick_when_blocked(&k, SIGUSR1, SYS_ioctl);
		t0 = now_ns();
		ret = hwevent_wait(fd, id, &m2);
		hwt_kick_join(&k);
		if (ret == 0) {
			hwt_diag("try %d: the firing beat the signal", try + 1);
			ck_assert_uint_eq(m2.id, id);
			m1 = m2;
		}
	}
	ck_assert_msg(ret == -EINTR, "wait returned %d (%s), expected -EINTR",
		      ret, strerror(-ret));
	hwt_assert_delta_rcp(&c0, 1, 0, 1);
	ret = hwevent_wait(fd, id, &m2);
	ck_assert_msg(ret == 0, "wait after EINTR: %s", strerror(-ret));
	ck_assert_uint_gt(m2.seq, m1.seq);
	ck_assert_uint_ge(m2.fired_ns, t0);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* A signal during a periodic REGISTER, before the first firing, ends it
 * and cancels the registration, like a single-shot one. */
START_TEST(periodic_request_register_eintr_cancels)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct hwt_kicker k;
	int fd, ret;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	fd = hwt_open();
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, LONG_DUE_NS, 1, 0);
	hwt_kick_when_blocked(&k, SIGUSR1, SYS_ioctl);
	ret = hwevent_register(fd, &r);
	hwt_kick_join(&k);
	ck_assert_msg(ret == -EINTR, "register returned %d (%s), expected "
		      "-EINTR", ret, strerror(-ret));
	ck_assert_uint_eq(r.id, 1);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	ck_assert_int_eq(hwevent_wait(fd, 1, NULL), -ENOENT);
	ck_assert_int_eq(hwevent_cancel(fd, 1), -ENOENT);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Child: a periodic REQUEST (period 500 ms), then a WAIT for the next
 * firing. */
static int stopped_wait(void *arg)
{
	struct hwevent_register r;
	int fd = hwevent_open(0), ret;

	(void)arg;
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 500 * NS_PER_MS, 1, 0);
	if (fd < 0 || hwevent_register(fd, &r))
		return 99;
	ret = hwevent_wait(fd, r.id, NULL);
	return ret ? 100 + -ret : 0;
}

/* A WAIT blocked across SIGSTOP and SIGCONT goes on and returns. */
START_TEST(periodic_wait_survives_sigstop_sigcont)
{
	unsigned int tries;
	int st = hwt_stop_cont_child(stopped_wait, NULL, 1, SYS_ioctl, 100,
				     &tries);

	ck_assert_msg(st == 0, "the stopped and continued WAIT failed: %s",
		      st > 100 ? strerror(st - 100) : "setup");
	hwt_assert_rest_unload();
}
END_TEST

struct hail {
	pthread_t target;
	atomic_bool stop;
	uint64_t rng;
	uint64_t kicks;
};

static void *hail_fn(void *arg)
{
	struct hail *h = arg;

	while (!atomic_load(&h->stop)) {
		hwt_spin_ns(hwt_rand(&h->rng) % (100 * NS_PER_US));
		pthread_kill(h->target, SIGUSR1);
		h->kicks++;
	}
	return NULL;
}

/*
 * WAITs on a fast periodic REQUEST under a hail of signals: each returns
 * its firing or EINTR, never anything else; no firing is delivered twice
 * (seq strictly increases); the registration survives them all; and the
 * lost counter covers what the messages report lost.
 */
START_TEST(periodic_race_wait_vs_signal)
{
	const int n = (int)hwt_iters(2000);
	/*
	 * Long enough that a WAIT spends most of its time asleep: the timer
	 * stops between WAITs (no request, no firing) and restarts on its
	 * phase, so a WAIT sleeps half a period on average.
	 */
	const uint64_t period = 200 * NS_PER_US;
	struct hwevent_counters c0, c1;
	struct hwevent_msg m;
	struct hail h;
	pthread_t t;
	uint64_t id, last_seq, n_ok = 0, n_intr = 0, sum_lost = 0, deadline;
	int fd, err = 0;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	fd = hwt_open();
	c0 = hwt_counters();
	id = reg_periodic_request(fd, period, period, 1, &m);
	last_seq = m.seq;
	sum_lost = m.lost;
	h.target = pthread_self();
	atomic_init(&h.stop, false);
	h.rng = hwt_seed() * 11 + 1;
	h.kicks = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, hail_fn, &h), 0);
	/*
	 * n WAITs, then on until both outcomes were seen: a stalled VM or an
	 * RT scheduler can put every signal of a short run outside the WAITs.
	 */
	deadline = now_ns() + 30 * NS_PER_SEC;
	for (int i = 0; !err && (i < n || ((!n_ok || !n_intr) &&
					   now_ns() < deadline)); i++) {
		int ret = hwevent_wait(fd, id, &m);

		if (ret == -EINTR) {
			n_intr++;
			continue;
		}
		if (ret) {
			err = ret;
			break;
		}
		n_ok++;
		if (m.id != id || m.seq <= last_seq)
			err = -EPROTO;
		last_seq = m.seq;
		sum_lost += m.lost;
	}
	atomic_store(&h.stop, true);
	pthread_join(t, NULL);
	hwt_diag("%" PRIu64 " WAITs, %" PRIu64 " signals: %" PRIu64 " returned "
		 "a firing, %" PRIu64 " EINTR", n_ok + n_intr, h.kicks, n_ok,
		 n_intr);
	ck_assert_msg(!err, "a WAIT failed: %s (seq %llu after %" PRIu64 ")",
		      strerror(-err), (unsigned long long)m.seq, last_seq);
	ck_assert_msg(n_ok && n_intr, "no race: %" PRIu64 " firings, %" PRIu64
		      " EINTR", n_ok, n_intr);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	c1 = hwt_counters();
	ck_assert_uint_ge(c1.lost - c0.lost, sum_lost);
	ck_assert_uint_ge(c1.fired - c0.fired, n_ok + 1);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/*
 * Periodic REQUEST registrations under a hail of signals, due so soon that
 * the first firing races the signal.  REGISTER returns the first firing
 * (0) or EINTR; after 0 the registration is alive, periodic, until
 * cancelled: CANCEL must find it.  After EINTR it is gone: ENOENT.
 */
START_TEST(periodic_race_register_vs_signal)
{
	const int n = (int)hwt_iters(2000);
	struct hwevent_counters c0;
	struct hail h;
	pthread_t t;
	uint64_t rng = hwt_seed() * 13 + 5, n_ok = 0, n_intr = 0, n_gone = 0;
	uint64_t first_gone = 0;
	int fd, err = 0;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	fd = hwt_open();
	c0 = hwt_counters();
	h.target = pthread_self();
	atomic_init(&h.stop, false);
	h.rng = rng + 3;
	h.kicks = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, hail_fn, &h), 0);
	for (int i = 0; i < n && !err; i++) {
		struct hwevent_register r;
		int ret, cret;

		/*
		 * Random first firings race the signals; every 16th is due so
		 * late that a signal surely wins, and another so soon that the
		 * firing almost surely does: both outcomes happen every run.
		 */
		uint64_t due = i % 16 == 0 ? NS_PER_SEC :
			       i % 16 == 8 ? 1 :
			       1 + hwt_rand(&rng) % (50 * NS_PER_US);

		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, due, LONG_DUE_NS,
			    (uint64_t)i, 0);
		ret = hwevent_register(fd, &r);
		if (ret && ret != -EINTR) {
			err = ret;
			break;
		}
		/* No signal may cut the CANCEL short: it does not sleep. */
		cret = hwevent_cancel(fd, r.id);
		if (ret == -EINTR) {
			n_intr++;
			if (cret != -ENOENT)
				err = -EPROTO;
		} else {
			n_ok++;
			if (cret == -ENOENT && !n_gone++)
				first_gone = (uint64_t)i;
			else if (cret && cret != -ENOENT)
				err = cret;
		}
	}
	atomic_store(&h.stop, true);
	pthread_join(t, NULL);
	hwt_diag("%d periodic REGISTERs, %" PRIu64 " signals: %" PRIu64
		 " returned the first firing, %" PRIu64 " EINTR", n, h.kicks,
		 n_ok, n_intr);
	ck_assert_msg(!err, "unexpected result: %s", strerror(-err));
	ck_assert_msg(!n_gone, "%" PRIu64 " of %" PRIu64 " registrations that "
		      "returned their first firing were already gone (first: "
		      "registration %" PRIu64 ")", n_gone, n_ok, first_gone);
	ck_assert_msg(n_ok && n_intr, "no race: %" PRIu64 " returned, %" PRIu64
		      " EINTR", n_ok, n_intr);
	hwt_assert_delta_rcp(&c0, n, n, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

struct waiter {
	int fd;
	_Atomic pid_t tid;
	uint64_t id;
	int ret;
	uint64_t t_ret;
	struct hwevent_msg m;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->tid, gettid());
	w->ret = hwevent_wait(w->fd, w->id, &w->m);
	w->t_ret = now_ns();
	return NULL;
}

/* CANCEL while a WAIT blocks in another thread: that WAIT returns
 * ECANCELED, promptly. */
START_TEST(periodic_request_cancel_wakes_blocked_wait)
{
	struct hwevent_counters c0;
	struct waiter w;
	pthread_t t;
	uint64_t t0;

	memset(&w, 0, sizeof(w));
	w.fd = hwt_open();
	c0 = hwt_counters();
	w.id = reg_periodic_request(w.fd, NS_PER_MS, LONG_DUE_NS, 1, NULL);
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_fn, &w), 0);
	while (!atomic_load(&w.tid))
		hwt_sleep_ms(1);
	hwt_wait_blocked(atomic_load(&w.tid), SYS_ioctl, 30000);
	t0 = now_ns();
	ck_assert_int_eq(hwevent_cancel(w.fd, w.id), 0);
	pthread_join(t, NULL);
	ck_assert_msg(w.ret == -ECANCELED, "the blocked wait returned %d (%s),"
		      " expected -ECANCELED", w.ret, strerror(-w.ret));
	ck_assert(w.t_ret - t0 < 5 * NS_PER_SEC);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(w.fd);
	hwt_assert_rest_unload();
}
END_TEST

/* Closing the file cancels periodic registrations of every type. */
START_TEST(periodic_close_cancels_all_types)
{
	struct hwevent_counters c0, c1;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_periodic_efd(fd, efd, NS_PER_MS, NS_PER_MS);
	hwt_reg_queue(fd, NS_PER_MS, NS_PER_MS, 2);
	reg_periodic_request(fd, NS_PER_MS, NS_PER_MS, 3, NULL);
	hwt_sleep_ms(20);
	hwt_assert_delta_rcp(&c0, 3, 0, 3);
	close(fd);
	hwt_efd_take(efd);
	c1 = hwt_counters();
	hwt_assert_delta_rcp(&c0, 3, 3, 0);
	hwt_sleep_ms(50);
	ck_assert(!hwt_efd_ready(efd));
	ck_assert_uint_eq(hwt_counters().fired, c1.fired);
	close(efd);
	hwt_assert_rest_unload();
}
END_TEST

/* A child with periodic registrations of every type exits or is killed:
 * all cancelled, nothing fires afterwards. */
static void child_periodic(bool sigkill)
{
	struct hwevent_counters c0, c1;
	int efd, p[2], status;
	char c;
	pid_t pid;

	efd = hwt_eventfd();
	ck_assert_int_eq(pipe(p), 0);
	c0 = hwt_counters();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hwevent_register r;
		int fd = hwevent_open(0);

		close(p[0]);
		if (fd < 0)
			_exit(10);
		if (hwt_register_efd(fd, efd, NS_PER_MS, NS_PER_MS, 1, NULL) ||
		    hwevent_register_queue(fd, NS_PER_MS, NS_PER_MS, 2, NULL))
			_exit(11);
		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, NS_PER_MS, 3,
			    0);
		if (hwevent_register(fd, &r))
			_exit(12);
		if (write(p[1], "r", 1) != 1)
			_exit(13);
		if (sigkill)
			for (;;)	/* waiting, as a periodic client does */
				hwevent_wait(fd, r.id, NULL);
		hwt_sleep_ms(20);
		_exit(0);
	}
	close(p[1]);
	ck_assert_msg(read(p[0], &c, 1) == 1, "child failed before registering");
	close(p[0]);
	if (sigkill) {
		hwt_sleep_ms(20);
		kill(pid, SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (sigkill)
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child status %#x", status);
	hwt_assert_delta_rcp(&c0, 3, 3, 0);
	ck_assert_uint_ge(hwt_efd_take(efd), 1);
	c1 = hwt_counters();
	hwt_sleep_ms(50);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after the exit");
	ck_assert_uint_eq(hwt_counters().fired, c1.fired);
	close(efd);
	hwt_assert_rest_unload();
}

START_TEST(periodic_exit_cancels)
{
	child_periodic(false);
}
END_TEST

START_TEST(periodic_sigkill_cancels)
{
	child_periodic(true);
}
END_TEST

/* Periodic registrations stay pending and count against max_pending until
 * cancelled. */
START_TEST(periodic_counts_against_max_pending)
{
	uint64_t id;
	int fd, efd;

	hwt_set_max_pending(2);
	fd = hwt_open();
	efd = hwt_eventfd();
	id = hwt_reg_periodic_efd(fd, efd, NS_PER_MS, NS_PER_MS);
	hwt_reg_queue(fd, NS_PER_MS, NS_PER_MS, 0);
	ck_assert_uint_ge(hwt_efd_collect(efd, 5, SOON_MS), 5);
	ck_assert_int_eq(hwt_register_efd(fd, efd, NS_PER_MS, 0, 0, NULL),
			 -ENOSPC);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	ck_assert_int_eq(hwt_register_efd(fd, efd, NS_PER_MS, 0, 0, NULL), 0);
	close(fd);
	close(efd);
	hwt_set_max_pending(DEFAULT_MAX_PENDING);
	hwt_assert_rest_unload();
}
END_TEST

/* ---- HWEVENT_IOC_WAIT errors ---- */

/* WAIT on @id of @fd fails with @err, changes nothing. */
static void expect_wait_err(int fd, uint64_t id, int err)
{
	struct hwevent_counters c0 = hwt_counters();
	uint64_t t0 = now_ns();
	int ret = hwevent_wait(fd, id, NULL);

	ck_assert_msg(ret == -err, "wait on id %" PRIu64 " returned %d (%s), "
		      "expected -%s", id, ret, ret ? strerror(-ret) : "success",
		      strerrorname_np(err));
	ck_assert(now_ns() - t0 < 5 * NS_PER_SEC);
	hwt_assert_delta_rcp(&c0, 0, 0, 0);
}

START_TEST(wait_unknown_id_enoent)
{
	int fd = hwt_open();

	expect_wait_err(fd, 1, ENOENT);
	expect_wait_err(fd, 12345, ENOENT);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* id 0, and ids that alias a live id in 32 bits: ENOENT. */
START_TEST(wait_id_0_and_above_u32_enoent)
{
	int fd = hwt_open();
	uint64_t id = reg_periodic_request(fd, NS_PER_MS, LONG_DUE_NS, 1, NULL);

	ck_assert_uint_eq(id, 1);
	expect_wait_err(fd, 0, ENOENT);
	expect_wait_err(fd, (1ULL << 32) + 1, ENOENT);
	expect_wait_err(fd, UINT64_MAX, ENOENT);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

START_TEST(wait_on_eventfd_registration_einval)
{
	int fd = hwt_open(), efd = hwt_eventfd();

	expect_wait_err(fd, hwt_reg_eventfd(fd, efd, LONG_DUE_NS), EINVAL);
	expect_wait_err(fd, hwt_reg_periodic_efd(fd, efd, LONG_DUE_NS,
						 NS_PER_MS), EINVAL);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

START_TEST(wait_on_queue_registration_einval)
{
	int fd = hwt_open();

	expect_wait_err(fd, hwt_reg_queue(fd, LONG_DUE_NS, 0, 0), EINVAL);
	expect_wait_err(fd, hwt_reg_queue(fd, LONG_DUE_NS, NS_PER_MS, 0),
			EINVAL);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A single-shot REQUEST has no later firings to wait for: EINVAL while it
 * is pending (submitted through io_uring here), ENOENT once it is over. */
START_TEST(wait_on_single_shot_request_einval)
{
	struct hwevent_register r;
	struct io_uring ring;
	int fd, res;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 1, 0);
	hwevent_uring_prep_register(hwt_sqe(&ring), fd, &r);
	hwt_ring_submit(&ring, 1);
	ck_assert_uint_eq(r.id, 1);
	expect_wait_err(fd, 1, EINVAL);
	ck_assert_int_eq(hwevent_cancel(fd, 1), 0);
	ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, NULL));
	ck_assert_int_eq(res, -ECANCELED);
	expect_wait_err(fd, 1, ENOENT);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

START_TEST(wait_on_fired_single_shot_request_enoent)
{
	struct hwevent_msg m;
	int fd = hwt_open();

	ck_assert_int_eq(hwevent_wait_request(fd, NS_PER_MS, 1, &m), 0);
	expect_wait_err(fd, m.id, ENOENT);
	close(fd);
	hwt_assert_rest();
}
END_TEST

START_TEST(wait_on_cancelled_periodic_enoent)
{
	int fd = hwt_open();
	uint64_t id = reg_periodic_request(fd, NS_PER_MS, LONG_DUE_NS, 1, NULL);

	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	expect_wait_err(fd, id, ENOENT);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* Ids are per file: another file's periodic REQUEST is unknown here. */
START_TEST(wait_other_files_id_enoent)
{
	int a = hwt_open(), b = hwt_open();
	uint64_t id = reg_periodic_request(a, NS_PER_MS, LONG_DUE_NS, 1, NULL);

	expect_wait_err(b, id, ENOENT);
	close(a);
	close(b);
	hwt_assert_rest_unload();
}
END_TEST

/* Non-zero flags, pad or reserved: EINVAL, even on a valid id. */
static void wait_bad_field(int which)
{
	struct hwevent_counters c0;
	struct hwevent_wait w;
	int fd = hwt_open();
	uint64_t id = reg_periodic_request(fd, NS_PER_MS, LONG_DUE_NS, 1, NULL);

	memset(&w, 0, sizeof(w));
	w.id = id;
	switch (which) {
	case 0: w.flags = 1; break;
	case 1: w.pad = 1; break;
	case 2: w.reserved[0] = 1; break;
	case 3: w.reserved[1] = 1ULL << 63; break;
	}
	c0 = hwt_counters();
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_WAIT, &w), -EINVAL);
	hwt_assert_delta_rcp(&c0, 0, 0, 0);
	close(fd);
	hwt_assert_rest_unload();
}

START_TEST(wait_flags_einval)
{
	wait_bad_field(0);
}
END_TEST

START_TEST(wait_pad_einval)
{
	wait_bad_field(1);
}
END_TEST

START_TEST(wait_reserved0_einval)
{
	wait_bad_field(2);
}
END_TEST

START_TEST(wait_reserved1_einval)
{
	wait_bad_field(3);
}
END_TEST

/* Bad pointers: EFAULT before anything waits; a message buffer that
 * cannot be written is refused up front. */
START_TEST(wait_bad_pointer_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_wait *w;
	int fd = hwt_open();
	uint64_t id = reg_periodic_request(fd, NS_PER_MS, LONG_DUE_NS, 1, NULL);
	char *p;

	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_WAIT, NULL), -EFAULT);
	p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(p != MAP_FAILED);
	/* Input readable, msg read-only. */
	w = (struct hwevent_wait *)(p + pg - offsetof(struct hwevent_wait, msg));
	memset(w, 0, offsetof(struct hwevent_wait, msg));
	w->id = id;
	ck_assert_int_eq(mprotect(p + pg, (size_t)pg, PROT_READ), 0);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_WAIT, w), -EFAULT);
	munmap(p, 2 * (size_t)pg);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_WAIT, p), -EFAULT);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(periodic_eventfd_counts_periods, HWT_LOADED, 60),
	HWT_CASE(periodic_eventfd_long_sleep_counts_all, HWT_LOADED, 60),
	HWT_CASE(periodic_eventfd_min_period, HWT_LOADED, 60),
	HWT_CASE(periodic_first_firing_after_due, HWT_LOADED, 60),
	HWT_CASE(periodic_eventfd_cancel_stops, HWT_LOADED, 60),
	HWT_CASE(periodic_eventfd_close_stops, HWT_LOADED, 60),
	HWT_CASE(periodic_queue_records_increasing_seq, HWT_LOADED, 60),
	HWT_CASE(periodic_queue_overflow_lost_matches_seq_gaps, HWT_LOADED, 60),
	HWT_CASE(periodic_request_register_then_wait, HWT_LOADED, 60),
	HWT_CASE(periodic_request_lost_when_nobody_waits, HWT_LOADED, 60),
	HWT_CASE(periodic_request_wait_eintr_keeps_registration, HWT_LOADED, 60),
	HWT_CASE(periodic_request_register_eintr_cancels, HWT_LOADED, 60),
	HWT_CASE(periodic_request_cancel_wakes_blocked_wait, HWT_LOADED, 60),
	HWT_CASE(periodic_wait_survives_sigstop_sigcont, HWT_LOADED, 60),
	HWT_CASE(periodic_race_wait_vs_signal, HWT_LOADED, 120),
	HWT_CASE(periodic_race_register_vs_signal, HWT_LOADED, 120),
	HWT_CASE(periodic_close_cancels_all_types, HWT_LOADED, 60),
	HWT_CASE(periodic_exit_cancels, HWT_LOADED, 60),
	HWT_CASE(periodic_sigkill_cancels, HWT_LOADED, 60),
	HWT_CASE(periodic_counts_against_max_pending, HWT_LOADED, 60),
	HWT_CASE(wait_unknown_id_enoent, HWT_LOADED, 60),
	HWT_CASE(wait_id_0_and_above_u32_enoent, HWT_LOADED, 60),
	HWT_CASE(wait_on_eventfd_registration_einval, HWT_LOADED, 60),
	HWT_CASE(wait_on_queue_registration_einval, HWT_LOADED, 60),
	HWT_CASE(wait_on_single_shot_request_einval, HWT_LOADED, 60),
	HWT_CASE(wait_on_fired_single_shot_request_enoent, HWT_LOADED, 60),
	HWT_CASE(wait_on_cancelled_periodic_enoent, HWT_LOADED, 60),
	HWT_CASE(wait_other_files_id_enoent, HWT_LOADED, 60),
	HWT_CASE(wait_flags_einval, HWT_LOADED, 60),
	HWT_CASE(wait_pad_einval, HWT_LOADED, 60),
	HWT_CASE(wait_reserved0_einval, HWT_LOADED, 60),
	HWT_CASE(wait_reserved1_einval, HWT_LOADED, 60),
	HWT_CASE(wait_bad_pointer_efault, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_periodic = HWT_SUITE("periodic", cases);
