// SPDX-License-Identifier: GPL-2.0
/*
 * The per-file limit of pending registrations, module parameter
 * max_pending: default 1024, 1..1000000, writable by root at run time.
 * (Every test starts with it reset to the default by the fixture.)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "hwtest.h"
#include "libhwevent-uring.h"

#define PARAM_PATH HWEVENT_PARAMS_DIR "/max_pending"

static uint64_t max_pending(void)
{
	uint64_t v = 0;
	int ret = module_param_read("max_pending", &v);

	ck_assert_msg(ret == 0, "reading max_pending: %s", strerror(-ret));
	return v;
}

static void set_max_pending(uint64_t v)
{
	int ret = module_param_write("max_pending", v);

	ck_assert_msg(ret == 0, "writing max_pending=%" PRIu64 ": %s", v,
		      strerror(-ret));
	ck_assert_uint_eq(max_pending(), v);
}

/* Write @s as is to the parameter file; 0 or -errno. */
static int write_raw(const char *s)
{
	int fd = open(PARAM_PATH, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	ck_assert_msg(fd >= 0, "open %s: %s", PARAM_PATH, strerror(errno));
	n = write(fd, s, strlen(s));
	if (n < 0)
		ret = -errno;
	else
		ck_assert_msg((size_t)n == strlen(s), "short write");
	close(fd);
	return ret;
}

START_TEST(max_pending_default_1024)
{
	ck_assert_uint_eq(max_pending(), DEFAULT_MAX_PENDING);
}
END_TEST

START_TEST(max_pending_accepts_1_to_1000000)
{
	set_max_pending(1);
	set_max_pending(1000000);
	set_max_pending(5);
	ck_assert_int_eq(write_raw("17\n"), 0);
	ck_assert_uint_eq(max_pending(), 17);
	set_max_pending(DEFAULT_MAX_PENDING);
}
END_TEST

START_TEST(max_pending_zero_einval)
{
	ck_assert_int_eq(module_param_write("max_pending", 0), -EINVAL);
	ck_assert_uint_eq(max_pending(), DEFAULT_MAX_PENDING);
}
END_TEST

START_TEST(max_pending_above_limit_einval)
{
	static const uint64_t huge[] = { 1ULL << 32, UINT64_MAX };

	ck_assert_int_eq(module_param_write("max_pending", 1000001), -EINVAL);
	ck_assert_int_eq(module_param_write("max_pending", 4000000000ULL),
			 -EINVAL);
	ck_assert_uint_eq(max_pending(), DEFAULT_MAX_PENDING);
	/* Too big for the parameter's type: the kernel's parser may say so
	 * (ERANGE) before the range check. */
	for (size_t i = 0; i < 2; i++) {
		int ret = module_param_write("max_pending", huge[i]);

		ck_assert_msg(ret == -EINVAL || ret == -ERANGE, "writing %" PRIu64
			      " returned %d", huge[i], ret);
		ck_assert_uint_eq(max_pending(), DEFAULT_MAX_PENDING);
	}
}
END_TEST

START_TEST(max_pending_junk_einval)
{
	static const char *const junk[] = { "abc", "-1", "5x", "\n", "1.5",
					    " ", "0\n", "-0" };

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		int ret = write_raw(junk[i]);

		ck_assert_msg(ret == -EINVAL, "writing '%s' returned %d (%s), "
			      "expected -EINVAL", junk[i], ret,
			      strerror(ret < 0 ? -ret : 0));
		ck_assert_uint_eq(max_pending(), DEFAULT_MAX_PENDING);
	}
}
END_TEST

/* Register @n long-due EVENTFD notifications on @fd (asserts). */
static void fill(int fd, int efd, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int ret = hwevent_register_eventfd(fd, efd, LONG_DUE_NS, i, NULL);

		ck_assert_msg(ret == 0, "registration %u of %u: %s", i + 1, n,
			      strerror(-ret));
	}
}

/* At the limit the next registration fails with ENOSPC (REQUEST too, at
 * once); another file is unaffected. */
