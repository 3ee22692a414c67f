// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: HWEVENT_IOC_REGISTER and HWEVENT_IOC_WAIT submitted as
 * IORING_OP_URING_CMD (lib/libhwevent-uring.h), the analog of an
 * overlapped DeviceIoControl.  The CQE's res is what the ioctl would
 * return; a REQUEST completes when its event fires, with the message
 * written into the caller's structure first; EVENTFD and QUEUE complete
 * at once.  io_uring holds the device file while a command is in flight,
 * so closing the descriptor changes nothing; the exit of the submitting
 * process fails its commands with ECANCELED so that it goes at once.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"
#include "libhwevent-uring.h"

/* Submit @r as an io_uring REGISTER with @user_data. */
static void submit_register(struct io_uring *ring, int fd,
			    struct hwevent_register *r, uint64_t user_data)
{
	struct io_uring_sqe *sqe = hwt_sqe(ring);

	hwevent_uring_prep_register(sqe, fd, r);
	io_uring_sqe_set_data64(sqe, user_data);
	hwt_ring_submit(ring, 1);
}

/* No CQE is ready. */
static void assert_no_cqe(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;

	ck_assert_msg(io_uring_peek_cqe(ring, &cqe) == -EAGAIN,
		      "unexpected CQE: res %d user_data %llu", cqe->res,
		      (unsigned long long)cqe->user_data);
}

/* Wait for one CQE and assert its res and user_data. */
static void expect_cqe(struct io_uring *ring, int res, uint64_t user_data)
{
	uint64_t ud;
	int got;

	ck_assert_msg(hwt_ring_wait(ring, SOON_MS, &got, &ud), "no CQE in %d ms",
		      SOON_MS);
	ck_assert_msg(got == res, "CQE res %d (%s), expected %d (%s)", got,
		      strerror(got < 0 ? -got : 0), res,
		      strerror(res < 0 ? -res : 0));
	ck_assert_uint_eq(ud, user_data);
}

/* One REQUEST: the CQE comes after due, res 0, the message in place. */
START_TEST(uring_request_completes_with_msg)
{
	const uint64_t due = 50 * NS_PER_MS, cookie = 0xfeedfacecafebeefULL;
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	uint64_t t0, t1;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, due, 0, cookie, 0);
	memset(&r.msg, 0xa5, sizeof(r.msg));
	t0 = now_ns();
	submit_register(&ring, fd, &r, 7);
	expect_cqe(&ring, 0, 7);
	t1 = now_ns();
	ck_assert_msg(t1 - t0 >= due, "CQE %" PRIu64 " ns after submission, "
		      "before due", t1 - t0);
	ck_assert_uint_eq(r.id, 1);
	ck_assert_uint_eq(r.msg.cookie, cookie);
	ck_assert_uint_eq(r.msg.id, 1);
	ck_assert_uint_eq(r.msg.type, HWEVENT_TYPE_REQUEST);
	ck_assert_uint_ne(r.msg.seq, 0);
	ck_assert_uint_eq(r.msg.lost, 0);
	hwt_assert_msg_clean(&r.msg);
	ck_assert_msg(r.msg.fired_ns >= t0 + due && r.msg.fired_ns <= t1,
		      "fired_ns %+" PRId64 " ns from submission",
		      (int64_t)(r.msg.fired_ns - t0));
	/* The input fields are left alone. */
	ck_assert_uint_eq(r.due_ns, due);
	ck_assert_uint_eq(r.cookie, cookie);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* One REQUEST on a ring set up with @flags completes normally. */
static void one_request(unsigned int flags)
{
	const uint64_t due = 50 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	uint64_t t0;
	int fd, ret;

	fd = hwt_open();
	ret = io_uring_queue_init(4, &ring, flags);
	ck_assert_msg(ret == 0, "io_uring_queue_init(flags %#x): %s", flags,
		      strerror(-ret));
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, due, 0, 6, 0);
	t0 = now_ns();
	submit_register(&ring, fd, &r, 6);
	expect_cqe(&ring, 0, 6);
	ck_assert_uint_eq(r.id, 1);
	ck_assert_uint_eq(r.msg.cookie, 6);
	ck_assert_uint_eq(r.msg.id, 1);
	ck_assert_uint_ge(r.msg.fired_ns, t0 + due);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}

