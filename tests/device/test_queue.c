// SPDX-License-Identifier: GPL-2.0
/*
 * HWEVENT_TYPE_QUEUE: each firing appends a struct hwevent_msg to the open
 * file's queue; read(2) returns whole records, poll(2) and epoll report
 * the file readable, O_ASYNC sends SIGIO.  The queue holds queue_len
 * records (module parameter, rounded up to a power of 2, for files opened
 * afterwards); a full queue drops records and the next record queued says
 * in msg.lost how many.  Single-shot registrations only: the counters'
 * invariant holds as for EVENTFD.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hwtest.h"

/* A record of a single-shot QUEUE registration. */
static void check_record(const struct hwevent_msg *m, uint64_t cookie,
			 uint64_t id, uint64_t t0, uint64_t due)
{
	ck_assert_uint_eq(m->cookie, cookie);
	ck_assert_uint_eq(m->id, id);
	ck_assert_uint_eq(m->type, HWEVENT_TYPE_QUEUE);
	ck_assert_uint_ne(m->seq, 0);
	hwt_assert_msg_clean(m);
	ck_assert_msg(m->fired_ns >= t0 + due, "fired_ns %" PRIu64 " is less "
		      "than due %" PRIu64 " ns after the registration at %"
		      PRIu64, (uint64_t)m->fired_ns, due, t0);
	ck_assert_msg(m->fired_ns <= now_ns(), "fired_ns in the future");
}

/* The queue of @fd is empty: poll says so and a non-blocking read too. */
static void assert_queue_empty(int fd)
{
	struct hwevent_msg m;
	int fl = fcntl(fd, F_GETFL);

	ck_assert_msg(!hwt_readable(fd, 0), "the file is readable");
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	ck_assert_int_eq(hwt_read_raw(fd, &m, sizeof(m)), -EAGAIN);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl), 0);
}

/* Register @n QUEUE events due 1..@n ms (cookie = index + 1) and wait
 * until all fired. */
static void fire_n(int fd, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		hwt_reg_queue(fd, (uint64_t)(i + 1) * NS_PER_MS, 0, i + 1);
	ck_assert_msg(hwt_wait_pending(0, SOON_MS), "not all %u fired", n);
}

/* Registration returns at once with an id and a zeroed message. */
START_TEST(queue_register_returns_at_once)
{
	static const struct hwevent_msg zero;
	struct hwevent_counters c0;
	struct hwevent_register r;
	uint64_t t0;
	int fd, ret;

	fd = hwt_open();
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_QUEUE, LONG_DUE_NS, 0, 9, 0);
	memset(&r.id, 0xa5, sizeof(r.id));
	memset(&r.msg, 0xa5, sizeof(r.msg));
	t0 = now_ns();
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "register: %s", strerror(-ret));
	ck_assert_msg(now_ns() - t0 < 5 * NS_PER_SEC,
		      "QUEUE registration blocked");
	ck_assert_uint_eq(r.id, 1);
	ck_assert_msg(!memcmp(&r.msg, &zero, sizeof(zero)), "msg not zeroed");
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	assert_queue_empty(fd);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	hwt_assert_rest();
}
END_TEST

/* After the due time poll reports POLLIN and read returns exactly the one
 * record, with everything filled in; not before. */
START_TEST(queue_record_after_due)
{
	const uint64_t due = 200 * NS_PER_MS, cookie = 0x0123456789abcdefULL;
	struct hwevent_counters c0;
	struct hwevent_msg m[4];
	struct pollfd p;
	uint64_t t0, id;
	ssize_t n;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	t0 = now_ns();
	id = hwt_reg_queue(fd, due, 0, cookie);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, SOON_MS), 1);
	ck_assert_msg(p.revents == POLLIN, "revents %#x", p.revents);
	ck_assert_msg(now_ns() - t0 >= due, "readable before due");
	memset(m, 0xa5, sizeof(m));
	n = hwt_read_raw(fd, m, sizeof(m));
	ck_assert_msg(n == (ssize_t)MSG_SIZE, "read returned %zd, expected %zu",
		      n, MSG_SIZE);
	check_record(&m[0], cookie, id, t0, due);
	ck_assert_uint_eq(m[0].lost, 0);
	/* Nothing written beyond the one record. */
	ck_assert_uint_eq(m[1].cookie, 0xa5a5a5a5a5a5a5a5ULL);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	assert_queue_empty(fd);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A count below one record fails with EINVAL, queue empty or not, and
 * takes nothing from the queue. */
