// SPDX-License-Identifier: GPL-2.0
/*
 * HWEVENT_IOC_CANCEL: cancel one registration by id, the analog of
 * CancelIoEx.  0 when it was pending (it then never notifies, and counts
 * as cancelled); ENOENT when this open file has no such registration
 * pending: never made, made through another file, already fired, already
 * cancelled; EINVAL for non-zero flags or pad.  A request blocked on the
 * cancelled registration fails with ECANCELED.  (Cancels through io_uring
 * and of periodic registrations are in the uring and periodic suites.)
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"

/* A pending EVENTFD registration, cancelled: never signalled. */
START_TEST(cancel_pending_eventfd)
{
	struct hwevent_counters c0;
	uint64_t id;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	id = hwt_reg_eventfd(fd, efd, 200 * NS_PER_MS);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	hwt_sleep_ms(400);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after cancel");
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* A pending QUEUE registration, cancelled: no record. */
START_TEST(cancel_pending_queue)
{
	struct hwevent_counters c0;
	uint64_t id;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	id = hwt_reg_queue(fd, 200 * NS_PER_MS, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	ck_assert_msg(!hwt_readable(fd, 400), "a record after cancel");
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A periodic registration cancelled before its first firing: nothing. */
START_TEST(cancel_periodic_before_first_firing)
{
	struct hwevent_counters c0;
	uint64_t id;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	id = hwt_reg_periodic_efd(fd, efd, 200 * NS_PER_MS, NS_PER_MS);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	hwt_sleep_ms(400);
	ck_assert(!hwt_efd_ready(efd));
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

START_TEST(cancel_twice_enoent)
{
	struct hwevent_counters c0;
	uint64_t id;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	id = hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	ck_assert_int_eq(hwevent_cancel(fd, id), -ENOENT);
	ck_assert_int_eq(hwevent_cancel(fd, id), -ENOENT);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Ids never made: ENOENT, and the registration that is there stays. */
static void cancel_unknown(uint64_t bad_id)
{
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	ck_assert_int_eq(hwevent_cancel(fd, bad_id), -ENOENT);
	ck_assert_uint_eq(hwt_reg_eventfd(fd, efd, LONG_DUE_NS), 1);
	ck_assert_int_eq(hwevent_cancel(fd, bad_id), -ENOENT);
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, 1), 0);
	close(fd);
	close(efd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	hwt_assert_rest();
}

START_TEST(cancel_unknown_id_enoent)
{
	cancel_unknown(7);
}
END_TEST

START_TEST(cancel_id_0_enoent)
{
	cancel_unknown(0);
}
END_TEST

/* Ids are 32-bit in the driver: 2^32 + 1 must not alias id 1. */
START_TEST(cancel_id_above_u32_enoent)
{
	cancel_unknown((1ULL << 32) + 1);
}
END_TEST

START_TEST(cancel_id_u64_max_enoent)
{
	cancel_unknown(UINT64_MAX);
}
END_TEST

/* Once the event fired the registration is over: ENOENT, at once and
 * later, and it counts as fired only. */
START_TEST(cancel_after_fired_enoent)
{
	struct hwevent_counters c0;
	uint64_t id1, id2;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	id1 = hwt_reg_eventfd(fd, efd, NS_PER_MS);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	/* Right after the eventfd shows it, before the driver reaped it. */
	ck_assert_int_eq(hwevent_cancel(fd, id1), -ENOENT);
	id2 = hwt_reg_eventfd(fd, efd, NS_PER_MS);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	hwt_sleep_ms(100);
	ck_assert_int_eq(hwevent_cancel(fd, id2), -ENOENT);
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	close(fd);
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* A synchronous REQUEST that returned is over too. */
START_TEST(cancel_after_request_returned_enoent)
{
	struct hwevent_counters c0;
	struct hwevent_msg m;
	int fd;

	fd = hwt_open();
	c0 = hwt_counters();
	ck_assert_int_eq(hwevent_wait_request(fd, NS_PER_MS, 1, &m), 0);
	ck_assert_int_eq(hwevent_cancel(fd, m.id), -ENOENT);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* Ids are per open file: another file's id is unknown here. */
START_TEST(cancel_other_files_id_enoent)
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
	/* b has no id 2: a's id 2 stays. */
	ck_assert_int_eq(hwevent_cancel(b, 2), -ENOENT);
	hwt_assert_delta(&c0, 3, 0, 0, 3);
	/* b's id 1 is b's own: a's id 1 stays. */
	ck_assert_int_eq(hwevent_cancel(b, 1), 0);
	ck_assert_int_eq(hwevent_cancel(b, 1), -ENOENT);
	hwt_assert_delta(&c0, 3, 0, 1, 2);
	ck_assert_int_eq(hwevent_cancel(a, 1), 0);
	ck_assert_int_eq(hwevent_cancel(a, 2), 0);
	hwt_assert_delta(&c0, 3, 0, 3, 0);
	close(a);
	close(b);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Bad arguments: EINVAL before the id is looked at, nothing cancelled. */
static void cancel_bad(uint32_t flags, uint32_t pad, uint64_t id)
{
	struct hwevent_cancel c = { .id = id, .flags = flags, .pad = pad };
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	ck_assert_uint_eq(hwt_reg_eventfd(fd, efd, LONG_DUE_NS), 1);
	c0 = hwt_counters();
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_CANCEL, &c), -EINVAL);
	hwt_assert_delta(&c0, 0, 0, 0, 0);
	ck_assert_int_eq(hwevent_cancel(fd, 1), 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}

START_TEST(cancel_flags_einval)
{
	cancel_bad(1, 0, 1);
}
END_TEST

START_TEST(cancel_flags_high_bit_einval)
{
	cancel_bad(0x80000000u, 0, 1);
}
END_TEST

START_TEST(cancel_pad_einval)
{
	cancel_bad(0, 1, 1);
}
END_TEST

START_TEST(cancel_flags_with_unknown_id_einval)
{
	cancel_bad(1, 0, 99);
}
END_TEST

START_TEST(cancel_bad_pointer_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_counters c0;
	char *p;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	c0 = hwt_counters();
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_CANCEL, NULL), -EFAULT);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(p != MAP_FAILED);
	munmap(p, (size_t)pg);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_CANCEL, p), -EFAULT);
	hwt_assert_delta(&c0, 0, 0, 0, 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* A read-only argument is fine: CANCEL only reads it. */
START_TEST(cancel_readonly_arg_ok)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_cancel *c;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	c = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(c != MAP_FAILED);
	c->id = 1;
	ck_assert_int_eq(mprotect(c, (size_t)pg, PROT_READ), 0);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_CANCEL, c), 0);
	munmap(c, (size_t)pg);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

struct sync_req {
	int fd;
	int ret;
	uint64_t t_ret;
	struct hwevent_register r;
};

static void *sync_req_fn(void *arg)
{
	struct sync_req *a = arg;

	a->ret = hwevent_register(a->fd, &a->r);
	a->t_ret = now_ns();
	return NULL;
}

/* Cancel from another thread while a synchronous REQUEST blocks: that
 * ioctl returns ECANCELED, promptly. */
START_TEST(cancel_blocked_sync_request_ecanceled)
{
	struct hwevent_counters c0;
	struct sync_req a;
	pthread_t t;
	uint64_t t0;

	memset(&a, 0, sizeof(a));
	a.fd = hwt_open();
	hwt_reg_arg(&a.r, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 3, 0);
	c0 = hwt_counters();
	ck_assert_int_eq(pthread_create(&t, NULL, sync_req_fn, &a), 0);
	ck_assert(hwt_wait_pending(1, SOON_MS));
	hwt_sleep_ms(20);
	t0 = now_ns();
	ck_assert_int_eq(hwevent_cancel(a.fd, 1), 0);
	pthread_join(t, NULL);
	ck_assert_msg(a.ret == -ECANCELED, "the blocked request returned %d "
		      "(%s), expected -ECANCELED", a.ret, strerror(-a.ret));
	ck_assert_msg(a.t_ret - t0 < 5 * NS_PER_SEC, "it returned %.2f s after "
		      "the cancel", (double)(a.t_ret - t0) / 1e9);
	ck_assert_uint_eq(a.r.id, 1);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	ck_assert_int_eq(hwevent_cancel(a.fd, 1), -ENOENT);
	close(a.fd);
	hwt_assert_rest();
}
END_TEST

/* Cancelling some registrations leaves the others alone. */
START_TEST(cancel_one_of_many)
{
	enum { N = 10 };
	struct hwevent_counters c0;
	int fd, efd[N];

	fd = hwt_open();
	c0 = hwt_counters();
	for (int i = 0; i < N; i++) {
		efd[i] = hwt_eventfd();
		ck_assert_uint_eq(hwt_reg_eventfd(fd, efd[i], 200 * NS_PER_MS),
				  (uint64_t)i + 1);
	}
	for (int i = 0; i < N; i += 2)
		ck_assert_int_eq(hwevent_cancel(fd, (uint64_t)i + 1), 0);
	hwt_assert_delta(&c0, N, 0, N / 2, N / 2);
	for (int i = 1; i < N; i += 2)
		ck_assert_msg(hwt_efd_wait(efd[i], SOON_MS) == 1,
			      "registration %d did not fire", i + 1);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	for (int i = 0; i < N; i += 2)
		ck_assert_msg(!hwt_efd_ready(efd[i]), "cancelled registration "
			      "%d fired", i + 1);
	hwt_assert_delta(&c0, N, N / 2, N / 2, 0);
	close(fd);
	for (int i = 0; i < N; i++)
		close(efd[i]);
	hwt_assert_rest();
}
END_TEST

/* A cancelled registration no longer counts against max_pending. */
START_TEST(cancel_frees_limit_slot)
{
	uint64_t id;
	int fd, efd;

	hwt_set_max_pending(1);
	fd = hwt_open();
	efd = hwt_eventfd();
	id = hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	ck_assert_int_eq(hwevent_register_queue(fd, LONG_DUE_NS, 0, 0, NULL),
			 -ENOSPC);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	hwt_reg_queue(fd, LONG_DUE_NS, 0, 0);
	close(fd);
	close(efd);
	hwt_set_max_pending(DEFAULT_MAX_PENDING);
	hwt_assert_rest();
}
END_TEST

/* Ids are not reused: after cancelling 1 the next is 2, and cancelling
 * the stale id 1 does not hit it. */
START_TEST(cancel_ids_not_reused)
{
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	ck_assert_uint_eq(hwt_reg_eventfd(fd, efd, LONG_DUE_NS), 1);
	ck_assert_int_eq(hwevent_cancel(fd, 1), 0);
	ck_assert_uint_eq(hwt_reg_eventfd(fd, efd, LONG_DUE_NS), 2);
	ck_assert_int_eq(hwevent_cancel(fd, 1), -ENOENT);
	ck_assert_uint_eq(hwt_counters().pending, 1);
	ck_assert_int_eq(hwevent_cancel(fd, 2), 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Ids belong to the open file, not the descriptor: a dup and a forked
 * child sharing the file cancel its registrations. */
START_TEST(cancel_through_shared_file)
{
	struct hwevent_counters c0;
	int fd, fd2, efd, status;
	pid_t pid;

	fd = hwt_open();
	fd2 = dup(fd);
	ck_assert_int_ge(fd2, 0);
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	ck_assert_int_eq(hwevent_cancel(fd2, 1), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(hwevent_cancel(fd, 2) == 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child's cancel failed (status %#x)", status);
	hwt_assert_delta(&c0, 2, 0, 2, 0);
	close(fd);
	close(fd2);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Cancel against the firing: tiny due times, cancel at once.  Each
 * registration ends exactly once: 0 means cancelled and never signalled,
 * ENOENT means it fired. */
START_TEST(cancel_race_with_fire)
{
	enum { N = 3000 };
	struct hwevent_counters c0, c1;
	uint64_t rng = hwt_seed() * 7 + 1, n_canc = 0, n_fired = 0, sig;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < N; i++) {
		/*
		 * Random due times and delays race; every 16th is due so late
		 * that the cancel surely wins, and another fires long before
		 * its cancel: both outcomes happen every run.
		 */
		uint64_t due = i % 16 == 0 ? NS_PER_SEC :
			       1 + hwt_rand(&rng) % (50 * NS_PER_US), id;
		uint32_t x = hwt_rand(&rng);
		int ret;

		id = hwt_reg_eventfd(fd, efd, due);
		if (i % 16 == 8)
			hwt_spin_ns(5 * NS_PER_MS);
		else if (x % 4)
			hwt_spin_ns(x % (40 * NS_PER_US));
		ret = hwevent_cancel(fd, id);
		ck_assert_msg(ret == 0 || ret == -ENOENT, "cancel %d: %s", i,
			      strerror(-ret));
		if (ret == 0)
			n_canc++;
		else
			n_fired++;
	}
	ck_assert(hwt_wait_pending(0, SOON_MS));
	sig = hwt_efd_take(efd);
	c1 = hwt_counters();
	hwt_diag("%d registrations: %" PRIu64 " cancelled, %" PRIu64 " fired",
		 N, n_canc, n_fired);
	ck_assert_uint_eq(c1.cancelled - c0.cancelled, n_canc);
	ck_assert_uint_eq(c1.fired - c0.fired, n_fired);
	ck_assert_msg(sig == n_fired, "eventfd signalled %" PRIu64 " times for "
		      "%" PRIu64 " firings", sig, n_fired);
	ck_assert_msg(n_canc && n_fired, "no race: %" PRIu64 " cancelled, %"
		      PRIu64 " fired", n_canc, n_fired);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(cancel_pending_eventfd, HWT_LOADED, 60),
	HWT_CASE(cancel_pending_queue, HWT_LOADED, 60),
	HWT_CASE(cancel_periodic_before_first_firing, HWT_LOADED, 60),
	HWT_CASE(cancel_twice_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_unknown_id_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_id_0_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_id_above_u32_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_id_u64_max_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_after_fired_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_after_request_returned_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_other_files_id_enoent, HWT_LOADED, 60),
	HWT_CASE(cancel_flags_einval, HWT_LOADED, 60),
	HWT_CASE(cancel_flags_high_bit_einval, HWT_LOADED, 60),
	HWT_CASE(cancel_pad_einval, HWT_LOADED, 60),
	HWT_CASE(cancel_flags_with_unknown_id_einval, HWT_LOADED, 60),
	HWT_CASE(cancel_bad_pointer_efault, HWT_LOADED, 60),
	HWT_CASE(cancel_readonly_arg_ok, HWT_LOADED, 60),
	HWT_CASE(cancel_blocked_sync_request_ecanceled, HWT_LOADED, 60),
	HWT_CASE(cancel_one_of_many, HWT_LOADED, 60),
	HWT_CASE(cancel_frees_limit_slot, HWT_LOADED, 60),
	HWT_CASE(cancel_ids_not_reused, HWT_LOADED, 60),
	HWT_CASE(cancel_through_shared_file, HWT_LOADED, 60),
	HWT_CASE(cancel_race_with_fire, HWT_LOADED, 120),
};

const struct hwt_suite hwt_suite_cancel_id = HWT_SUITE("cancel_id", cases);