START_TEST(uring_defer_taskrun_request_completes)
{
	one_request(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
}
END_TEST

START_TEST(uring_sqpoll_request_completes)
{
	one_request(IORING_SETUP_SQPOLL);
}
END_TEST

/*
 * IOSQE_ASYNC: io_uring issues the command from one of its worker threads
 * instead of the submitter.  The eventfd is still the submitter's (the
 * worker shares its descriptor table) and the REQUEST still completes
 * with its message.
 */
START_TEST(uring_iosqe_async_works)
{
	struct hwevent_counters c0;
	struct hwevent_register re, rr;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd, efd, res[2] = { 1, 1 };

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&re, HWEVENT_TYPE_EVENTFD, 20 * NS_PER_MS, 0, 1, efd);
	hwt_reg_arg(&rr, HWEVENT_TYPE_REQUEST, 20 * NS_PER_MS, 0, 2, 0);
	sqe = hwt_sqe(&ring);
	hwevent_uring_prep_register(sqe, fd, &re);
	io_uring_sqe_set_data64(sqe, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	sqe = hwt_sqe(&ring);
	hwevent_uring_prep_register(sqe, fd, &rr);
	io_uring_sqe_set_data64(sqe, 1);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	hwt_ring_submit(&ring, 2);
	for (int i = 0; i < 2; i++) {
		uint64_t ud;
		int r;

		ck_assert_msg(hwt_ring_wait(&ring, SOON_MS, &r, &ud), "CQE %d", i);
		ck_assert_uint_lt(ud, 2);
		res[ud] = r;
	}
	ck_assert_msg(res[0] == 0, "EVENTFD: %s", strerror(-res[0]));
	ck_assert_msg(res[1] == 0, "REQUEST: %s", strerror(-res[1]));
	ck_assert_uint_eq(rr.msg.cookie, 2);
	ck_assert_uint_eq(rr.msg.id, rr.id);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* The id is written at submission, long before the CQE. */
START_TEST(uring_request_id_before_completion)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 300 * NS_PER_MS, 0, 1, 0);
	r.id = 0xa5a5;
	submit_register(&ring, fd, &r, 1);
	ck_assert_uint_eq(__atomic_load_n(&r.id, __ATOMIC_ACQUIRE), 1);
	assert_no_cqe(&ring);
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	expect_cqe(&ring, 0, 1);
	ck_assert_uint_eq(r.msg.id, 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/*
 * 64 requests in flight from one ring, submitted longest-due first, due
 * a step apart from 500 ms on: they fire in due order (seq and fired_ns
 * increase with the due time), each completes with its own message, ids
 * are distinct.  Each due time counts from when its SQE was issued, so
 * the order is fixed only if the whole submit took less than a step: if
 * it took longer (a loaded VM, the debug kernel), the round is checked
 * for everything but the order and tried again with a longer step.
 */
static bool many_in_flight_round(int fd, uint64_t step)
{
	enum { N = 64 };
	const uint64_t base = 500 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_register *r = calloc(N, sizeof(*r));
	struct io_uring ring;
	bool seen[N] = { false }, ids[N] = { false }, ordered;
	unsigned int inversions = 0;
	uint64_t t0, t1, last_ud = 0, id0 = 0;

	ck_assert_ptr_nonnull(r);
	hwt_ring_init(&ring, N);
	c0 = hwt_counters();
	/* r[k] is due base + k * step; submitted from k = N - 1 down. */
	for (int k = N - 1; k >= 0; k--) {
		struct io_uring_sqe *sqe = hwt_sqe(&ring);

		hwt_reg_arg(&r[k], HWEVENT_TYPE_REQUEST, base + (uint64_t)k * step,
			    0, 1000 + (uint64_t)k, 0);
		hwevent_uring_prep_register(sqe, fd, &r[k]);
		io_uring_sqe_set_data64(sqe, (uint64_t)k);
	}
	t0 = now_ns();
	hwt_ring_submit(&ring, N);
	t1 = now_ns();
	ordered = t1 - t0 < step;
	ck_assert_uint_eq(hwt_counters().registered - c0.registered, N);
	for (int i = 0; i < N; i++) {
		uint64_t ud;
		int res;

		ck_assert_msg(hwt_ring_wait(&ring, SOON_MS, &res, &ud),
			      "only %d of %d CQEs", i, N);
		ck_assert_msg(ud < N && !seen[ud], "bad or repeated user_data %"
			      PRIu64, ud);
		ck_assert_msg(res == 0, "request %" PRIu64 ": %s", ud,
			      strerror(-res));
		seen[ud] = true;
		if (i && ud < last_ud)
			inversions++;
		last_ud = ud;
	}
	if (inversions)
		hwt_diag("%u CQEs out of due order (the CQ order is io_uring's)",
			 inversions);
	/* A file's ids count on (cyclically): N of them, each once, from
	 * where an earlier round on this file left off. */
	for (int k = 0; k < N; k++)
		id0 = k && id0 < r[k].id ? id0 : r[k].id;
	for (int k = 0; k < N; k++) {
		ck_assert_uint_eq(r[k].msg.cookie, 1000 + (uint64_t)k);
		ck_assert_uint_eq(r[k].msg.id, r[k].id);
		ck_assert_msg(id0 >= 1 && r[k].id - id0 < N &&
			      !ids[r[k].id - id0], "id %llu (lowest %llu)",
			      (unsigned long long)r[k].id,
			      (unsigned long long)id0);
		ids[r[k].id - id0] = true;
		ck_assert_uint_ge(r[k].msg.fired_ns, t0 + base + (uint64_t)k * step);
		if (k && ordered) {
			ck_assert_msg(r[k].msg.seq > r[k - 1].msg.seq, "due %d ms: "
				      "seq %llu, due %d ms: seq %llu",
				      (int)((base + k * step) / NS_PER_MS),
				      (unsigned long long)r[k].msg.seq,
				      (int)((base + (k - 1) * step) / NS_PER_MS),
				      (unsigned long long)r[k - 1].msg.seq);
			ck_assert_uint_gt(r[k].msg.fired_ns, r[k - 1].msg.fired_ns);
		}
	}
	hwt_assert_delta(&c0, N, N, 0, 0);
	io_uring_queue_exit(&ring);
	free(r);
	if (!ordered)
		hwt_diag("submitting took %.1f ms, more than the %.1f ms step: "
			 "again, with a longer step", (double)(t1 - t0) / 1e6,
			 (double)step / 1e6);
	return ordered;
}

START_TEST(uring_many_in_flight_due_order)
{
	uint64_t step = 10 * NS_PER_MS;
	int fd = hwt_open(), round;

	for (round = 0; round < 4 && !many_in_flight_round(fd, step); round++)
		step *= 4;
	ck_assert_msg(round < 4, "every submit took longer than its step");
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* EVENTFD through io_uring completes at once with the id; the event
 * comes later. */
START_TEST(uring_eventfd_completes_at_once)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	uint64_t t0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_EVENTFD, NS_PER_SEC, 0, 1, efd);
	t0 = now_ns();
	submit_register(&ring, fd, &r, 3);
	expect_cqe(&ring, 0, 3);
	ck_assert_msg(now_ns() - t0 < NS_PER_SEC && !hwt_efd_ready(efd),
		      "the CQE waited for the event");
	ck_assert_uint_eq(r.id, 1);
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	assert_no_cqe(&ring);
	io_uring_queue_exit(&ring);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* QUEUE through io_uring: the same, the record arrives later. */
START_TEST(uring_queue_completes_at_once)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct hwevent_msg m;
	struct io_uring ring;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_QUEUE, NS_PER_SEC, 0, 4, 0);
	submit_register(&ring, fd, &r, 4);
	expect_cqe(&ring, 0, 4);
	ck_assert_uint_eq(r.id, 1);
	ck_assert_msg(!hwt_readable(fd, 0), "the CQE waited for the event");
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	ck_assert_uint_eq(hwt_read_msgs(fd, &m, 1, SOON_MS), 1);
	ck_assert_uint_eq(m.cookie, 4);
	ck_assert_uint_eq(m.id, 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Submit one command built by @prep and expect CQE res @err, with no
 * registration made. */
static void expect_uring_err(void (*prep)(struct io_uring_sqe *, int, void *),
			     void *arg, int err)
{
	struct hwevent_counters c0;
	struct io_uring ring;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	prep(hwt_sqe(&ring), fd, arg);
	hwt_ring_submit(&ring, 1);
	expect_cqe(&ring, -err, 0);
	hwt_assert_delta(&c0, 0, 0, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	close(efd);
	hwt_assert_rest();
}

static void prep_reg(struct io_uring_sqe *sqe, int fd, void *arg)
{
	hwevent_uring_prep_register(sqe, fd, arg);
	io_uring_sqe_set_data64(sqe, 0);
}

START_TEST(uring_reserved_einval)
{
	struct hwevent_register r;

	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 0, 0);
	r.reserved[0] = 1;
	expect_uring_err(prep_reg, &r, EINVAL);
}
END_TEST

START_TEST(uring_bad_type_einval)
{
	struct hwevent_register r;

	hwt_reg_arg(&r, 3, NS_PER_MS, 0, 0, 0);
	expect_uring_err(prep_reg, &r, EINVAL);
}
END_TEST

START_TEST(uring_bad_period_einval)
{
	struct hwevent_register r;

	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 1, 0, 0);
	expect_uring_err(prep_reg, &r, EINVAL);
}
END_TEST

START_TEST(uring_bad_eventfd_ebadf)
{
	struct hwevent_register r;

	hwt_reg_arg(&r, HWEVENT_TYPE_EVENTFD, NS_PER_MS, 0, 0, -1);
	expect_uring_err(prep_reg, &r, EBADF);
}
END_TEST

START_TEST(uring_null_addr_efault)
{
	expect_uring_err(prep_reg, NULL, EFAULT);
}
END_TEST

/* Memory the caller cannot access (mapped PROT_NONE, so that nothing else
 * is mapped there meanwhile, like the ring). */
START_TEST(uring_inaccessible_addr_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, (size_t)pg, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	expect_uring_err(prep_reg, p, EFAULT);
	munmap(p, (size_t)pg);
}
END_TEST

/* The output fields cannot be written: refused before registering. */
START_TEST(uring_readonly_arg_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_register *r;

	r = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(r != MAP_FAILED);
	hwt_reg_arg(r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 0, 0);
	ck_assert_int_eq(mprotect(r, (size_t)pg, PROT_READ), 0);
	expect_uring_err(prep_reg, r, EFAULT);
	munmap(r, (size_t)pg);
}
END_TEST

static unsigned int bad_cmd_op;

static void prep_bad_op(struct io_uring_sqe *sqe, int fd, void *arg)
{
	hwevent_uring_prep(sqe, fd, bad_cmd_op, arg);
	io_uring_sqe_set_data64(sqe, 0);
}

/* Unknown cmd_op values, with a valid argument: ENOTTY. */
START_TEST(uring_unknown_cmd_op_enotty)
{
	static const unsigned int ops[] = {
		0, 0xdeadbeef,
		_IOWR(HWEVENT_IOC_MAGIC, 9, struct hwevent_register),
		_IOWR(HWEVENT_IOC_MAGIC, 1, __u64),
		_IOW(HWEVENT_IOC_MAGIC, 1, struct hwevent_register),
	};
	struct hwevent_register r;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 0, 0);
		bad_cmd_op = ops[i];
		expect_uring_err(prep_bad_op, &r, ENOTTY);
	}
}
END_TEST