START_TEST(limit_enospc_per_file)
{
	struct hwevent_counters c0;
	struct hwevent_msg m;
	uint64_t t0;
	int a, b, efd;

	set_max_pending(8);
	a = hwt_open();
	b = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	fill(a, efd, 8);
	ck_assert_int_eq(hwevent_register_eventfd(a, efd, NS_PER_MS, 0, NULL),
			 -ENOSPC);
	t0 = now_ns();
	ck_assert_int_eq(hwevent_wait_request(a, NS_PER_MS, 0, &m), -ENOSPC);
	ck_assert(now_ns() - t0 < 5 * NS_PER_SEC);
	hwt_assert_delta(&c0, 8, 0, 0, 8);
	fill(b, efd, 8);
	ck_assert_int_eq(hwevent_register_eventfd(b, efd, NS_PER_MS, 0, NULL),
			 -ENOSPC);
	hwt_assert_delta(&c0, 16, 0, 0, 16);
	close(a);
	hwt_assert_delta(&c0, 16, 0, 8, 8);
	close(b);
	hwt_assert_delta(&c0, 16, 0, 16, 0);
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* The default limit holds: 1024 pending on one file, not 1025. */
START_TEST(limit_default_enforced)
{
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	fill(fd, efd, DEFAULT_MAX_PENDING);
	ck_assert_int_eq(hwevent_register_eventfd(fd, efd, NS_PER_MS, 0, NULL),
			 -ENOSPC);
	hwt_assert_delta(&c0, DEFAULT_MAX_PENDING, 0, 0, DEFAULT_MAX_PENDING);
	close(fd);
	hwt_assert_delta(&c0, DEFAULT_MAX_PENDING, 0, DEFAULT_MAX_PENDING, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/*
 * Registrations that fired no longer count against the limit: as soon as
 * the eventfd shows that all fired, the file has room again.  (A fired
 * registration is no longer pending; the limit is on pending ones.)
 */
START_TEST(limit_room_after_fire)
{
	struct hwevent_counters c0;
	int fd, efd, ret;

	set_max_pending(4);
	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < 4; i++)
		hwt_reg_eventfd(fd, efd, 100 * NS_PER_MS);
	ck_assert_int_eq(hwevent_register_eventfd(fd, efd, NS_PER_MS, 0, NULL),
			 -ENOSPC);
	ck_assert_uint_eq(hwt_efd_collect(efd, 4, SOON_MS), 4);
	hwt_assert_delta(&c0, 4, 4, 0, 0);
	for (int i = 0; i < 4; i++) {
		ret = hwevent_register_eventfd(fd, efd, LONG_DUE_NS, 0, NULL);
		ck_assert_msg(ret == 0, "registration %d after all 4 fired: %s",
			      i + 1, strerror(-ret));
	}
	ck_assert_int_eq(hwevent_register_eventfd(fd, efd, NS_PER_MS, 0, NULL),
			 -ENOSPC);
	close(fd);
	hwt_assert_delta(&c0, 8, 4, 4, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Same, but allowing the driver a moment to free fired registrations. */
START_TEST(limit_room_after_fire_eventually)
{
	struct hwevent_counters c0;
	uint64_t deadline;
	int fd, efd, ret;

	set_max_pending(2);
	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, 50 * NS_PER_MS);
	hwt_reg_eventfd(fd, efd, 50 * NS_PER_MS);
	ck_assert_uint_eq(hwt_efd_collect(efd, 2, SOON_MS), 2);
	deadline = now_ns() + 5 * NS_PER_SEC;
	do {
		ret = hwevent_register_eventfd(fd, efd, LONG_DUE_NS, 0, NULL);
		if (ret == -ENOSPC)
			hwt_sleep_ms(10);
	} while (ret == -ENOSPC && now_ns() < deadline);
	ck_assert_msg(ret == 0, "no room 5 s after both fired: %s",
		      strerror(-ret));
	close(fd);
	hwt_assert_delta(&c0, 3, 2, 1, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/*
 * One EVENTFD registration at a time, each waited for, many times the
 * limit over: fired registrations must not pile up against the limit.
 * (Each registration gets up to a second of retries, so this fails only if
 * fired registrations are never freed, not if freeing them lags.)
 */
START_TEST(limit_fired_do_not_accumulate)
{
	enum { LIMIT = 8, ROUNDS = 20 * LIMIT };
	struct hwevent_counters c0;
	unsigned int retries = 0;
	int fd, efd, ret;

	set_max_pending(LIMIT);
	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t deadline = now_ns() + NS_PER_SEC;

		for (;;) {
			ret = hwevent_register_eventfd(fd, efd, NS_PER_US, i,
						       NULL);
			if (ret != -ENOSPC || now_ns() >= deadline)
				break;
			retries++;
			hwt_sleep_ms(1);
		}
		ck_assert_msg(ret == 0, "registration %d (one pending at a time, "
			      "max_pending %d): %s for 1 s", i + 1, LIMIT,
			      strerror(-ret));
		ck_assert_msg(hwt_efd_wait(efd, SOON_MS) == 1,
			      "registration %d did not fire", i + 1);
	}
	if (retries)
		hwt_diag("%u ENOSPC retries for %d sequential registrations",
			 retries, ROUNDS);
	hwt_assert_delta(&c0, ROUNDS, ROUNDS, 0, 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

struct req_arg {
	int fd;
	int ret;
};

static void *req_fn(void *arg)
{
	struct req_arg *a = arg;
	struct hwevent_msg m;

	a->ret = hwevent_wait_request(a->fd, 2 * NS_PER_SEC, 1, &m);
	return NULL;
}

/* A waiting REQUEST counts against the limit like any registration. */
START_TEST(limit_counts_waiting_request)
{
	struct hwevent_counters c0;
	struct req_arg a;
	pthread_t t;
	int efd, ret;

	set_max_pending(1);
	a.fd = hwt_open();
	a.ret = 1;
	efd = hwt_eventfd();
	c0 = hwt_counters();
	ck_assert_int_eq(pthread_create(&t, NULL, req_fn, &a), 0);
	ck_assert(hwt_wait_pending(1, SOON_MS));
	ret = hwevent_register_eventfd(a.fd, efd, LONG_DUE_NS, 0, NULL);
	pthread_join(t, NULL);
	ck_assert_msg(ret == -ENOSPC, "eventfd registration beside a waiting "
		      "request at max_pending=1 returned %d (%s)", ret,
		      strerror(-ret));
	ck_assert_int_eq(a.ret, 0);
	/* The request is over: room again. */
	hwt_reg_eventfd(a.fd, efd, LONG_DUE_NS);
	close(a.fd);
	hwt_assert_delta(&c0, 2, 1, 1, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Lowering the limit below what a file holds keeps those registrations
 * (they still fire) but refuses new ones until it is under the limit. */
START_TEST(limit_lowered_below_pending)
{
	struct hwevent_counters c0;
	int fd, efd, ret;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < 6; i++)
		hwt_reg_eventfd(fd, efd, NS_PER_SEC);
	set_max_pending(4);
	ck_assert_int_eq(hwevent_register_eventfd(fd, efd, NS_PER_MS, 0, NULL),
			 -ENOSPC);
	ck_assert_uint_eq(hwt_efd_collect(efd, 6, SOON_MS), 6);
	hwt_assert_delta(&c0, 6, 6, 0, 0);
	/* Allow the driver a moment to free what fired. */
	for (int i = 0; i < 500; i++) {
		ret = hwevent_register_eventfd(fd, efd, LONG_DUE_NS, 0, NULL);
		if (ret != -ENOSPC)
			break;
		hwt_sleep_ms(10);
	}
	ck_assert_msg(ret == 0, "no room after all fired: %s", strerror(-ret));
	close(fd);
	hwt_assert_delta(&c0, 7, 6, 1, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/*
 * HWEVENT_IOC_WAIT requests count against max_pending too, per file: with
 * the limit at 8, one periodic registration takes 8 io_uring WAITs and
 * the 9th fails with ENOSPC, without touching the others; once they are
 * gone there is room again.  Nothing else bounds the requests one
 * registration can collect.
 */
START_TEST(limit_waits_per_file)
{
	enum { LIMIT = 8 };
	struct hwevent_wait w[LIMIT + 1];
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	uint64_t ud;
	int fd, res;

	set_max_pending(LIMIT);
	fd = hwt_open();
	hwt_ring_init(&ring, 16);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 1, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	for (int i = 0; i <= LIMIT; i++) {
		struct io_uring_sqe *sqe = hwt_sqe(&ring);

		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = r.id;
		hwevent_uring_prep_wait(sqe, fd, &w[i]);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		hwt_ring_submit(&ring, 1);
	}
	ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, &ud));
	ck_assert_msg(res == -ENOSPC && ud == LIMIT, "CQE %" PRIu64 ": %d (%s),"
		      " expected the WAIT beyond the limit to fail with ENOSPC",
		      ud, res, strerror(res < 0 ? -res : 0));
	/* A synchronous WAIT is refused as well. */
	ck_assert_int_eq(hwevent_wait(fd, r.id, NULL), -ENOSPC);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	for (int i = 0; i < LIMIT; i++) {
		ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, &ud));
		ck_assert_int_eq(res, -ECANCELED);
	}
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 2, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	memset(&w[0], 0, sizeof(w[0]));
	w[0].id = r.id;
	hwevent_uring_prep_wait(hwt_sqe(&ring), fd, &w[0]);
	hwt_ring_submit(&ring, 1);
	ck_assert(hwt_ring_wait(&ring, 200, &res, &ud) == false);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, &ud));
	ck_assert_int_eq(res, -ECANCELED);
	hwt_assert_delta_rcp(&c0, 2, 2, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(max_pending_default_1024, HWT_LOADED, 30),
	HWT_CASE(max_pending_accepts_1_to_1000000, HWT_LOADED, 30),
	HWT_CASE(max_pending_zero_einval, HWT_LOADED, 30),
	HWT_CASE(max_pending_above_limit_einval, HWT_LOADED, 30),
	HWT_CASE(max_pending_junk_einval, HWT_LOADED, 30),
	HWT_CASE(limit_enospc_per_file, HWT_LOADED, 60),
	HWT_CASE(limit_default_enforced, HWT_LOADED, 120),
	HWT_CASE(limit_room_after_fire, HWT_LOADED, 60),
	HWT_CASE(limit_room_after_fire_eventually, HWT_LOADED, 60),
	HWT_CASE(limit_fired_do_not_accumulate, HWT_LOADED, 120),
	HWT_CASE(limit_counts_waiting_request, HWT_LOADED, 60),
	HWT_CASE(limit_lowered_below_pending, HWT_LOADED, 60),
	HWT_CASE(limit_waits_per_file, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_limit = HWT_SUITE("limit", cases);