START_TEST(queue_read_short_count_einval)
{
	static const size_t counts[] = { 0, 1, 8, MSG_SIZE - 1 };
	struct hwevent_msg m[2];
	int fd;

	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		ck_assert_msg(hwt_read_raw(fd, m, counts[i]) == -EINVAL,
			      "empty queue, read of %zu", counts[i]);
	fire_n(fd, 1);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		ck_assert_msg(hwt_read_raw(fd, m, counts[i]) == -EINVAL,
			      "one record queued, read of %zu", counts[i]);
	ck_assert_int_eq(hwt_read_raw(fd, m, sizeof(m)), MSG_SIZE);
	ck_assert_uint_eq(m[0].cookie, 1);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* With room for several, one read returns all queued records, in order. */
START_TEST(queue_read_several_records)
{
	struct hwevent_msg m[10];
	ssize_t n;
	int fd;

	fd = hwt_open();
	fire_n(fd, 5);
	n = hwt_read_raw(fd, m, sizeof(m));
	ck_assert_msg(n == 5 * (ssize_t)MSG_SIZE, "read returned %zd, expected "
		      "5 records", n);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(m[i].cookie, (uint64_t)i + 1);
		ck_assert_uint_eq(m[i].id, (uint64_t)i + 1);
		ck_assert_uint_eq(m[i].lost, 0);
		if (i)
			ck_assert_uint_gt(m[i].seq, m[i - 1].seq);
	}
	assert_queue_empty(fd);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A count that is not a multiple of the record size is rounded down: no
 * partial record, the rest stays queued. */
START_TEST(queue_read_rounds_down)
{
	struct hwevent_msg m[3];
	ssize_t n;
	int fd;

	fd = hwt_open();
	fire_n(fd, 3);
	n = hwt_read_raw(fd, m, 2 * MSG_SIZE + MSG_SIZE - 1);
	ck_assert_msg(n == 2 * (ssize_t)MSG_SIZE, "read of 2.98 records "
		      "returned %zd bytes", n);
	ck_assert_uint_eq(m[0].cookie, 1);
	ck_assert_uint_eq(m[1].cookie, 2);
	n = hwt_read_raw(fd, m, MSG_SIZE + 1);
	ck_assert_int_eq(n, MSG_SIZE);
	ck_assert_uint_eq(m[0].cookie, 3);
	assert_queue_empty(fd);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* O_NONBLOCK, from open or from fcntl: an empty queue gives EAGAIN, even
 * with a registration pending. */
START_TEST(queue_nonblock_empty_eagain)
{
	struct hwevent_msg m;
	uint64_t t0;
	int fd, fd2;

	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	t0 = now_ns();
	ck_assert_int_eq(hwt_read_raw(fd, &m, sizeof(m)), -EAGAIN);
	hwt_reg_queue(fd, LONG_DUE_NS, 0, 1);
	ck_assert_int_eq(hwt_read_raw(fd, &m, sizeof(m)), -EAGAIN);
	fd2 = hwt_open();
	ck_assert_int_eq(fcntl(fd2, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(hwt_read_raw(fd2, &m, sizeof(m)), -EAGAIN);
	ck_assert(now_ns() - t0 < 5 * NS_PER_SEC);
	close(fd);
	close(fd2);
	hwt_assert_rest();
}
END_TEST

/* A blocking read sleeps until the event and returns its record. */
START_TEST(queue_blocking_read_woken_by_event)
{
	const uint64_t due = 200 * NS_PER_MS;
	struct hwevent_msg m[2];
	uint64_t t0, t1, id;
	ssize_t n;
	int fd;

	fd = hwt_open();
	t0 = now_ns();
	id = hwt_reg_queue(fd, due, 0, 5);
	n = hwt_read_raw(fd, m, sizeof(m));
	t1 = now_ns();
	ck_assert_msg(n == (ssize_t)MSG_SIZE, "read returned %zd", n);
	ck_assert_msg(t1 - t0 >= due, "read returned before due");
	check_record(&m[0], 5, id, t0, due);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A caught signal ends a blocking read with EINTR; the file goes on. */
START_TEST(queue_blocking_read_eintr)
{
	struct hwevent_msg m;
	struct hwt_kicker k;
	uint64_t t0;
	int fd;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	fd = hwt_open();
	hwt_kick_when_blocked(&k, SIGUSR1, SYS_read);
	t0 = now_ns();
	ck_assert_int_eq(hwt_read_raw(fd, &m, sizeof(m)), -EINTR);
	ck_assert(now_ns() - t0 < SOON_MS * NS_PER_MS);
	hwt_kick_join(&k);
	fire_n(fd, 1);
	ck_assert_int_eq(hwt_read_raw(fd, &m, sizeof(m)), MSG_SIZE);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Child: a blocking read for a QUEUE event due in 500 ms. */
static int stopped_read(void *arg)
{
	struct hwevent_msg m;
	int fd = hwevent_open(0);
	ssize_t n;

	(void)arg;
	if (fd < 0 || hwevent_register_queue(fd, 500 * NS_PER_MS, 0, 1, NULL))
		return 99;
	n = hwt_read_raw(fd, &m, sizeof(m));
	return n == (ssize_t)MSG_SIZE ? 0 : n < 0 ? 100 + (int)-n : 98;
}

/* A blocking read goes on across SIGSTOP and SIGCONT. */
START_TEST(queue_read_survives_sigstop_sigcont)
{
	unsigned int tries;
	int st = hwt_stop_cont_child(stopped_read, NULL, 1, SYS_read, 100,
				     &tries);

	ck_assert_msg(st == 0, "the stopped and continued read failed: %s",
		      st > 100 ? strerror(st - 100) : "setup");
	hwt_assert_rest();
}
END_TEST

struct reader {
	int fd;
	ssize_t n;
	struct hwevent_msg m[2];
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;

	r->n = hwt_read_raw(r->fd, r->m, MSG_SIZE);
	return NULL;
}

/* Two readers blocked on one file, two events: each reader gets one. */
START_TEST(queue_two_blocked_readers_each_get_one)
{
	struct reader r[2];
	pthread_t t[2];
	int fd;

	fd = hwt_open();
	for (int i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].fd = fd;
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader_fn, &r[i]),
				 0);
	}
	hwt_sleep_ms(50);
	hwt_reg_queue(fd, 50 * NS_PER_MS, 0, 1);
	hwt_reg_queue(fd, 100 * NS_PER_MS, 0, 2);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(r[i].n == (ssize_t)MSG_SIZE, "reader %d: %zd", i,
			      r[i].n);
	ck_assert_uint_eq(r[0].m[0].cookie + r[1].m[0].cookie, 3);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* poll(2) blocks until the record is there. */
START_TEST(queue_poll_wakes_on_event)
{
	const uint64_t due = 100 * NS_PER_MS;
	struct pollfd p;
	uint64_t t0;
	int fd;

	fd = hwt_open();
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	t0 = now_ns();
	hwt_reg_queue(fd, due, 0, 1);
	ck_assert_int_eq(poll(&p, 1, SOON_MS), 1);
	ck_assert_msg(now_ns() - t0 >= due, "POLLIN before due");
	ck_assert_msg(p.revents & POLLIN, "revents %#x", p.revents);
	ck_assert_msg(!(p.revents & (POLLERR | POLLHUP)), "revents %#x",
		      p.revents);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* epoll, level-triggered: ready while records are queued, not after the
 * last was read. */
START_TEST(queue_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	struct hwevent_msg m[4];
	int fd, ep;

	fd = hwt_open();
	ep = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(ep, 0);
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 0), 0);
	hwt_reg_queue(fd, 50 * NS_PER_MS, 0, 1);
	hwt_reg_queue(fd, 60 * NS_PER_MS, 0, 2);
	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, SOON_MS), 1);
	ck_assert_uint_eq(ev.data.u64, 42);
	ck_assert(ev.events & EPOLLIN);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	/* Still ready: level-triggered, nothing read yet. */
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 0), 1);
	ck_assert_int_eq(hwt_read_raw(fd, m, sizeof(m)), 2 * MSG_SIZE);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Records come in firing order: seq strictly increasing, fired_ns not
 * decreasing, whatever the registration order. */