static void prep_cmd_reserved(struct io_uring_sqe *sqe, int fd, void *arg)
{
	struct hwevent_uring_cmd cmd;

	hwevent_uring_prep_register(sqe, fd, arg);
	memcpy(&cmd, sqe->cmd, sizeof(cmd));
	cmd.reserved = 1;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	io_uring_sqe_set_data64(sqe, 0);
}

/* hwevent_uring_cmd.reserved must be 0. */
START_TEST(uring_cmd_reserved_einval)
{
	struct hwevent_register r;

	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 0, 0);
	expect_uring_err(prep_cmd_reserved, &r, EINVAL);
}
END_TEST

static void prep_wait(struct io_uring_sqe *sqe, int fd, void *arg)
{
	hwevent_uring_prep_wait(sqe, fd, arg);
	io_uring_sqe_set_data64(sqe, 0);
}

START_TEST(uring_wait_unknown_id_enoent)
{
	struct hwevent_wait w;

	memset(&w, 0, sizeof(w));
	w.id = 3;
	expect_uring_err(prep_wait, &w, ENOENT);
}
END_TEST

START_TEST(uring_wait_flags_einval)
{
	struct hwevent_wait w;

	memset(&w, 0, sizeof(w));
	w.id = 1;
	w.flags = 1;
	expect_uring_err(prep_wait, &w, EINVAL);
}
END_TEST

