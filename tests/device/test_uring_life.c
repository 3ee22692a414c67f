// SPDX-License-Identifier: GPL-2.0
/*
 * How long an io_uring command may outlive what submitted it.  From 6.7
 * on io_uring cancels the driver's commands when their ring or their task
 * goes away, so each case below ends at once.  Before 6.7 it cannot, and
 * a ring that goes away waits for its commands, with a kernel WARNING
 * after 5 minutes: there the driver ends every io_uring command by its
 * deadline, uring_timeout_ms, a module parameter that exists only on such
 * kernels (and tells these tests which kind they run on).  The cases
 * are those the exit-time cancel of ->flush() cannot reach:
 *
 *  - the device file registered with the ring, and its descriptor closed;
 *  - the device's descriptor closed after submitting;
 *  - the ring closed while its process goes on running;
 *  - a ring with an SQ polling thread, whose process exits.
 *
 * Each child makes its own periodic registration (first firing at once,
 * the next in 60 s) and a WAIT on it through io_uring: a command that
 * would last 60 s.  When the file's last reference goes, its registration
 * is cancelled, so the test watches the pending counter come back.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"
#include "libhwevent-uring.h"

#define TIMEOUT_PARAM	"/sys/module/hwevent/parameters/uring_timeout_ms"
/* The deadline these tests set, where there is one. */
#define DEADLINE_MS	2000
/* "At once": what a prompt cancel takes at most, in the emulated VM. */
#define PROMPT_NS	(10 * NS_PER_SEC)

/* Whether io_uring cancels the driver's commands on this kernel. */
static bool uring_cancels(void)
{
	struct stat st;

	return stat(TIMEOUT_PARAM, &st) != 0;
}

enum life_case { FIXED_FILE, CLOSE_FD, CLOSE_RING, SQPOLL };

/* The child: exits 0 once its WAIT is in flight as @how asks; a step
 * number if something failed. */
static int life_child(enum life_case how, int ready)
{
	struct hwevent_register r;
	struct io_uring_sqe *sqe;
	struct hwevent_wait w;
	struct io_uring ring;
	int fd, ret;

	fd = hwevent_open(0);
	if (fd < 0)
		return 10;
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 1, 0);
	if (hwevent_register(fd, &r))
		return 11;
	ret = io_uring_queue_init(8, &ring, how == SQPOLL ? IORING_SETUP_SQPOLL : 0);
	if (ret)
		return 12;
	memset(&w, 0, sizeof(w));
	w.id = r.id;
	sqe = io_uring_get_sqe(&ring);
	if (how == FIXED_FILE) {
		if (io_uring_register_files(&ring, &fd, 1))
			return 13;
		close(fd);
		hwevent_uring_prep_wait(sqe, 0, &w);
		io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	} else {
		hwevent_uring_prep_wait(sqe, fd, &w);
	}
	if (io_uring_submit(&ring) != 1)
		return 14;
	if (how == CLOSE_FD)
		close(fd);
	if (how == CLOSE_RING) {
		io_uring_queue_exit(&ring);
		close(fd);
		/* Stay alive, and tell the parent. */
		if (write(ready, "r", 1) != 1)
			return 15;
		pause();
		return 16;
	}
	if (write(ready, "r", 1) != 1)
		return 15;
	return 0;
}

/*
 * Run one case; return how long it took, from the moment the child's WAIT
 * was in flight, until nothing was pending any more.
 */
static uint64_t life_case_run(enum life_case how)
{
	struct hwevent_counters c0 = hwt_counters();
	int ready[2], status;
	uint64_t t0, t1;
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		_exit(life_child(how, ready[1]));
	}
	close(ready[1]);
	ck_assert_msg(read(ready[0], &c, 1) == 1, "the child failed before "
		      "its WAIT was in flight");
	close(ready[0]);
	t0 = now_ns();
	if (how != CLOSE_RING) {
		/* An SQPOLL process goes only when its ring lets it. */
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child status %#x", status);
	}
	ck_assert_msg(hwt_wait_pending(0, 30000), "the child's registration "
		      "is still pending 30 s after it let go");
	t1 = now_ns();
	if (how == CLOSE_RING) {
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	}
	/* Its registration was cancelled with the file. */
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	return t1 - t0;
}