START_TEST(queue_records_in_seq_order)
{
	enum { N = 20 };
	struct hwevent_msg m[N];
	uint64_t rng = hwt_seed();
	unsigned int got;
	int fd;

	fd = hwt_open();
	for (int i = 0; i < N; i++)
		hwt_reg_queue(fd, 1 + hwt_rand(&rng) % (20 * NS_PER_MS), 0,
			      (uint64_t)i);
	got = hwt_collect_msgs(fd, m, N, SOON_MS);
	ck_assert_uint_eq(got, N);
	for (int i = 1; i < N; i++) {
		ck_assert_msg(m[i].seq > m[i - 1].seq, "record %d: seq %llu after"
			      " %llu", i, (unsigned long long)m[i].seq,
			      (unsigned long long)m[i - 1].seq);
		ck_assert_msg(m[i].fired_ns >= m[i - 1].fired_ns,
			      "record %d fired before record %d", i, i - 1);
	}
	assert_queue_empty(fd);
	close(fd);
	hwt_assert_rest();
}
END_TEST

struct cpu_reg {
	int fd;
	int cpu;
	int n;
	int err;
	uint64_t t_base;
};

/* Register QUEUE events due at t_base, t_base + 20 us, ... from @cpu. */
static void *cpu_reg_fn(void *arg)
{
	struct cpu_reg *c = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	c->err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (int k = 0; k < c->n && !c->err; k++) {
		uint64_t at = c->t_base + (uint64_t)k * 20 * NS_PER_US;
		uint64_t now = now_ns();

		c->err = hwevent_register_queue(c->fd, at > now ? at - now : 1, 0,
					    (uint64_t)c->cpu << 32 | (uint64_t)k,
					    NULL);
	}
	return NULL;
}