/* At max_pending, an io_uring REGISTER fails with ENOSPC. */
START_TEST(uring_enospc_at_limit)
{
	struct hwevent_register r[2];
	struct io_uring ring;
	int fd;

	hwt_set_max_pending(1);
	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	hwt_reg_arg(&r[0], HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 0, 0);
	hwt_reg_arg(&r[1], HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 0, 0);
	submit_register(&ring, fd, &r[0], 0);
	submit_register(&ring, fd, &r[1], 1);
	expect_cqe(&ring, -ENOSPC, 1);
	ck_assert_int_eq(hwevent_cancel(fd, r[0].id), 0);
	expect_cqe(&ring, -ECANCELED, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_set_max_pending(DEFAULT_MAX_PENDING);
	hwt_assert_rest();
}
END_TEST

/* HWEVENT_IOC_CANCEL of an in-flight REQUEST: CQE res -ECANCELED, the
 * message untouched. */
START_TEST(uring_cancel_in_flight_ecanceled)
{
	static const struct hwevent_msg zero;
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	uint64_t t0;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 1, 0);
	submit_register(&ring, fd, &r, 9);
	hwt_sleep_ms(20);
	assert_no_cqe(&ring);
	t0 = now_ns();
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	expect_cqe(&ring, -ECANCELED, 9);
	ck_assert(now_ns() - t0 < 5 * NS_PER_SEC);
	ck_assert_msg(!memcmp(&r.msg, &zero, sizeof(zero)),
		      "a cancelled request wrote a message");
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), -ENOENT);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Closing the device descriptor while requests are in flight (the ring
 * stays open): io_uring holds the file, the requests complete normally. */
START_TEST(uring_close_device_fd_requests_complete)
{
	enum { N = 4 };
	struct hwevent_counters c0, c1;
	struct hwevent_register r[N];
	struct io_uring ring;
	uint64_t t0;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 8);
	c0 = hwt_counters();
	t0 = now_ns();
	for (int i = 0; i < N; i++) {
		hwt_reg_arg(&r[i], HWEVENT_TYPE_REQUEST,
			    (uint64_t)(i + 1) * 100 * NS_PER_MS, 0,
			    (uint64_t)i, 0);
		submit_register(&ring, fd, &r[i], (uint64_t)i);
	}
	close(fd);
	/* None cancelled by the close (one may have fired by now, on a slow
	 * VM: that is not what this tests). */
	c1 = hwt_counters();
	ck_assert_uint_eq(c1.registered - c0.registered, N);
	ck_assert_uint_eq(c1.cancelled - c0.cancelled, 0);
	for (int i = 0; i < N; i++) {
		uint64_t ud;
		int res;

		ck_assert_msg(hwt_ring_wait(&ring, SOON_MS, &res, &ud),
			      "CQE %d missing", i);
		ck_assert_msg(res == 0, "request %" PRIu64 " after close: %s",
			      ud, strerror(-res));
		ck_assert_uint_lt(ud, N);
		ck_assert_uint_eq(r[ud].msg.cookie, ud);
		ck_assert_uint_ge(r[ud].msg.fired_ns,
				  t0 + (ud + 1) * 100 * NS_PER_MS);
	}
	hwt_assert_delta(&c0, N, N, 0, 0);
	io_uring_queue_exit(&ring);
	hwt_assert_rest();
}
END_TEST

