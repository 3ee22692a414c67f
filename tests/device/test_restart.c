// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupted synchronous requests.  A signal that runs no handler (job
 * control, a debugger, io_uring task work) or whose handler has SA_RESTART
 * restarts the call, and the restarted call resumes the same registration:
 * same id, same due time, same place in line, nothing registered or
 * cancelled again.  A handler without SA_RESTART ends the call with EINTR
 * and cancels what it registered (test_cancel.c).  Where the driver parked
 * a request and the thread then got EINTR after all (here: a debugger
 * delivers the signal), the same call resumes it and any other call, or
 * closing the file, cancels it.  And cancels racing signals on a
 * registration with several waiters complete each request exactly once.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hwtest.h"

/* ---- io_uring task work aimed at the waiting thread ---- */

/*
 * A pipe that a second thread writes a byte to every 100 us, and a
 * multishot poll on it submitted by the test's thread: every write queues
 * io_uring task work to that thread, which interrupts whatever it sleeps
 * in, as TIF_NOTIFY_SIGNAL.
 */
struct hail {
	struct io_uring ring;
	int pipe[2];
	pthread_t writer;
	atomic_bool stop;
	uint64_t writes;
};

static void *hail_writer(void *arg)
{
	struct hail *h = arg;
	const struct timespec gap = { 0, 100 * 1000 };

	while (!atomic_load(&h->stop)) {
		if (write(h->pipe[1], "x", 1) == 1)
			h->writes++;
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void hail_start(struct hail *h)
{
	struct io_uring_params p = {
		/* Room for every completion of the test's 5 s: none lost. */
		.flags = IORING_SETUP_CQSIZE,
		.cq_entries = 65536,
	};
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	ret = io_uring_queue_init_params(8, &h->ring, &p);
	ck_assert_msg(ret == 0, "io_uring_queue_init_params: %s", strerror(-ret));
	ck_assert_int_eq(pipe(h->pipe), 0);
	sqe = hwt_sqe(&h->ring);
	io_uring_prep_poll_multishot(sqe, h->pipe[0], POLLIN);
	hwt_ring_submit(&h->ring, 1);
	atomic_init(&h->stop, false);
	h->writes = 0;
	ck_assert_int_eq(pthread_create(&h->writer, NULL, hail_writer, h), 0);
	/* Under way before the test's call: the first completion came. */
	ret = io_uring_wait_cqe(&h->ring, &cqe);
	ck_assert_msg(ret == 0, "io_uring_wait_cqe: %s", strerror(-ret));
	io_uring_cqe_seen(&h->ring, cqe);
}

/* Stop it; returns how many poll completions reached the thread. */
static unsigned int hail_stop(struct hail *h)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;

	atomic_store(&h->stop, true);
	pthread_join(h->writer, NULL);
	while (io_uring_peek_cqe(&h->ring, &cqe) == 0) {
		n++;
		io_uring_cqe_seen(&h->ring, cqe);
	}
	io_uring_queue_exit(&h->ring);
	close(h->pipe[0]);
	close(h->pipe[1]);
	return n;
}

/*
 * A thread whose io_uring completes something every 100 us still gets its
 * event, due in 20 ms: each completion interrupts the blocking REGISTER,
 * and each restart resumes it instead of registering anew with the full
 * due time, which never came before.
 */
START_TEST(restart_task_work_does_not_starve_register)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct hail h;
	unsigned int cqes;
	uint64_t t0, t1;
	int fd, ret;

	fd = hwt_open();
	c0 = hwt_counters();
	hail_start(&h);
	t0 = now_ns();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 20 * NS_PER_MS, 0, 7, 0);
	/* Before the fix this never returned: stopped by the test timeout. */
	ret = hwevent_register(fd, &r);
	t1 = now_ns();
	cqes = hail_stop(&h);
	hwt_diag("REGISTER due in 20 ms returned after %.1f ms; %u io_uring "
		 "completions reached the thread, %" PRIu64 " writes",
		 (double)(t1 - t0) / 1e6, cqes, h.writes);
	ck_assert_msg(ret == 0, "REGISTER: %s", strerror(-ret));
	ck_assert_uint_eq(r.msg.cookie, 7);
	ck_assert_uint_eq(r.msg.id, r.id);
	/* The hail did interrupt it, so the restarts were exercised. */
	ck_assert_msg(cqes >= 1, "no io_uring completion reached the thread");
	/* One registration, never cancelled nor made again. */
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* The same for HWEVENT_IOC_WAIT on a periodic registration. */
START_TEST(restart_task_work_does_not_starve_wait)
{
	const uint64_t period = 20 * NS_PER_MS;
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct hwevent_msg m;
	struct hail h;
	int fd, ret;

	fd = hwt_open();
	c0 = hwt_counters();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, period, 1, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	hail_start(&h);
	for (int i = 0; i < 3; i++) {
		ret = hwevent_wait(fd, r.id, &m);
		ck_assert_msg(ret == 0, "WAIT %d: %s", i, strerror(-ret));
		ck_assert_uint_eq(m.id, r.id);
	}
	ck_assert_msg(hail_stop(&h) >= 1, "no io_uring completion reached the "
		      "thread");
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	hwt_assert_delta_rcp(&c0, 1, 1, 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* ---- SA_RESTART ---- */

/*
 * A handler with SA_RESTART runs; the call restarts and resumes the same
 * registration: one registered, none cancelled, and the event is the
 * original one (its id the one the caller was given).
 */
START_TEST(restart_sa_restart_resumes_registration)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	struct hwt_kicker k;
	uint64_t t0, id;
	int fd, ret;

	hwt_catch_signal(SIGUSR2, SA_RESTART);
	fd = hwt_open();
	c0 = hwt_counters();
	hwt_kick_when_blocked(&k, SIGUSR2, SYS_ioctl);
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 500 * NS_PER_MS, 0, 3, 0);
	t0 = now_ns();
	ret = hwevent_register(fd, &r);
	hwt_kick_join(&k);
	ck_assert_msg(ret == 0, "REGISTER: %s", strerror(-ret));
	id = r.id;
	ck_assert_uint_eq(r.msg.id, id);
	ck_assert_uint_ge(r.msg.fired_ns, t0 + 500 * NS_PER_MS);
	hwt_assert_delta(&c0, 1, 1, 0, 0);
	close(fd);
	hwt_assert_rest();
}
END_TEST

