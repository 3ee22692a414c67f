// SPDX-License-Identifier: GPL-2.0
/* Registrations that succeed: EVENTFD and REQUEST, ids, messages, seq. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwtest.h"

/* The eventfd is signalled once, never before the due time. */
START_TEST(eventfd_fires_after_due)
{
	const uint64_t due = 50 * NS_PER_MS;
	struct hwevent_counters c0;
	uint64_t t0, t1, id, v;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	t0 = now_ns();
	id = hwt_reg_eventfd(fd, efd, due);
	ck_assert_uint_eq(id, 1);
	v = hwt_efd_wait(efd, SOON_MS);
	t1 = now_ns();
	ck_assert_msg(v == 1, "eventfd value %" PRIu64 ", expected 1", v);
	ck_assert_msg(t1 - t0 >= due, "signalled after %" PRIu64 " ns, before "
		      "the due time of %" PRIu64 " ns", t1 - t0, due);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	/* Once only. */
	hwt_sleep_ms(100);
	ck_assert(!hwt_efd_ready(efd));
	close(fd);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Ids count from 1 on each open file, independently. */
START_TEST(eventfd_ids_per_file_from_1)
{
	struct hwevent_counters c0;
	int a, b, efd;

	a = hwt_open();
	b = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	ck_assert_uint_eq(hwt_reg_eventfd(a, efd, LONG_DUE_NS), 1);
	ck_assert_uint_eq(hwt_reg_eventfd(a, efd, LONG_DUE_NS), 2);
	ck_assert_uint_eq(hwt_reg_eventfd(b, efd, LONG_DUE_NS), 1);
	ck_assert_uint_eq(hwt_reg_eventfd(a, efd, LONG_DUE_NS), 3);
	ck_assert_uint_eq(hwt_reg_eventfd(b, efd, LONG_DUE_NS), 2);
	hwt_assert_delta(&c0, 5, 0, 0, 5);
	close(a);
	close(b);
	hwt_assert_delta(&c0, 5, 0, 5, 0);
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* EVENTFD returns at once with the id set and the message zeroed. */
START_TEST(eventfd_returns_id_and_zeroed_msg)
{
	static const struct hwevent_msg zero;
	struct hwevent_register r;
	uint64_t t0;
	int fd, efd, ret;

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_reg_eventfd_arg(&r, efd, LONG_DUE_NS, 42);
	memset(&r.id, 0xa5, sizeof(r.id));
	memset(&r.msg, 0xa5, sizeof(r.msg));
	t0 = now_ns();
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "register: %s", strerror(-ret));
	ck_assert_msg(now_ns() - t0 < 5 * NS_PER_SEC,
		      "EVENTFD registration blocked");
	ck_assert_uint_eq(r.id, 1);
	ck_assert_msg(!memcmp(&r.msg, &zero, sizeof(zero)),
		      "msg not zeroed: cookie %llx seq %llx", (unsigned long long)
		      r.msg.cookie, (unsigned long long)r.msg.seq);
	/* The inputs are left alone. */
	ck_assert_uint_eq(r.type, HWEVENT_TYPE_EVENTFD);
	ck_assert_uint_eq(r.due_ns, LONG_DUE_NS);
	ck_assert_uint_eq(r.cookie, 42);
	ck_assert_int_eq(r.eventfd, efd);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Several registrations on one eventfd add up on its counter. */
START_TEST(eventfd_many_on_one_eventfd)
{
	struct hwevent_counters c0;
	uint64_t sum;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 1; i <= 10; i++)
		ck_assert_uint_eq(hwt_reg_eventfd(fd, efd, (uint64_t)i * NS_PER_MS),
				  (uint64_t)i);
	sum = hwt_efd_collect(efd, 10, SOON_MS);
	ck_assert_uint_eq(sum, 10);
	hwt_assert_delta(&c0, 10, 10, 0, 0);
	hwt_sleep_ms(50);
	ck_assert(!hwt_efd_ready(efd));
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

START_TEST(eventfd_min_due_fires)
{
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, HWEVENT_DUE_MIN_NS);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Exactly the maximum due time is accepted (and cancelled by close). */
START_TEST(eventfd_max_due_accepted)
{
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, HWEVENT_DUE_MAX_NS);
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* The driver holds its own reference to the eventfd: closing the
 * caller's descriptor does not stop the notification. */
START_TEST(eventfd_driver_holds_reference)
{
	struct hwevent_counters c0;
	int fd, efd, efd2;

	fd = hwt_open();
	efd = hwt_eventfd();
	efd2 = dup(efd);
	ck_assert_int_ge(efd2, 0);
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, 100 * NS_PER_MS);
	close(efd);
	ck_assert_uint_eq(hwt_efd_wait(efd2, SOON_MS), 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);

	/* And with no descriptor of it left at all. */
	hwt_reg_eventfd(fd, efd2, 100 * NS_PER_MS);
	close(efd2);
	ck_assert_msg(hwt_wait_pending(0, SOON_MS),
		      "registration on a closed eventfd never fired");
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	close(fd);
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	hwt_assert_rest();
}
END_TEST

static void check_msg(const struct hwevent_msg *m, uint64_t cookie,
		      uint64_t id, uint64_t t0, uint64_t t1, uint64_t due)
{
	ck_assert_uint_eq(m->cookie, cookie);
	ck_assert_uint_eq(m->id, id);
	ck_assert_uint_eq(m->type, HWEVENT_TYPE_REQUEST);
	ck_assert_uint_eq(m->flags, 0);
	/* A single event: nothing before it was lost. */
	ck_assert_uint_eq(m->lost, 0);
	ck_assert_uint_eq(m->reserved, 0);
	ck_assert_uint_ne(m->seq, 0);
	ck_assert_msg(m->fired_ns >= t0 + due, "fired_ns %" PRIu64 " is less "
		      "than due %" PRIu64 " after the call at %" PRIu64,
		      (uint64_t)m->fired_ns, due, t0);
	ck_assert_msg(m->fired_ns <= t1, "fired_ns %" PRIu64 " is after the "
		      "call returned at %" PRIu64, (uint64_t)m->fired_ns, t1);
}

/* REQUEST blocks until due and returns the message. */
START_TEST(request_returns_msg_after_due)
{
	const uint64_t due = 50 * NS_PER_MS;
	const uint64_t cookie = 0xdeadbeefcafef00dULL;
	struct hwevent_counters c0;
	struct hwevent_register r;
	uint64_t t0, t1;
	int fd, ret;

	fd = hwt_open();
	c0 = hwt_counters();
	memset(&r, 0, sizeof(r));
	r.type = HWEVENT_TYPE_REQUEST;
	r.due_ns = due;
	r.cookie = cookie;
	memset(&r.msg, 0xa5, sizeof(r.msg));
	t0 = now_ns();
	ret = hwevent_register(fd, &r);
	t1 = now_ns();
	ck_assert_msg(ret == 0, "request: %s", strerror(-ret));
	ck_assert_msg(t1 - t0 >= due, "returned after %" PRIu64 " ns, before "
		      "the due time", t1 - t0);
	ck_assert_uint_eq(r.id, 1);
	check_msg(&r.msg, cookie, 1, t0, t1, due);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	hwt_assert_rest();
}
END_TEST

START_TEST(request_min_due_fires)
{
	struct hwevent_counters c0;
	struct hwevent_msg m;
	uint64_t t0, t1;
	int fd, ret;

	fd = hwt_open();
	c0 = hwt_counters();
	t0 = now_ns();
	ret = hwevent_wait_request(fd, HWEVENT_DUE_MIN_NS, 7, &m);
	t1 = now_ns();
	ck_assert_msg(ret == 0, "request: %s", strerror(-ret));
	check_msg(&m, 7, 1, t0, t1, HWEVENT_DUE_MIN_NS);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Requests on one file get ids 1, 2, 3... and strictly increasing seq. */
START_TEST(request_ids_and_seq_increase)
{
	struct hwevent_msg m;
	uint64_t last_seq = 0;
	int fd, ret;

	fd = hwt_open();
	for (uint64_t i = 1; i <= 5; i++) {
		uint64_t t0 = now_ns(), t1;

		ret = hwevent_wait_request(fd, NS_PER_MS, 100 + i, &m);
		t1 = now_ns();
		ck_assert_msg(ret == 0, "request %" PRIu64 ": %s", i,
			      strerror(-ret));
		check_msg(&m, 100 + i, i, t0, t1, NS_PER_MS);
		ck_assert_msg(m.seq > last_seq, "seq %" PRIu64 " after %" PRIu64,
			      (uint64_t)m.seq, last_seq);
		last_seq = m.seq;
	}
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Every firing of the device takes a seq number, whatever its type and
 * file: one EVENTFD firing between two requests leaves a gap of one. */
START_TEST(seq_counts_firings_of_all_types)
{
	struct hwevent_msg m1, m2, m3;
	int a, b, efd;

	a = hwt_open();
	b = hwt_open();
	efd = hwt_eventfd();
	ck_assert_int_eq(hwevent_wait_request(a, NS_PER_MS, 1, &m1), 0);
	hwt_reg_eventfd(b, efd, NS_PER_MS);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	ck_assert_int_eq(hwevent_wait_request(a, NS_PER_MS, 2, &m2), 0);
	ck_assert_msg(m2.seq == m1.seq + 2, "seq %" PRIu64 " then %" PRIu64
		      " with one eventfd firing in between", (uint64_t)m1.seq,
		      (uint64_t)m2.seq);
	/* A request on another file also takes one. */
	ck_assert_int_eq(hwevent_wait_request(b, NS_PER_MS, 3, &m3), 0);
	ck_assert_uint_eq(m3.seq, m2.seq + 1);
	close(a);
	close(b);
	close(efd);
	hwt_assert_rest();
}
END_TEST

#define REQ_THREADS 4
#define REQ_PER_THREAD 3

struct req_thread {
	int fd;
	int index;
	int err;		/* -errno of the first failure */
	int bad;		/* a message did not match */
	uint64_t ids[REQ_PER_THREAD];
};

static void *req_thread_fn(void *arg)
{
	struct req_thread *t = arg;

	for (int i = 0; i < REQ_PER_THREAD; i++) {
		uint64_t cookie = (uint64_t)t->index << 32 | (uint64_t)i;
		uint64_t due = (uint64_t)(10 + 10 * ((t->index + i) % 4)) * NS_PER_MS;
		uint64_t t0 = now_ns();
		struct hwevent_msg m;
		int ret = hwevent_wait_request(t->fd, due, cookie, &m);

		if (ret) {
			t->err = ret;
			return NULL;
		}
		if (m.cookie != cookie || m.type != HWEVENT_TYPE_REQUEST ||
		    m.fired_ns < t0 + due || !m.id)
			t->bad = 1;
		t->ids[i] = m.id;
	}
	return NULL;
}

/* Several threads block in requests on the same file at once; each gets
 * its own event back. */
START_TEST(request_concurrent_threads_one_file)
{
	struct req_thread t[REQ_THREADS];
	pthread_t th[REQ_THREADS];
	struct hwevent_counters c0;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	memset(t, 0, sizeof(t));
	for (int i = 0; i < REQ_THREADS; i++) {
		t[i].fd = fd;
		t[i].index = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, req_thread_fn,
						&t[i]), 0);
	}
	for (int i = 0; i < REQ_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < REQ_THREADS; i++) {
		ck_assert_msg(t[i].err == 0, "thread %d: %s", i,
			      strerror(-t[i].err));
		ck_assert_msg(!t[i].bad, "thread %d got a wrong message", i);
	}
	/* Ids are unique within the file. */
	for (int i = 0; i < REQ_THREADS * REQ_PER_THREAD; i++)
		for (int j = i + 1; j < REQ_THREADS * REQ_PER_THREAD; j++)
			ck_assert_uint_ne(t[i / REQ_PER_THREAD].ids[i % REQ_PER_THREAD],
					  t[j / REQ_PER_THREAD].ids[j % REQ_PER_THREAD]);
	hwt_assert_delta(&c0, REQ_THREADS * REQ_PER_THREAD,
			 REQ_THREADS * REQ_PER_THREAD, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Open files are independent: closing one cancels only its own. */
START_TEST(files_are_independent)
{
	struct hwevent_counters c0;
	int a, b, ea, eb;

	a = hwt_open();
	b = hwt_open();
	ea = hwt_eventfd();
	eb = hwt_eventfd();
	c0 = hwt_counters();
	/* Due late enough that b is still pending when the counters are
	 * read: on the 6.12 debug kernel close() and the read took 1 s. */
	hwt_reg_eventfd(a, ea, 3 * NS_PER_SEC);
	hwt_reg_eventfd(b, eb, 3 * NS_PER_SEC);
	close(a);
	hwt_assert_delta(&c0, 2, 0, 1, 1);
	ck_assert_uint_eq(hwt_efd_wait(eb, SOON_MS), 1);
	hwt_assert_delta(&c0, 2, 1, 1, 0);
	ck_assert(!hwt_efd_ready(ea));
	close(b);
	close(ea);
	close(eb);
	hwt_assert_rest();
}
END_TEST

/* Many files open at once, each with a registration. */
START_TEST(many_open_files)
{
	enum { N = 64 };
	struct hwevent_counters c0;
	int fds[N], efd;

	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < N; i++) {
		fds[i] = hwt_open();
		ck_assert_uint_eq(hwt_reg_eventfd(fds[i], efd,
				  (i % 2) ? NS_PER_MS : LONG_DUE_NS), 1);
	}
	ck_assert_uint_eq(hwt_efd_collect(efd, N / 2, SOON_MS), N / 2);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	hwt_assert_delta(&c0, N, N / 2, N / 2, 0);
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* The counters are five read-only decimal files. */
START_TEST(counters_are_read_only_files)
{
	static const char *const names[] = { "registered", "fired",
					     "cancelled", "pending", "lost" };
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", HWEVENT_COUNTERS_DIR,
			 names[i]);
		ck_assert_msg(stat(path, &st) == 0, "%s: %s", path,
			      strerror(errno));
		ck_assert_msg((st.st_mode & 0222) == 0, "%s is writable (%o)",
			      path, st.st_mode & 0777);
		fd = open(path, O_WRONLY);
		ck_assert_msg(fd < 0, "%s could be opened for writing", path);
	}
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(eventfd_fires_after_due, HWT_LOADED, 60),
	HWT_CASE(eventfd_ids_per_file_from_1, HWT_LOADED, 60),
	HWT_CASE(eventfd_returns_id_and_zeroed_msg, HWT_LOADED, 60),
	HWT_CASE(eventfd_many_on_one_eventfd, HWT_LOADED, 60),
	HWT_CASE(eventfd_min_due_fires, HWT_LOADED, 60),
	HWT_CASE(eventfd_max_due_accepted, HWT_LOADED, 60),
	HWT_CASE(eventfd_driver_holds_reference, HWT_LOADED, 60),
	HWT_CASE(request_returns_msg_after_due, HWT_LOADED, 60),
	HWT_CASE(request_min_due_fires, HWT_LOADED, 60),
	HWT_CASE(request_ids_and_seq_increase, HWT_LOADED, 60),
	HWT_CASE(seq_counts_firings_of_all_types, HWT_LOADED, 60),
	HWT_CASE(request_concurrent_threads_one_file, HWT_LOADED, 60),
	HWT_CASE(files_are_independent, HWT_LOADED, 60),
	HWT_CASE(many_open_files, HWT_LOADED, 60),
	HWT_CASE(counters_are_read_only_files, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_register = HWT_SUITE("register", cases);