/* The message buffer went away before the event: res -EFAULT. */
START_TEST(uring_msg_buffer_unmapped_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_counters c0;
	struct hwevent_register *r;
	struct io_uring ring;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	r = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(r != MAP_FAILED);
	c0 = hwt_counters();
	hwt_reg_arg(r, HWEVENT_TYPE_REQUEST, 100 * NS_PER_MS, 0, 0, 0);
	submit_register(&ring, fd, r, 5);
	ck_assert_int_eq(munmap(r, (size_t)pg), 0);
	expect_cqe(&ring, -EFAULT, 5);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A periodic REQUEST through io_uring: the REGISTER completes at the
 * first firing; WAITs submitted together complete one per firing, in the
 * order they were submitted. */
START_TEST(uring_periodic_waits_in_order)
{
	enum { N = 5 };
	const uint64_t due = 20 * NS_PER_MS, period = 20 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct hwevent_wait w[N];
	struct io_uring ring;
	uint64_t t0, n;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 8);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, due, period, 8, 0);
	t0 = now_ns();
	submit_register(&ring, fd, &r, 100);
	expect_cqe(&ring, 0, 100);
	ck_assert_uint_eq(r.msg.id, r.id);
	ck_assert_uint_ge(r.msg.fired_ns, t0 + due);
	n = r.msg.lost;
	for (int k = 0; k < N; k++) {
		struct io_uring_sqe *sqe = hwt_sqe(&ring);

		memset(&w[k], 0, sizeof(w[k]));
		w[k].id = r.id;
		hwevent_uring_prep_wait(sqe, fd, &w[k]);
		io_uring_sqe_set_data64(sqe, (uint64_t)k);
	}
	hwt_ring_submit(&ring, N);
	for (int i = 0; i < N; i++) {
		uint64_t ud;
		int res;

		ck_assert_msg(hwt_ring_wait(&ring, SOON_MS, &res, &ud),
			      "wait CQE %d missing", i);
		ck_assert_msg(res == 0 && ud < N, "wait %" PRIu64 ": %d", ud, res);
	}
	for (int k = 0; k < N; k++) {
		const struct hwevent_msg *prev = k ? &w[k - 1].msg : &r.msg;

		ck_assert_uint_eq(w[k].msg.id, r.id);
		ck_assert_uint_eq(w[k].msg.cookie, 8);
		ck_assert_msg(w[k].msg.seq > prev->seq, "wait %d: seq %llu after "
			      "%llu: not in submission order", k,
			      (unsigned long long)w[k].msg.seq,
			      (unsigned long long)prev->seq);
		n += 1 + w[k].msg.lost;
		ck_assert_uint_ge(w[k].msg.fired_ns, t0 + due + n * period);
	}
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	assert_no_cqe(&ring);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* A WAIT in flight whose registration is cancelled: -ECANCELED. */
START_TEST(uring_wait_cancelled_ecanceled)
{
	struct io_uring_sqe *sqe;
	struct hwevent_register r;
	struct hwevent_wait w;
	struct io_uring ring;
	int fd;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 1, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	memset(&w, 0, sizeof(w));
	w.id = r.id;
	sqe = hwt_sqe(&ring);
	hwevent_uring_prep_wait(sqe, fd, &w);
	io_uring_sqe_set_data64(sqe, 0);
	hwt_ring_submit(&ring, 1);
	hwt_sleep_ms(20);
	assert_no_cqe(&ring);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	expect_cqe(&ring, -ECANCELED, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/*
 * io_uring delivers a completion to the submitting thread as task work,
 * which wakes that thread's interruptible sleeps (TIF_NOTIFY_SIGNAL)
 * although no signal is involved.  A synchronous REQUEST the thread is
 * blocked in meanwhile must not fail with EINTR (and lose its
 * registration): the kernel restarts such a wait when the driver lets it.
 */
START_TEST(uring_completion_does_not_interrupt_sync_request)
{
	struct hwevent_counters c0;
	struct hwevent_register ur, r;
	struct io_uring ring;
	int fd, ret;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&ur, HWEVENT_TYPE_REQUEST, 50 * NS_PER_MS, 0, 1, 0);
	submit_register(&ring, fd, &ur, 1);
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 300 * NS_PER_MS, 0, 2, 0);
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "a synchronous REQUEST returned %d (%s) when an "
		      "io_uring request of the same thread completed", ret,
		      strerror(-ret));
	ck_assert_uint_eq(r.msg.cookie, 2);
	expect_cqe(&ring, 0, 1);
	/*
	 * The completion's task work interrupted the wait once: the call was
	 * restarted and resumed the same registration (docs/design.md).
	 */
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Same for a synchronous WAIT. */
START_TEST(uring_completion_does_not_interrupt_sync_wait)
{
	struct hwevent_register ur, r;
	struct io_uring ring;
	int fd, ret;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 300 * NS_PER_MS, 2, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	hwt_reg_arg(&ur, HWEVENT_TYPE_REQUEST, 50 * NS_PER_MS, 0, 1, 0);
	submit_register(&ring, fd, &ur, 1);
	ret = hwevent_wait(fd, r.id, NULL);
	ck_assert_msg(ret == 0, "a synchronous WAIT returned %d (%s) when an "
		      "io_uring request of the same thread completed", ret,
		      strerror(-ret));
	expect_cqe(&ring, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* ---- the submitter goes away ---- */

#define EXIT_REQS	16
/* "Promptly": the requests are due in 60 s. */
#define REAP_MAX_NS	(10 * NS_PER_SEC)

enum child_end { END_EXIT, END_SIGKILL };

/*
 * A child with EXIT_REQS long requests in flight on its own ring and its
 * own open file exits or is killed: it must be reaped promptly, the
 * requests' registrations cancelled, and nothing may keep the module.
 * @ring_first: the ring's descriptor is below the device's (closed first
 * at exit).
 */
static void child_goes_away(enum child_end how, bool ring_first,
			    unsigned int ring_flags, uint64_t due,
			    unsigned int sqe_flags)
{
	bool sqpoll = ring_flags & IORING_SETUP_SQPOLL;
	struct hwevent_counters c0;
	int ready[2], go[2], status, ret;
	uint64_t t0, t1;
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	c0 = hwt_counters();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hwevent_register r[EXIT_REQS];
		struct io_uring_cqe *cqe;
		struct io_uring ring;
		int fd = -1;

		close(ready[0]);
		close(go[1]);
		if (!ring_first && (fd = hwevent_open(0)) < 0)
			_exit(10);
		if (io_uring_queue_init(32, &ring, ring_flags))
			_exit(11);
		if (ring_first && (fd = hwevent_open(0)) < 0)
			_exit(10);
		for (int i = 0; i < EXIT_REQS; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			hwt_reg_arg(&r[i], HWEVENT_TYPE_REQUEST, due, 0,
				    (uint64_t)i, 0);
			hwevent_uring_prep_register(sqe, fd, &r[i]);
			io_uring_sqe_set_data64(sqe, (uint64_t)i);
			io_uring_sqe_set_flags(sqe, sqe_flags);
		}
		if (io_uring_submit(&ring) != EXIT_REQS)
			_exit(12);
		if (write(ready[1], "r", 1) != 1)
			_exit(13);
		if (how == END_EXIT) {
			if (read(go[0], &c, 1) != 1)
				_exit(14);
			_exit(0);
		}
		/* Blocked waiting for a completion when the kill comes. */
		io_uring_wait_cqe(&ring, &cqe);
		_exit(15);
	}
	close(ready[1]);
	close(go[0]);
	ck_assert_msg(read(ready[0], &c, 1) == 1, "the child failed to submit");
	/* With SQPOLL the kernel thread issues them a moment later. */
	ck_assert(hwt_wait_pending(EXIT_REQS, SOON_MS));
	hwt_assert_delta(&c0, EXIT_REQS, 0, 0, EXIT_REQS);
	hwt_sleep_ms(50);
	t0 = now_ns();
	if (how == END_SIGKILL)
		kill(pid, SIGKILL);
	else
		ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	t1 = now_ns();
	close(ready[0]);
	close(go[1]);
	hwt_diag("child with %d requests in flight reaped %.3f s after the %s",
		 EXIT_REQS, (double)(t1 - t0) / 1e9,
		 how == END_SIGKILL ? "SIGKILL" : "exit");
	if (how == END_SIGKILL)
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			      "child status %#x", status);
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child status %#x", status);
	/*
	 * The documented limit on 6.1: the SQ thread keeps the descriptor
	 * table open, so an SQPOLL ring's process goes only when its
	 * commands complete (docs/design.md); later kernels may cancel them.
	 */
	ck_assert_msg(t1 - t0 < (sqpoll ? due : 0) + REAP_MAX_NS,
		      "the child took %.2f s to go", (double)(t1 - t0) / 1e9);
	/* The ring is torn down asynchronously. */
	ck_assert_msg(hwt_wait_pending(0, SOON_MS), "%" PRIu64 " registrations "
		      "still pending after the child went", hwt_counters().pending);
	if (sqpoll) {
		struct hwevent_counters c1 = hwt_counters();

		ck_assert_uint_eq(c1.registered - c0.registered, EXIT_REQS);
		ck_assert_uint_eq((c1.fired - c0.fired) +
				  (c1.cancelled - c0.cancelled), EXIT_REQS);
	} else {
		hwt_assert_delta(&c0, EXIT_REQS, 0, EXIT_REQS, 0);
	}
	hwt_assert_rest();
	ret = hwt_unload_retry(SOON_MS);
	ck_assert_msg(ret == 0, "the module cannot be unloaded after the child "
		      "went: %s", strerror(-ret));
}