/* ---- a debugger delivers a handled signal ---- */

enum then { THEN_SAME_CALL, THEN_OTHER_CALL, THEN_CLOSE };

/* Exit codes of the traced child. */
#define CHILD_OK	0
#define CHILD_NOT_EINTR	20
#define CHILD_BAD_AFTER	21
#define CHILD_SETUP	22

/*
 * Child, traced by the test: a REQUEST.  The debugger passes
 * SIGUSR1 to it, whose handler has no SA_RESTART: EINTR.  The driver could
 * not foresee that (a debugger decides its tracee's signals), so it kept
 * the request parked.  Then, by @then: the same call again resumes it and
 * returns the event; another call (a CANCEL of nothing) cancels it;
 * closing the file cancels it.
 */
static int traced_child(enum then then)
{
	struct hwevent_register r, again;
	int fd, ret;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		return CHILD_SETUP;
	hwt_catch_signal(SIGUSR1, 0);
	fd = hwevent_open(0);
	if (fd < 0)
		return CHILD_SETUP;
	/* Due when the resumed call waits for it; else not before the end. */
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST,
		    then == THEN_SAME_CALL ? NS_PER_SEC : LONG_DUE_NS, 0, 5, 0);
	ret = hwevent_register(fd, &r);
	if (ret != -EINTR)
		return CHILD_NOT_EINTR;
	switch (then) {
	case THEN_SAME_CALL:
		/* Same address, same input: the interrupted call goes on. */
		ret = hwevent_register(fd, &r);
		if (ret || r.msg.cookie != 5 || r.msg.id != r.id)
			return CHILD_BAD_AFTER;
		break;
	case THEN_OTHER_CALL:
		if (hwevent_cancel(fd, 999) != -ENOENT)
			return CHILD_BAD_AFTER;
		/* The interrupted one is gone: cancelling it finds nothing. */
		if (hwevent_cancel(fd, r.id) != -ENOENT)
			return CHILD_BAD_AFTER;
		/* A call with other input is another call, too. */
		hwt_reg_arg(&again, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 6, 0);
		if (hwevent_register(fd, &again) || again.msg.cookie != 6)
			return CHILD_BAD_AFTER;
		break;
	case THEN_CLOSE:
		break;
	}
	close(fd);
	return CHILD_OK;
}