/*
 * Two CPUs fire the timers of one file at the same instants: the records
 * must still come in seq order, or a reader cannot tell what it missed
 * from the gaps.  The window is small: up to ROUNDS rounds of 2 x PER_CPU
 * simultaneous firings, until one comes out of order, or for 20 s (a
 * round takes over 5 s on the debug kernel).
 */
START_TEST(queue_seq_order_across_cpus)
{
	enum { PER_CPU = 500, ROUNDS = 10 };	/* within max_pending */
	struct hwevent_msg *m = calloc(2 * PER_CPU, sizeof(*m));
	unsigned int inversions = 0, first = 0, round;
	struct cpu_reg c[2];
	pthread_t t[2];
	int fd;

	ck_assert_ptr_nonnull(m);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		free(m);
		hwt_skip("needs 2 CPUs");
		return;
	}
	hwt_set_queue_len(1024);	/* a power of 2 above 2 x PER_CPU */
	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	uint64_t t_end = now_ns() + 20 * NS_PER_SEC;

	for (round = 0; round < ROUNDS && !inversions &&
	     (!round || now_ns() < t_end); round++) {
		uint64_t base = now_ns() + 150 * NS_PER_MS;
		unsigned int got = 0;

		for (int i = 0; i < 2; i++) {
			c[i] = (struct cpu_reg){ fd, i, PER_CPU, 0, base };
			ck_assert_int_eq(pthread_create(&t[i], NULL, cpu_reg_fn,
							&c[i]), 0);
		}
		for (int i = 0; i < 2; i++) {
			pthread_join(t[i], NULL);
			ck_assert_msg(!c[i].err, "CPU %d: %s", i,
				      strerror(-c[i].err));
		}
		ck_assert(hwt_wait_pending(0, SOON_MS));
		while (got < 2 * PER_CPU) {
			ssize_t n = hwt_read_raw(fd, m + got, 64 * MSG_SIZE);

			if (n == -EAGAIN)
				break;
			ck_assert_msg(n > 0 && n % MSG_SIZE == 0, "read: %zd", n);
			got += (unsigned int)(n / MSG_SIZE);
		}
		ck_assert_uint_eq(got, 2 * PER_CPU);
		for (unsigned int i = 1; i < got; i++) {
			ck_assert_uint_eq(m[i].lost, 0);
			if (m[i].seq <= m[i - 1].seq && !inversions++)
				first = i;
		}
	}
	ck_assert_msg(!inversions, "round %u: %u of %u records out of seq order;"
		      " first: record %u seq %llu (CPU %llu) after seq %llu (CPU"
		      " %llu)", round, inversions, 2 * PER_CPU, first,
		      (unsigned long long)m[first].seq,
		      (unsigned long long)(m[first].cookie >> 32),
		      (unsigned long long)m[first - 1].seq,
		      (unsigned long long)(m[first - 1].cookie >> 32));
	free(m);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/*
 * Overflow: with a queue of 4 records, 10 events that fire while nobody
 * reads leave the first 4 queued and drop 6.  A reader that drains the
 * queue gets the 4, then a loss marker with lost == 6 (no later record
 * came to carry it), and the lost counter grew by 6.  The loss is
 * reported once: the next record says lost == 0, and its seq shows the
 * gap.
 */