/*
 * The id is in the caller's structure before the CQE, even when an
 * io_uring worker issues the command (IOSQE_ASYNC) and the event, due in
 * 1 ns, completes it at once: the fuzzer caught the id written late, by
 * the worker, after the timer was armed, while the submitter could
 * already reap the CQE (tests/fuzz/repro_uring_id.c was its reproducer).
 * Every command is issued by a worker, and the id is read as soon as the
 * CQE is there: a driver that writes it after arming the timer fails
 * this within a few thousand rounds (32 of 10,000 rounds in the VM).
 */
START_TEST(uring_id_written_before_completion)
{
	const int n = (int)hwt_iters(4000);
	struct hwevent_register r;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	uint64_t bad_id = 0, bad_msg_id = 0;
	int fd, bad = 0, first_bad = -1;

	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = hwt_sqe(&ring);

		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 1, 0, (uint64_t)i, 0);
		hwevent_uring_prep_register(sqe, fd, &r);
		io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
		hwt_ring_submit(&ring, 1);
		ck_assert_int_eq(io_uring_wait_cqe(&ring, &cqe), 0);
		/* What the submitter sees when the CQE is there. */
		if (!cqe->res && (!r.id || r.id != r.msg.id) && !bad++) {
			first_bad = i;
			bad_id = r.id;
			bad_msg_id = r.msg.id;
		}
		ck_assert_int_eq(cqe->res, 0);
		io_uring_cqe_seen(&ring, cqe);
		/* A late write must land before the next round reuses r. */
		if (!r.id)
			hwt_sleep_ms(1);
	}
	ck_assert_msg(!bad, "%d of %d completions came before their id "
		      "(the first in round %d: id %llu, msg.id %llu)", bad, n,
		      first_bad, (unsigned long long)bad_id,
		      (unsigned long long)bad_msg_id);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