static void life_test(enum life_case how, const char *what)
{
	uint64_t took;
	int ret;

	if (!uring_cancels()) {
		ret = module_param_write("uring_timeout_ms", DEADLINE_MS);
		ck_assert_msg(ret == 0, "setting uring_timeout_ms: %s",
			      strerror(-ret));
	}
	took = life_case_run(how);
	hwt_diag("%s: the WAIT ended %.3f s later (%s)", what,
		 (double)took / 1e9, uring_cancels() ?
		 "io_uring cancels commands" : "driver deadline 2 s");
	if (uring_cancels())
		ck_assert_msg(took < PROMPT_NS, "%s: io_uring did not cancel "
			      "the command (%.2f s)", what, (double)took / 1e9);
	else
		ck_assert_msg(took < DEADLINE_MS * NS_PER_MS + PROMPT_NS,
			      "%s: the deadline did not end the command "
			      "(%.2f s)", what, (double)took / 1e9);
	hwt_assert_rest_unload();
}

START_TEST(uring_life_fixed_file_closed)
{
	life_test(FIXED_FILE, "registered file, descriptor closed, exit");
}
END_TEST

START_TEST(uring_life_device_fd_closed)
{
	life_test(CLOSE_FD, "device descriptor closed after submit, exit");
}
END_TEST

START_TEST(uring_life_ring_closed_process_runs)
{
	life_test(CLOSE_RING, "ring closed, process goes on");
}
END_TEST

START_TEST(uring_life_sqpoll_exit)
{
	life_test(SQPOLL, "SQPOLL ring, exit");
}
END_TEST

/*
 * The deadline itself, where io_uring cannot cancel: a WAIT still pending
 * after uring_timeout_ms completes with ETIME, not before it, and leaves
 * its registration; a REGISTER due after it is refused with ERANGE.
 */
START_TEST(uring_deadline_etime_and_erange)
{
	struct hwevent_counters c0;
	struct hwevent_register r, late;
	struct hwevent_wait w;
	struct io_uring ring;
	uint64_t t0, t1, ud;
	int fd, res;

	if (uring_cancels()) {
		hwt_skip("io_uring cancels commands on this kernel (6.7 or "
			 "later): the driver sets no deadline");
		return;
	}
	ck_assert_int_eq(module_param_write("uring_timeout_ms", DEADLINE_MS), 0);
	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 1, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	memset(&w, 0, sizeof(w));
	w.id = r.id;
	t0 = now_ns();
	hwevent_uring_prep_wait(hwt_sqe(&ring), fd, &w);
	hwt_ring_submit(&ring, 1);
	ck_assert(hwt_ring_wait(&ring, SOON_MS + DEADLINE_MS, &res, &ud));
	t1 = now_ns();
	ck_assert_msg(res == -ETIME, "WAIT past the deadline: %d (%s)", res,
		      strerror(res < 0 ? -res : 0));
	ck_assert_uint_ge(t1 - t0, DEADLINE_MS * NS_PER_MS);
	/* The registration stays: it is cancelled only now. */
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);

	hwt_reg_arg(&late, HWEVENT_TYPE_REQUEST,
		    (DEADLINE_MS + 1) * NS_PER_MS, 0, 2, 0);
	hwevent_uring_prep_register(hwt_sqe(&ring), fd, &late);
	hwt_ring_submit(&ring, 1);
	ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, &ud));
	ck_assert_int_eq(res, -ERANGE);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* On 6.7 and later the driver has no deadline and no such parameter. */
START_TEST(uring_no_deadline_where_cancelable)
{
	struct hwevent_register r;
	struct io_uring ring;
	uint64_t ud;
	int fd, res;

	if (!uring_cancels()) {
		hwt_skip("io_uring cannot cancel commands on this kernel "
			 "(before 6.7): the driver's deadline applies");
		return;
	}
	fd = hwt_open();
	hwt_ring_init(&ring, 4);
	/* A day ahead is accepted, and pending until cancelled. */
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, HWEVENT_DUE_MAX_NS, 0, 1, 0);
	hwevent_uring_prep_register(hwt_sqe(&ring), fd, &r);
	hwt_ring_submit(&ring, 1);
	ck_assert(!hwt_ring_wait(&ring, 300, &res, &ud));
	ck_assert(hwt_wait_pending(1, SOON_MS));
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, &ud));
	ck_assert_int_eq(res, -ECANCELED);
	io_uring_queue_exit(&ring);
	close(fd);
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(uring_life_fixed_file_closed, HWT_LOADED, 60),
	HWT_CASE(uring_life_device_fd_closed, HWT_LOADED, 60),
	HWT_CASE(uring_life_ring_closed_process_runs, HWT_LOADED, 60),
	HWT_CASE(uring_life_sqpoll_exit, HWT_LOADED, 60),
	HWT_CASE(uring_deadline_etime_and_erange, HWT_LOADED, 60),
	HWT_CASE(uring_no_deadline_where_cancelable, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_uring_life = HWT_SUITE("uring_life", cases);