START_TEST(queue_overflow_lost_exact)
{
	struct hwevent_counters c0, c1;
	struct hwevent_msg m[16];
	ssize_t n;
	int fd;

	hwt_set_queue_len(4);
	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	c0 = hwt_counters();
	fire_n(fd, 10);
	n = hwt_read_raw(fd, m, sizeof(m));
	ck_assert_msg(n == 5 * (ssize_t)MSG_SIZE, "read returned %zd bytes, "
		      "expected the 4 records the queue holds and a marker", n);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(m[i].cookie, (uint64_t)i + 1);
		ck_assert_uint_eq(m[i].lost, 0);
		ck_assert_uint_eq(m[i].flags, 0);
	}
	ck_assert_uint_eq(m[4].flags, HWEVENT_MSG_LOST);
	ck_assert_msg(m[4].lost == 6, "marker lost %llu, expected 6",
		      (unsigned long long)m[4].lost);
	ck_assert_uint_eq(m[4].type, HWEVENT_TYPE_QUEUE);
	ck_assert_uint_eq(m[4].seq, 0);
	ck_assert_uint_eq(m[4].id, 0);
	ck_assert_uint_ge(m[4].fired_ns, m[3].fired_ns);
	ck_assert_int_eq(hwt_read_raw(fd, m + 5, MSG_SIZE), -EAGAIN);
	c1 = hwt_counters();
	ck_assert_msg(c1.lost - c0.lost == 6, "lost counter +%" PRIu64
		      ", expected +6", c1.lost - c0.lost);
	hwt_assert_delta(&c0, 10, 10, 0, 0);

	hwt_reg_queue(fd, NS_PER_MS, 0, 11);
	ck_assert_uint_eq(hwt_read_msgs(fd, m + 5, 1, SOON_MS), 1);
	ck_assert_uint_eq(m[5].cookie, 11);
	ck_assert_uint_eq(m[5].lost, 0);
	ck_assert_uint_eq(m[5].flags, 0);
	/* The 6 dropped firings took seq numbers 5..10. */
	ck_assert_uint_eq(m[3].seq, m[0].seq + 3);
	ck_assert_uint_eq(m[5].seq, m[3].seq + 7);
	ck_assert_uint_eq(hwt_counters().lost - c0.lost, 6);
	hwt_assert_delta(&c0, 11, 11, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/*
 * queue_len is the queue's exact size: 8 holds 8 records.  A size the
 * queue could not have (not a power of 2) is refused, not rounded.
 */
START_TEST(queue_len_is_exact_power_of_2)
{
	static const uint64_t bad[] = { 3, 5, 1000, 65535 };
	struct hwevent_msg m[16];
	uint64_t v;
	int fd;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(module_param_write("queue_len", bad[i]),
				 -EINVAL);
		ck_assert_int_eq(module_param_read("queue_len", &v), 0);
		ck_assert_uint_eq(v, DEFAULT_QUEUE_LEN);
	}
	hwt_set_queue_len(8);
	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	fire_n(fd, 12);
	/* 8 records and the marker of the 4 dropped. */
	ck_assert_int_eq(hwt_read_raw(fd, m, sizeof(m)), 9 * MSG_SIZE);
	ck_assert_uint_eq(m[7].flags, 0);
	ck_assert_uint_eq(m[8].flags, HWEVENT_MSG_LOST);
	ck_assert_uint_eq(m[8].lost, 4);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A change of queue_len applies to files opened afterwards only. */
START_TEST(queue_len_applies_to_files_opened_after)
{
	struct hwevent_msg m[8];
	int a, b;

	a = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(a, 0);
	hwt_set_queue_len(2);
	b = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(b, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	fire_n(a, 6);
	fire_n(b, 6);
	ck_assert_int_eq(hwt_read_raw(a, m, sizeof(m)), 6 * MSG_SIZE);
	/* 2 records, then the marker of the 4 the queue dropped. */
	ck_assert_int_eq(hwt_read_raw(b, m, sizeof(m)), 3 * MSG_SIZE);
	ck_assert_uint_eq(m[2].flags, HWEVENT_MSG_LOST);
	ck_assert_uint_eq(m[2].lost, 4);
	close(a);
	close(b);
	hwt_assert_rest();
}
END_TEST

/* queue_len takes 2..65536 and refuses anything else, unchanged. */
START_TEST(queue_len_param_bounds)
{
	static const uint64_t bad[] = { 0, 1, 65537, 100000 };
	uint64_t v;

	ck_assert_int_eq(module_param_read("queue_len", &v), 0);
	ck_assert_uint_eq(v, DEFAULT_QUEUE_LEN);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = module_param_write("queue_len", bad[i]);

		ck_assert_msg(ret == -EINVAL, "queue_len=%" PRIu64 " returned %d"
			      " (%s), expected -EINVAL", bad[i], ret,
			      strerror(ret < 0 ? -ret : 0));
		ck_assert_int_eq(module_param_read("queue_len", &v), 0);
		ck_assert_uint_eq(v, DEFAULT_QUEUE_LEN);
	}
	hwt_set_queue_len(2);
	hwt_set_queue_len(65536);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
}
END_TEST

/* The largest queue works: a file opened with 65536 holds 100 records. */
START_TEST(queue_len_max_file_works)
{
	enum { N = 100 };
	struct hwevent_msg *m = calloc(N, sizeof(*m));
	int fd;

	ck_assert_ptr_nonnull(m);
	hwt_set_queue_len(65536);
	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	for (unsigned int i = 0; i < N; i++)
		hwt_reg_queue(fd, 1 + i * NS_PER_US, 0, i);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	ck_assert_int_eq(hwt_read_raw(fd, m, N * MSG_SIZE), N * MSG_SIZE);
	for (unsigned int i = 0; i < N; i++)
		ck_assert_uint_eq(m[i].lost, 0);
	free(m);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Drops are per file: a full queue on one file costs another nothing. */
START_TEST(queue_lost_is_per_file)
{
	struct hwevent_msg m[8];
	int a, b;

	hwt_set_queue_len(2);
	a = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(a, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	b = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(b, 0);
	fire_n(a, 5);
	fire_n(b, 1);
	ck_assert_int_eq(hwt_read_raw(b, m, sizeof(m)), MSG_SIZE);
	ck_assert_uint_eq(m[0].lost, 0);
	/*
	 * One record read leaves room: the next record queued carries the
	 * loss, so that no marker is needed.
	 */
	ck_assert_int_eq(hwt_read_raw(a, m, MSG_SIZE), MSG_SIZE);
	hwt_reg_queue(a, NS_PER_MS, 0, 6);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	ck_assert_int_eq(hwt_read_raw(a, m, sizeof(m)), 2 * MSG_SIZE);
	ck_assert_uint_eq(m[0].lost, 0);
	ck_assert_uint_eq(m[1].cookie, 6);
	ck_assert_uint_eq(m[1].lost, 3);
	ck_assert_uint_eq(m[1].flags, 0);
	ck_assert_int_eq(hwt_read_raw(a, m, sizeof(m)), -EAGAIN);
	close(a);
	close(b);
	hwt_assert_rest();
}
END_TEST

/* Only QUEUE registrations queue records; the others' firings on the same
 * file do not (though they take seq numbers). */
START_TEST(queue_only_queue_type_queues)
{
	struct hwevent_msg m[2], rm;
	int fd, efd;

	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	efd = hwt_eventfd();
	hwt_reg_eventfd(fd, efd, NS_PER_MS);
	ck_assert_int_eq(hwevent_wait_request(fd, NS_PER_MS, 1, &rm), 0);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	assert_queue_empty(fd);
	hwt_reg_queue(fd, NS_PER_MS, 0, 3);
	ck_assert_uint_eq(hwt_read_msgs(fd, m, 2, SOON_MS), 1);
	ck_assert_uint_eq(m[0].cookie, 3);
	ck_assert_uint_gt(m[0].seq, rm.seq);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Closing the file cancels its pending QUEUE registrations and discards
 * the records nobody read. */
START_TEST(queue_close_cancels_and_discards)
{
	struct hwevent_counters c0;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	fire_n(fd, 3);
	for (int i = 0; i < 4; i++)
		hwt_reg_queue(fd, 300 * NS_PER_MS, 0, 100 + (uint64_t)i);
	hwt_assert_delta(&c0, 7, 3, 0, 4);
	close(fd);
	hwt_assert_delta(&c0, 7, 3, 4, 0);
	hwt_sleep_ms(500);
	hwt_assert_delta(&c0, 7, 3, 4, 0);
	hwt_assert_rest();
}
END_TEST

/* A read into a bad buffer fails with EFAULT; the file goes on working. */
START_TEST(queue_read_bad_buffer_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_msg m;
	char *p;
	int fd;

	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	fire_n(fd, 1);
	ck_assert_int_eq(hwt_read_raw(fd, NULL, MSG_SIZE), -EFAULT);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	ck_assert(p != MAP_FAILED);
	hwt_reg_queue(fd, NS_PER_MS, 0, 2);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	ck_assert_int_eq(hwt_read_raw(fd, p, MSG_SIZE), -EFAULT);
	munmap(p, (size_t)pg);
	hwt_reg_queue(fd, NS_PER_MS, 0, 3);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	/* Whatever happened to the records of the failed reads, the last
	 * one is there. */
	for (;;) {
		ssize_t n = hwt_read_raw(fd, &m, sizeof(m));

		ck_assert_msg(n == (ssize_t)MSG_SIZE, "read: %zd", n);
		if (m.cookie == 3)
			break;
	}
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Block @sig and return the old mask. */
static sigset_t block(int sig)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, sig);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, &old), 0);
	return old;
}

static int wait_sig(int sig, int timeout_ms, siginfo_t *si)
{
	struct timespec ts = { timeout_ms / 1000,
			       (long)(timeout_ms % 1000) * 1000000L };
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, sig);
	do
		ret = sigtimedwait(&set, si, &ts);
	while (ret < 0 && errno == EINTR);
	return ret;
}