START_TEST(uring_child_exit_reaped_promptly)
{
	child_goes_away(END_EXIT, true, 0, LONG_DUE_NS, 0);
}
END_TEST

START_TEST(uring_child_sigkill_reaped_promptly)
{
	child_goes_away(END_SIGKILL, false, 0, LONG_DUE_NS, 0);
}
END_TEST

/* The same with the ring's other ways of running completions: deferred
 * to the submitter's next wait, and a kernel thread polling the SQ (whose
 * process, on 6.1, goes only when its requests fire: due in 3 s). */
START_TEST(uring_defer_taskrun_child_exit_reaped_promptly)
{
	child_goes_away(END_EXIT, false, IORING_SETUP_SINGLE_ISSUER |
			IORING_SETUP_DEFER_TASKRUN, LONG_DUE_NS, 0);
}
END_TEST

START_TEST(uring_sqpoll_child_sigkill_reaped_when_due)
{
	child_goes_away(END_SIGKILL, false, IORING_SETUP_SQPOLL,
			3 * NS_PER_SEC, 0);
}
END_TEST

/* Commands issued by io_uring's worker threads (IOSQE_ASYNC), which
 * share the process's descriptor table. */
START_TEST(uring_iosqe_async_child_exit_reaped_promptly)
{
	child_goes_away(END_EXIT, false, 0, 2 * REAP_MAX_NS, IOSQE_ASYNC);
}
END_TEST

/*
 * A child submits requests through a file it shares with the parent, and
 * exits: only the child's requests are cancelled; the parent's own
 * io_uring request and registrations on the same file stay.
 */
START_TEST(uring_child_exit_on_shared_file_cancels_only_its_own)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct io_uring ring;
	int fd, efd, ready[2], status;
	uint64_t t0;
	char c;
	pid_t pid;

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 1, 0);
	submit_register(&ring, fd, &r, 1);
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hwevent_register cr[4];
		struct io_uring cring;

		close(ready[0]);
		if (io_uring_queue_init(8, &cring, 0))
			_exit(11);
		for (int i = 0; i < 4; i++) {
			hwt_reg_arg(&cr[i], HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0,
				    0, 0);
			hwevent_uring_prep_register(io_uring_get_sqe(&cring), fd,
						    &cr[i]);
		}
		if (io_uring_submit(&cring) != 4)
			_exit(12);
		if (write(ready[1], "r", 1) != 1)
			_exit(13);
		_exit(0);
	}
	close(ready[1]);
	ck_assert_msg(read(ready[0], &c, 1) == 1, "the child failed to submit");
	close(ready[0]);
	t0 = now_ns();
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child status %#x", status);
	ck_assert_msg(now_ns() - t0 < REAP_MAX_NS, "the child took "
		      "%.2f s to go", (double)(now_ns() - t0) / 1e9);
	ck_assert(hwt_wait_pending(2, SOON_MS));
	hwt_assert_delta(&c0, 6, 0, 4, 2);
	assert_no_cqe(&ring);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	expect_cqe(&ring, -ECANCELED, 1);
	close(fd);
	hwt_assert_delta(&c0, 6, 0, 6, 0);
	io_uring_queue_exit(&ring);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/*
 * A child WAITs through io_uring on the parent's periodic registration (a
 * shared file) and exits: the child goes at once; its WAIT is cancelled
 * but the registration, which its WAIT did not make, stays.
 */