/* Run traced_child(@then) under ptrace, deliver SIGUSR1 once it waits. */
static void run_traced(enum then then, int64_t dreg, int64_t dfired,
		       int64_t dcanc)
{
	struct hwevent_counters c0 = hwt_counters();
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(traced_child(then));
	ck_assert_msg(hwt_wait_pending(c0.pending + 1, SOON_MS),
		      "the child's request never became pending");
	hwt_sleep_ms(50);
	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	for (;;) {
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (!WIFSTOPPED(status))
			break;
		/* Pass the signal on: its handler runs, the call gets EINTR. */
		ptrace(PTRACE_CONT, pid, NULL,
		       (void *)(long)(WSTOPSIG(status) == SIGUSR1 ? SIGUSR1 : 0));
	}
	ck_assert_msg(WIFEXITED(status), "child status %#x", status);
	ck_assert_msg(WEXITSTATUS(status) == CHILD_OK, "child exit %d (20: no "
		      "EINTR, 21: wrong result after it, 22: setup)",
		      WEXITSTATUS(status));
	hwt_assert_delta(&c0, dreg, dfired, dcanc, 0);
	hwt_assert_rest();
}

START_TEST(parked_request_resumes_on_same_call)
{
	/* One registration, which fired and was returned. */
	run_traced(THEN_SAME_CALL, 1, 1, 0);
}
END_TEST

START_TEST(parked_request_cancelled_by_other_call)
{
	/* The parked one cancelled, then one more that fired. */
	run_traced(THEN_OTHER_CALL, 2, 1, 1);
}
END_TEST

START_TEST(parked_request_cancelled_by_close)
{
	run_traced(THEN_CLOSE, 1, 0, 1);
}
END_TEST

/* ---- cancel against signals, several waiters on one registration ---- */

#define CVS_WAITERS	4
#define CVS_ROUNDS	2000

struct cvs {
	int fd;
	_Atomic uint64_t id;		/* the round's registration */
	pthread_barrier_t start, done;
	pthread_t t[CVS_WAITERS];
	int ret[CVS_WAITERS];
	atomic_bool quit;
};

struct cvs_arg {
	struct cvs *c;
	int i;
};

static void *cvs_waiter(void *arg)
{
	struct cvs_arg *a = arg;
	struct cvs *c = a->c;

	for (;;) {
		pthread_barrier_wait(&c->start);
		if (atomic_load(&c->quit))
			return NULL;
		c->ret[a->i] = hwevent_wait(c->fd, atomic_load(&c->id), NULL);
		pthread_barrier_wait(&c->done);
	}
}

/*
 * Each round: a periodic REQUEST registration that will not fire again in
 * the test's life, CVS_WAITERS threads blocked in WAIT on it, then CANCEL
 * from this thread while some of the waiters get a handled signal, at
 * random moments around it.  Every WAIT must end exactly once, with
 * ECANCELED or EINTR; the registration is gone; and the kernel, which
 * watches list corruption and (on the debug kernel) freed memory, stays
 * silent.  The cancel used to complete waiters from a list the waiters
 * themselves could unlink from, on their own stack frames.
 */