/* O_ASYNC with F_SETOWN: a queued record sends SIGIO to the owner. */
START_TEST(queue_sigio_with_o_async)
{
	const uint64_t due = 100 * NS_PER_MS;
	siginfo_t si;
	uint64_t t0;
	int fd;

	block(SIGIO);
	fd = hwt_open();
	ck_assert_int_eq(fcntl(fd, F_SETOWN, getpid()), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC), 0);
	t0 = now_ns();
	hwt_reg_queue(fd, due, 0, 1);
	ck_assert_msg(wait_sig(SIGIO, SOON_MS, &si) == SIGIO, "no SIGIO");
	ck_assert_msg(now_ns() - t0 >= due, "SIGIO before due");
	ck_assert(hwt_readable(fd, 0));
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* With F_SETSIG the signal carries the descriptor and POLL_IN. */
START_TEST(queue_sigio_setsig_siginfo)
{
	int sig = SIGRTMIN + 1;
	siginfo_t si;
	int fd;

	block(sig);
	fd = hwt_open();
	ck_assert_int_eq(fcntl(fd, F_SETOWN, getpid()), 0);
	ck_assert_int_eq(fcntl(fd, F_SETSIG, sig), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC), 0);
	hwt_reg_queue(fd, 20 * NS_PER_MS, 0, 1);
	memset(&si, 0, sizeof(si));
	ck_assert_msg(wait_sig(sig, SOON_MS, &si) == sig, "no signal");
	ck_assert_int_eq(si.si_code, POLL_IN);
	ck_assert_int_eq(si.si_fd, fd);
	ck_assert_msg(si.si_band & POLLIN, "si_band %#lx", si.si_band);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* No O_ASYNC, or O_ASYNC switched off again: no SIGIO. */
