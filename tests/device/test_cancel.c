// SPDX-License-Identifier: GPL-2.0
/*
 * Cancellation: a signal ends a REQUEST wait; closing the file (also by
 * exit or SIGKILL) cancels everything pending on it, and nothing fires
 * afterwards.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hwtest.h"

/* A caught signal ends the wait with EINTR and cancels the registration:
 * it never fires later. */
START_TEST(request_signal_returns_eintr_and_cancels)
{
	const uint64_t due = 2 * NS_PER_SEC;
	struct hwevent_counters c0;
	struct hwevent_msg m;
	struct hwt_kicker k;
	uint64_t t0, t1;
	int fd, ret;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	fd = hwt_open();
	c0 = hwt_counters();
	t0 = now_ns();
	hwt_kick_when_blocked(&k, SIGUSR1, SYS_ioctl);
	ret = hwevent_wait_request(fd, due, 1, &m);
	t1 = now_ns();
	hwt_kick_join(&k);
	ck_assert_msg(ret == -EINTR, "request returned %d (%s), expected -EINTR",
		      ret, strerror(-ret));
	ck_assert_msg(t1 - t0 < due, "the signal did not end the wait (%" PRIu64
		      " ns)", t1 - t0);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	/* Not even after its due time. */
	hwt_sleep_ms((unsigned int)((due + 500 * NS_PER_MS) / NS_PER_MS));
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	/* The file goes on working. */
	ck_assert_int_eq(hwevent_wait_request(fd, NS_PER_MS, 2, &m), 0);
	ck_assert_uint_eq(m.cookie, 2);
	hwt_assert_delta(&c0, 2, 1, 1, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* An ignored signal is not delivered and does not end the wait. */
START_TEST(request_ignored_signal_does_not_interrupt)
{
	struct hwevent_counters c0;
	struct hwevent_msg m;
	struct hwt_kicker k;
	int fd, ret;

	bool kicked = false;
	unsigned int n;

	ck_assert(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
	fd = hwt_open();
	c0 = hwt_counters();
	/* A round where the request ended before the signal proves nothing
	 * (a slow kernel): again, up to 5 times. */
	for (n = 0; n < 5 && !kicked; n++) {
		hwt_kick_when_blocked(&k, SIGUSR2, SYS_ioctl);
		ret = hwevent_wait_request(fd, 300 * NS_PER_MS, 9, &m);
		kicked = hwt_kick_join(&k);
		ck_assert_msg(ret == 0, "request: %s", strerror(-ret));
		ck_assert_uint_eq(m.cookie, 9);
	}
	ck_assert_msg(kicked, "the request ended before the signal, 5 times");
	hwt_assert_delta(&c0, n, n, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* A child blocked in a REQUEST and killed by SIGKILL: cancelled. */
START_TEST(request_sigkill_cancels)
{
	struct hwevent_counters c0;
	int fd, status;
	pid_t pid;

	fd = hwt_open();
	c0 = hwt_counters();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hwevent_msg m;

		hwevent_wait_request(fd, LONG_DUE_NS, 1, &m);
		_exit(3);
	}
	ck_assert_msg(hwt_wait_pending(1, SOON_MS),
		      "the child's request never became pending");
	hwt_sleep_ms(20);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	hwt_assert_rest();
}
END_TEST

/* Closing the file cancels its pending EVENTFD registrations at once. */
START_TEST(close_cancels_eventfd)
{
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < 5; i++)
		hwt_reg_eventfd(fd, efd, NS_PER_SEC + (uint64_t)i);
	close(fd);
	hwt_assert_delta(&c0, 5, 0, 5, 0);
	hwt_sleep_ms(1300);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after close");
	hwt_assert_delta(&c0, 5, 0, 5, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Registrations that fired are not counted again when the file closes. */
START_TEST(close_cancels_only_pending)
{
	struct hwevent_counters c0;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	for (int i = 0; i < 3; i++) {
		hwt_reg_eventfd(fd, efd, NS_PER_MS);
		hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	}
	ck_assert_uint_eq(hwt_efd_collect(efd, 3, SOON_MS), 3);
	hwt_assert_delta(&c0, 6, 3, 0, 3);
	close(fd);
	hwt_assert_delta(&c0, 6, 3, 3, 0);
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* Child registrations and their end: how the child leaves. */
enum child_end { END_EXIT, END_SIGKILL };

static void child_cancels(enum child_end how)
{
	struct hwevent_counters c0;
	int efd, p[2], status;
	char c;
	pid_t pid;

	efd = hwt_eventfd();
	ck_assert_int_eq(pipe(p), 0);
	c0 = hwt_counters();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = hwevent_open(0);

		close(p[0]);
		if (fd < 0)
			_exit(10);
		for (int i = 0; i < 3; i++)
			if (hwevent_register_eventfd(fd, efd, NS_PER_SEC,
						     i, NULL))
				_exit(11);
		if (write(p[1], "r", 1) != 1)
			_exit(12);
		if (how == END_SIGKILL)
			for (;;)
				pause();
		_exit(0);
	}
	close(p[1]);
	ck_assert_msg(read(p[0], &c, 1) == 1, "child failed before registering");
	close(p[0]);
	if (how == END_SIGKILL)
		kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (how == END_SIGKILL)
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child status %#x", status);
	hwt_assert_delta(&c0, 3, 0, 3, 0);
	hwt_sleep_ms(1300);
	ck_assert_msg(!hwt_efd_ready(efd), "eventfd signalled after exit");
	hwt_assert_delta(&c0, 3, 0, 3, 0);
	close(efd);
	hwt_assert_rest();
}

START_TEST(exit_cancels_eventfd)
{
	child_cancels(END_EXIT);
}
END_TEST

START_TEST(sigkill_cancels_eventfd)
{
	child_cancels(END_SIGKILL);
}
END_TEST

/* Closing one descriptor of a file that is still open elsewhere (dup)
 * cancels nothing: only the file's release does. */
START_TEST(close_of_dup_cancels_nothing)
{
	struct hwevent_counters c0;
	int fd, fd2, efd;

	fd = hwt_open();
	fd2 = dup(fd);
	ck_assert_int_ge(fd2, 0);
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, 200 * NS_PER_MS);
	close(fd);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd2);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* A child sharing the parent's open file registers and exits: the file
 * stays open in the parent, so the registration still fires. */
START_TEST(child_exit_keeps_shared_file)
{
	struct hwevent_counters c0;
	int fd, efd, status;
	pid_t pid;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(hwevent_register_eventfd(fd, efd, 200 * NS_PER_MS, 1,
					       NULL) ? 1 : 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

struct req_arg {
	int fd;
	int ret;
	struct hwevent_msg m;
};

static void *req_fn(void *arg)
{
	struct req_arg *a = arg;

	/* Long enough that the test sees it pending however slow the VM. */
	a->ret = hwevent_wait_request(a->fd, 2 * NS_PER_SEC, 77, &a->m);
	return NULL;
}

/* Closing the descriptor while another thread waits in a REQUEST on it
 * does not disturb the request: the ioctl holds the file. */
START_TEST(close_during_request_in_other_thread)
{
	struct hwevent_counters c0;
	struct req_arg a;
	pthread_t t;

	memset(&a, 0, sizeof(a));
	a.fd = hwt_open();
	c0 = hwt_counters();
	ck_assert_int_eq(pthread_create(&t, NULL, req_fn, &a), 0);
	ck_assert(hwt_wait_pending(1, SOON_MS));
	close(a.fd);
	pthread_join(t, NULL);
	ck_assert_msg(a.ret == 0, "request: %s", strerror(-a.ret));
	ck_assert_uint_eq(a.m.cookie, 77);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	hwt_assert_rest();
}
END_TEST

/* Child: a REQUEST due in 500 ms; 0 if it returned the event, else
 * 100 + errno. */
static int stopped_request(void *arg)
{
	struct hwevent_msg m;
	int fd = hwevent_open(0), ret;

	(void)arg;
	if (fd < 0)
		return 99;
	ret = hwevent_wait_request(fd, 500 * NS_PER_MS, 1, &m);
	return ret ? 100 + -ret : 0;
}

/*
 * SIGSTOP and SIGCONT (job control, a debugger attaching) are no signals
 * the application handles: a REQUEST blocked across them must go on and
 * return its event, not fail with EINTR and lose its registration.
 */
START_TEST(request_restarts_after_sigstop_sigcont)
{
	struct hwevent_counters c0 = hwt_counters();
	unsigned int tries;
	int st = hwt_stop_cont_child(stopped_request, NULL, 1, SYS_ioctl, 100,
				     &tries);

	ck_assert_msg(st == 0, "the stopped and continued request failed: %s",
		      st > 100 ? strerror(st - 100) : "setup");
	/*
	 * The stop interrupted the wait; as no handler ran, the call was
	 * restarted after SIGCONT and resumed the same registration: one
	 * registered, one fired, none cancelled (docs/design.md, rule 5).
	 */
	hwt_assert_delta(&c0, tries, tries, 0, 0);
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(request_signal_returns_eintr_and_cancels, HWT_LOADED, 60),
	HWT_CASE(request_ignored_signal_does_not_interrupt, HWT_LOADED, 60),
	HWT_CASE(request_sigkill_cancels, HWT_LOADED, 60),
	HWT_CASE(request_restarts_after_sigstop_sigcont, HWT_LOADED, 60),
	HWT_CASE(close_cancels_eventfd, HWT_LOADED, 60),
	HWT_CASE(close_cancels_only_pending, HWT_LOADED, 60),
	HWT_CASE(exit_cancels_eventfd, HWT_LOADED, 60),
	HWT_CASE(sigkill_cancels_eventfd, HWT_LOADED, 60),
	HWT_CASE(close_of_dup_cancels_nothing, HWT_LOADED, 60),
	HWT_CASE(child_exit_keeps_shared_file, HWT_LOADED, 60),
	HWT_CASE(close_during_request_in_other_thread, HWT_LOADED, 60),
};

const struct hwt_suite hwt_suite_cancel = HWT_SUITE("cancel", cases);