START_TEST(race_cancel_vs_signal_many_waiters)
{
	struct cvs_arg args[CVS_WAITERS];
	struct hwevent_counters c0;
	struct hwevent_register r;
	uint64_t rng = hwt_seed() * 17 + 3, n_intr = 0, n_canc = 0;
	unsigned int rounds = hwt_iters(CVS_ROUNDS);
	struct cvs c;
	int err = 0;

	hwt_catch_signal(SIGUSR1, 0);
	c.fd = hwt_open();
	atomic_init(&c.quit, false);
	atomic_init(&c.id, 0);
	pthread_barrier_init(&c.start, NULL, CVS_WAITERS + 1);
	pthread_barrier_init(&c.done, NULL, CVS_WAITERS + 1);
	for (int i = 0; i < CVS_WAITERS; i++) {
		args[i] = (struct cvs_arg){ &c, i };
		ck_assert_int_eq(pthread_create(&c.t[i], NULL, cvs_waiter,
						&args[i]), 0);
	}
	c0 = hwt_counters();
	for (unsigned int round = 0; round < rounds && !err; round++) {
		unsigned int kick = hwt_rand(&rng);
		int cret;

		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 1, LONG_DUE_NS,
			    (uint64_t)round, 0);
		ck_assert_int_eq(hwevent_register(c.fd, &r), 0);
		atomic_store(&c.id, r.id);
		pthread_barrier_wait(&c.start);
		/* Let them block, most rounds; some race the WAIT itself. */
		hwt_spin_ns(hwt_rand(&rng) % (200 * NS_PER_US));
		for (int i = 0; i < CVS_WAITERS; i++)
			if (kick & (1u << i))
				pthread_kill(c.t[i], SIGUSR1);
		hwt_spin_ns(hwt_rand(&rng) % (20 * NS_PER_US));
		cret = hwevent_cancel(c.fd, r.id);
		pthread_barrier_wait(&c.done);
		if (cret) {
			err = cret;
			break;
		}
		for (int i = 0; i < CVS_WAITERS; i++) {
			int ret = c.ret[i];

			if (ret == -EINTR)
				n_intr++;
			else if (ret == -ECANCELED || ret == -ENOENT)
				n_canc++;	/* ENOENT: WAIT after the CANCEL */
			else
				err = ret ? ret : -EPROTO;
		}
	}
	atomic_store(&c.quit, true);
	pthread_barrier_wait(&c.start);
	for (int i = 0; i < CVS_WAITERS; i++)
		pthread_join(c.t[i], NULL);
	hwt_diag("%u rounds of %d waiters: %" PRIu64 " EINTR, %" PRIu64
		 " cancelled", rounds, CVS_WAITERS, n_intr, n_canc);
	ck_assert_msg(!err, "a WAIT or CANCEL returned %d (%s)", err,
		      strerror(-err));
	ck_assert_msg(n_intr && n_canc, "no race: %" PRIu64 " EINTR, %" PRIu64
		      " cancelled", n_intr, n_canc);
	hwt_assert_delta_rcp(&c0, rounds, rounds, 0);
	close(c.fd);
	pthread_barrier_destroy(&c.start);
	pthread_barrier_destroy(&c.done);
	hwt_assert_rest_unload();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(restart_task_work_does_not_starve_register, HWT_LOADED, 30),
	HWT_CASE(restart_task_work_does_not_starve_wait, HWT_LOADED, 30),
	HWT_CASE(restart_sa_restart_resumes_registration, HWT_LOADED, 30),
	HWT_CASE(parked_request_resumes_on_same_call, HWT_LOADED, 30),
	HWT_CASE(parked_request_cancelled_by_other_call, HWT_LOADED, 30),
	HWT_CASE(parked_request_cancelled_by_close, HWT_LOADED, 30),
	HWT_CASE(race_cancel_vs_signal_many_waiters, HWT_LOADED, 300),
};

const struct hwt_suite hwt_suite_restart = HWT_SUITE("restart", cases);