START_TEST(queue_no_sigio_without_o_async)
{
	siginfo_t si;
	sigset_t pend;
	int fd;

	block(SIGIO);
	fd = hwt_open();
	ck_assert_int_eq(fcntl(fd, F_SETOWN, getpid()), 0);
	fire_n(fd, 1);
	ck_assert(hwt_readable(fd, SOON_MS));
	ck_assert_int_eq(sigpending(&pend), 0);
	ck_assert_msg(!sigismember(&pend, SIGIO), "SIGIO without O_ASYNC");

	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_ASYNC), 0);
	fire_n(fd, 1);
	hwt_sleep_ms(50);
	ck_assert_msg(wait_sig(SIGIO, 0, &si) < 0, "SIGIO after O_ASYNC was "
		      "switched off");
	close(fd);
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(queue_register_returns_at_once, HWT_LOADED, 60),
	HWT_CASE(queue_record_after_due, HWT_LOADED, 60),
	HWT_CASE(queue_read_short_count_einval, HWT_LOADED, 60),
	HWT_CASE(queue_read_several_records, HWT_LOADED, 60),
	HWT_CASE(queue_read_rounds_down, HWT_LOADED, 60),
	HWT_CASE(queue_nonblock_empty_eagain, HWT_LOADED, 60),
	HWT_CASE(queue_blocking_read_woken_by_event, HWT_LOADED, 60),
	HWT_CASE(queue_blocking_read_eintr, HWT_LOADED, 60),
	HWT_CASE(queue_read_survives_sigstop_sigcont, HWT_LOADED, 60),
	HWT_CASE(queue_two_blocked_readers_each_get_one, HWT_LOADED, 60),
	HWT_CASE(queue_poll_wakes_on_event, HWT_LOADED, 60),
	HWT_CASE(queue_epoll, HWT_LOADED, 60),
	HWT_CASE(queue_records_in_seq_order, HWT_LOADED, 60),
	HWT_CASE(queue_seq_order_across_cpus, HWT_LOADED, 60),
	HWT_CASE(queue_overflow_lost_exact, HWT_LOADED, 60),
	HWT_CASE(queue_len_is_exact_power_of_2, HWT_LOADED, 60),
	HWT_CASE(queue_len_applies_to_files_opened_after, HWT_LOADED, 60),
	HWT_CASE(queue_len_param_bounds, HWT_LOADED, 60),
	HWT_CASE(queue_len_max_file_works, HWT_LOADED, 60),
	HWT_CASE(queue_lost_is_per_file, HWT_LOADED, 60),
	HWT_CASE(queue_only_queue_type_queues, HWT_LOADED, 60),
	HWT_CASE(queue_close_cancels_and_discards, HWT_LOADED, 60),
	HWT_CASE(queue_read_bad_buffer_efault, HWT_LOADED, 60),
	HWT_CASE(queue_sigio_with_o_async, HWT_LOADED, 60),
	HWT_CASE(queue_sigio_setsig_siginfo, HWT_LOADED, 60),
	HWT_CASE(queue_no_sigio_without_o_async, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_queue = HWT_SUITE("queue", cases);