START_TEST(uring_child_exit_with_wait_keeps_registration)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	int fd, ready[2], status;
	uint64_t t0;
	char c;
	pid_t pid;

	fd = hwt_open();
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 1, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hwevent_wait w;
		struct io_uring cring;

		close(ready[0]);
		if (io_uring_queue_init(8, &cring, 0))
			_exit(11);
		memset(&w, 0, sizeof(w));
		w.id = r.id;
		hwevent_uring_prep_wait(io_uring_get_sqe(&cring), fd, &w);
		if (io_uring_submit(&cring) != 1)
			_exit(12);
		if (write(ready[1], "r", 1) != 1)
			_exit(13);
		_exit(0);
	}
	close(ready[1]);
	ck_assert_msg(read(ready[0], &c, 1) == 1, "the child failed to submit");
	close(ready[0]);
	t0 = now_ns();
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child status %#x", status);
	ck_assert(now_ns() - t0 < REAP_MAX_NS);
	hwt_sleep_ms(100);
	hwt_assert_delta_rcp(&c0, 1, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(uring_request_completes_with_msg, HWT_LOADED, 60),
	HWT_CASE(uring_request_id_before_completion, HWT_LOADED, 60),
	HWT_CASE(uring_defer_taskrun_request_completes, HWT_LOADED, 60),
	HWT_CASE(uring_sqpoll_request_completes, HWT_LOADED, 60),
	HWT_CASE(uring_iosqe_async_works, HWT_LOADED, 60),
	HWT_CASE(uring_many_in_flight_due_order, HWT_LOADED, 120),
	HWT_CASE(uring_eventfd_completes_at_once, HWT_LOADED, 60),
	HWT_CASE(uring_queue_completes_at_once, HWT_LOADED, 60),
	HWT_CASE(uring_reserved_einval, HWT_LOADED, 60),
	HWT_CASE(uring_bad_type_einval, HWT_LOADED, 60),
	HWT_CASE(uring_bad_period_einval, HWT_LOADED, 60),
	HWT_CASE(uring_bad_eventfd_ebadf, HWT_LOADED, 60),
	HWT_CASE(uring_null_addr_efault, HWT_LOADED, 60),
	HWT_CASE(uring_inaccessible_addr_efault, HWT_LOADED, 60),
	HWT_CASE(uring_readonly_arg_efault, HWT_LOADED, 60),
	HWT_CASE(uring_unknown_cmd_op_enotty, HWT_LOADED, 60),
	HWT_CASE(uring_cmd_reserved_einval, HWT_LOADED, 60),
	HWT_CASE(uring_wait_unknown_id_enoent, HWT_LOADED, 60),
	HWT_CASE(uring_wait_flags_einval, HWT_LOADED, 60),
	HWT_CASE(uring_enospc_at_limit, HWT_LOADED, 60),
	HWT_CASE(uring_cancel_in_flight_ecanceled, HWT_LOADED, 60),
	HWT_CASE(uring_close_device_fd_requests_complete, HWT_LOADED, 60),
	HWT_CASE(uring_msg_buffer_unmapped_efault, HWT_LOADED, 60),
	HWT_CASE(uring_periodic_waits_in_order, HWT_LOADED, 60),
	HWT_CASE(uring_wait_cancelled_ecanceled, HWT_LOADED, 60),
	HWT_CASE(uring_completion_does_not_interrupt_sync_request, HWT_LOADED, 60),
	HWT_CASE(uring_completion_does_not_interrupt_sync_wait, HWT_LOADED, 60),
	HWT_CASE(uring_child_exit_reaped_promptly, HWT_LOADED, 60),
	HWT_CASE(uring_child_sigkill_reaped_promptly, HWT_LOADED, 60),
	HWT_CASE(uring_defer_taskrun_child_exit_reaped_promptly, HWT_LOADED, 60),
	HWT_CASE(uring_sqpoll_child_sigkill_reaped_when_due, HWT_LOADED, 90),
	HWT_CASE(uring_id_written_before_completion, HWT_LOADED, 120),
	HWT_CASE(uring_iosqe_async_child_exit_reaped_promptly, HWT_LOADED, 90),
	HWT_CASE(uring_child_exit_on_shared_file_cancels_only_its_own,
		 HWT_LOADED, 60),
	HWT_CASE(uring_child_exit_with_wait_keeps_registration, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_uring = HWT_SUITE("uring", cases);
