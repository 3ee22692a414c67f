// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: 8 threads and 4 processes at once, for a few seconds, each
 * making registrations of every type and model (EVENTFD, QUEUE, REQUEST
 * synchronous and through io_uring, single-shot and periodic), reading
 * queues, waiting, cancelling, on a file they all share and on files of
 * their own, which they close and reopen now and then.  One process exits
 * with everything in flight, one is killed.  Afterwards every file is
 * closed and the counters must add up with what the workers saw:
 *
 *   registered  == what the workers had accepted (one more at most for
 *                  the killed process, which may die between an accepted
 *                  registration and its bookkeeping);
 *   pending     == 0;
 *   cancelled   >= periodic registrations (they end only by cancel)
 *                  + single-shot cancels the workers saw;
 *   registered - cancelled, the single-shot firings,
 *               >= the single-shot firings the workers saw
 *                  (REQUEST results, io_uring completions, records,
 *                  eventfd counts), and <= fired.
 *
 * Then the module must unload.  The kernel log is checked by the suite.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"
#include "libhwevent-uring.h"

#define STRESS_THREADS	8
#define STRESS_PROCS	4
#define STRESS_WORKERS	(STRESS_THREADS + STRESS_PROCS)
#define STRESS_MS	3000
#define URING_SLOTS	32
#define MAX_PERIODIC	4
#define MAX_RECENT	16
/* Process workers: [0] exits with everything in flight, [1] is killed. */
#define DIRTY_PROC	(STRESS_THREADS + 0)
#define KILLED_PROC	(STRESS_THREADS + 1)

#define COOKIE_PERIODIC	(1ULL << 31)

/* What one worker saw; in shared memory. */
struct stress_res {
	uint64_t accepted;		/* registrations the driver accepted */
	uint64_t accepted_periodic;	/* of those, periodic */
	uint64_t fired_seen;		/* single-shot firings seen */
	uint64_t cancelled_seen;	/* single-shot cancels seen */
	uint64_t waits;
	uint64_t periodic_records;
	uint64_t enospc;		/* refused: max_pending */
	uint64_t ebusy;			/* refused: a rate budget */
	uint64_t ops;
	uint64_t reopens;
	uint64_t eintr;			/* see below */
	uint64_t out_of_order;		/* records read after a later seq */
	uint64_t gone;			/* periodic REQUESTs gone at once */
	int efd_single;			/* threads: read by the test at the end */
	int err;
	char what[96];
};

struct ref {
	int fd;
	uint64_t id;
};

/*
 * Shared by the workers, threads and processes: the workers count
 * themselves ready once set up, and run from start until the deadline,
 * which the test sets only when every worker was ready, so that however
 * long setting up takes (the debug kernel), each has its full time.
 */
struct stress_sync {
	atomic_int ready;
	atomic_int start;
	_Atomic uint64_t deadline;
};

struct stress_ctx {
	int idx;
	int shared_fd;
	uint64_t seed;
	bool is_proc;
	struct stress_sync *sync;
	struct stress_res *res;
};

struct worker {
	struct stress_ctx *x;
	struct stress_res *res;
	uint64_t rng;
	int own;
	int efd_single, efd_periodic;
	struct io_uring ring;
	struct hwevent_register ureg[URING_SLOTS];
	int ureg_fd[URING_SLOTS];
	bool used[URING_SLOTS];
	bool is_long[URING_SLOTS];
	unsigned int inflight;
	struct ref periodic[MAX_PERIODIC];
	unsigned int nperiodic;
	struct ref recent[MAX_RECENT];
	unsigned int nrecent;
	uint64_t n;
};

static void wfail(struct worker *w, const char *what, int err)
{
	if (w->res->err)
		return;
	snprintf(w->res->what, sizeof(w->res->what), "worker %d: %s: %s",
		 w->x->idx, what, strerror(err < 0 ? -err : err));
	w->res->err = err ? err : -1;
}

static uint64_t cookie(struct worker *w, bool periodic)
{
	return (uint64_t)w->x->idx << 32 | (periodic ? COOKIE_PERIODIC : 0) |
	       (++w->n & 0x7fffffff);
}

static int pick_fd(struct worker *w)
{
	return hwt_rand(&w->rng) & 1 ? w->x->shared_fd : w->own;
}

/* Account for an accepted registration, or for ENOSPC; false on error. */
static bool accepted(struct worker *w, int ret, const char *what)
{
	if (ret == -ENOSPC) {
		w->res->enospc++;
		return false;
	}
	/* Workers sharing a file can ask more than its rate budget. */
	if (ret == -EBUSY) {
		w->res->ebusy++;
		return false;
	}
	if (ret) {
		wfail(w, what, ret);
		return false;
	}
	w->res->accepted++;
	return true;
}

static void remember_recent(struct worker *w, int fd, uint64_t id)
{
	w->recent[w->nrecent++ % MAX_RECENT] = (struct ref){ fd, id };
}

static void cancel_periodic(struct worker *w, unsigned int i)
{
	int ret = hwevent_cancel(w->periodic[i].fd, w->periodic[i].id);

	if (ret)
		wfail(w, "cancel of a periodic registration", ret);
	w->periodic[i] = w->periodic[--w->nperiodic];
}

static void add_periodic(struct worker *w, int fd, uint64_t id)
{
	if (w->nperiodic == MAX_PERIODIC)
		cancel_periodic(w, 0);
	w->periodic[w->nperiodic++] = (struct ref){ fd, id };
	w->res->accepted_periodic++;
}

static void reap_one(struct worker *w, struct io_uring_cqe *cqe)
{
	uint64_t slot = cqe->user_data;
	int res = cqe->res;

	io_uring_cqe_seen(&w->ring, cqe);
	if (slot >= URING_SLOTS || !w->used[slot]) {
		wfail(w, "CQE of an unknown slot", EINVAL);
		return;
	}
	if (res == 0) {
		struct hwevent_msg *m = &w->ureg[slot].msg;

		if (m->cookie != w->ureg[slot].cookie || m->id != w->ureg[slot].id ||
		    m->type != HWEVENT_TYPE_REQUEST)
			wfail(w, "io_uring message does not match", EINVAL);
		w->res->fired_seen++;
	} else if (res == -ECANCELED) {
		w->res->cancelled_seen++;
	} else if (res == -ENOSPC) {
		w->res->enospc++;
	} else if (res == -EBUSY) {
		w->res->ebusy++;
	} else {
		wfail(w, "io_uring request", res);
	}
	w->used[slot] = false;
	w->inflight--;
}

static void reap(struct worker *w)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&w->ring, &cqe) == 0)
		reap_one(w, cqe);
}

static void submit_uring(struct worker *w, int fd)
{
	struct io_uring_sqe *sqe;
	unsigned int slot;
	bool is_long = hwt_rand(&w->rng) % 8 == 0;
	int ret;

	for (slot = 0; slot < URING_SLOTS && w->used[slot]; slot++)
		;
	if (slot == URING_SLOTS) {
		reap(w);
		return;
	}
	sqe = io_uring_get_sqe(&w->ring);
	if (!sqe) {
		wfail(w, "no SQE", ENOSPC);
		return;
	}
	hwt_reg_arg(&w->ureg[slot], HWEVENT_TYPE_REQUEST,
		    is_long ? LONG_DUE_NS : 1 + hwt_rand(&w->rng) % NS_PER_MS, 0,
		    cookie(w, false), 0);
	hwevent_uring_prep_register(sqe, fd, &w->ureg[slot]);
	io_uring_sqe_set_data64(sqe, slot);
	w->used[slot] = true;
	w->is_long[slot] = is_long;
	w->ureg_fd[slot] = fd;
	w->inflight++;
	ret = io_uring_submit(&w->ring);
	if (ret != 1) {
		wfail(w, "io_uring_submit", ret < 0 ? ret : EIO);
		return;
	}
	/* The id is written at submission; 0 means the CQE has the error. */
	if (__atomic_load_n(&w->ureg[slot].id, __ATOMIC_ACQUIRE))
		w->res->accepted++;
}

/* Cancel this worker's long io_uring requests on @fd (-1: on any). */
static void cancel_long(struct worker *w, int fd)
{
	for (unsigned int s = 0; s < URING_SLOTS; s++) {
		int ret;

		if (!w->used[s] || !w->is_long[s] || !w->ureg[s].id ||
		    (fd >= 0 && w->ureg_fd[s] != fd))
			continue;
		ret = hwevent_cancel(w->ureg_fd[s], w->ureg[s].id);
		if (ret)
			wfail(w, "cancel of a long io_uring request", ret);
		w->is_long[s] = false;	/* its CQE comes, -ECANCELED */
	}
}

static void read_queue(struct worker *w, int fd)
{
	struct hwevent_msg m[16];
	ssize_t n = hwt_read_raw(fd, m, sizeof(m));

	if (n == -EAGAIN)
		return;
	if (n <= 0 || n % MSG_SIZE) {
		wfail(w, "read of the queue", n < 0 ? (int)n : EIO);
		return;
	}
	for (ssize_t i = 0; i < n / (ssize_t)MSG_SIZE; i++) {
		/* A full queue's loss marker: a record of no registration. */
		if (m[i].flags == HWEVENT_MSG_LOST && m[i].lost && !m[i].id)
			continue;
		if (m[i].type != HWEVENT_TYPE_QUEUE ||
		    (m[i].cookie >> 32) >= STRESS_WORKERS || !m[i].id) {
			wfail(w, "bad queue record", EINVAL);
			return;
		}
		/* Counted, not failed: queue_seq_order_across_cpus in the
		 * queue suite asserts the order. */
		if (i && m[i].seq <= m[i - 1].seq)
			w->res->out_of_order++;
		if (m[i].cookie & COOKIE_PERIODIC)
			w->res->periodic_records++;
		else
			w->res->fired_seen++;
	}
}

static void periodic_request(struct worker *w, int fd)
{
	struct hwevent_register r;
	struct hwevent_msg m;
	int ret, k;

	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 50 * NS_PER_US,
		    100 * NS_PER_US + hwt_rand(&w->rng) % (200 * NS_PER_US),
		    cookie(w, true), 0);
	ret = hwevent_register(fd, &r);
	if (ret == -EINTR) {
		/* As for single-shot REQUESTs: cancelled. */
		w->res->eintr++;
		w->res->accepted++;
		w->res->accepted_periodic++;
		return;
	}
	if (!accepted(w, ret, "periodic REQUEST"))
		return;
	w->res->accepted_periodic++;
	if (r.msg.id != r.id || r.msg.cookie != r.cookie)
		wfail(w, "periodic REQUEST message does not match", EINVAL);
	k = 1 + (int)(hwt_rand(&w->rng) % 3);
	for (int i = 0; i < k; i++) {
		ret = hwevent_wait(fd, r.id, &m);
		if (ret == -EINTR) {
			w->res->eintr++;	/* the registration stays */
			continue;
		}
		if (ret == -ENOENT) {
			/* Counted, not failed: periodic_race_register_vs_signal
			 * in the periodic suite asserts it stays. */
			w->res->gone++;
			return;
		}
		if (ret) {
			wfail(w, "WAIT", ret);
			break;
		}
		if (m.id != r.id)
			wfail(w, "WAIT message does not match", EINVAL);
		w->res->waits++;
	}
	ret = hwevent_cancel(fd, r.id);
	if (ret)
		wfail(w, "cancel of a periodic REQUEST", ret);
}

static void reopen_own(struct worker *w)
{
	cancel_long(w, w->own);
	for (unsigned int i = 0; i < w->nperiodic;) {
		if (w->periodic[i].fd == w->own)
			cancel_periodic(w, i);
		else
			i++;
	}
	/* Forget ids of the old file: the new one counts from 1 again. */
	for (unsigned int i = 0; i < MAX_RECENT; i++)
		if (w->recent[i].fd == w->own)
			w->recent[i].id = 0;
	close(w->own);
	w->own = hwevent_open(O_NONBLOCK);
	if (w->own < 0)
		wfail(w, "reopen", w->own);
	w->res->reopens++;
}

static void one_op(struct worker *w)
{
	int fd = pick_fd(w), ret;
	uint32_t op = hwt_rand(&w->rng) % 12;
	uint64_t id = 0;
	struct ref *rf;
	struct hwevent_msg m;

	w->res->ops++;
	switch (op) {
	case 0:
		ret = hwt_register_efd(fd, w->efd_single,
				       1 + hwt_rand(&w->rng) % (500 * NS_PER_US),
				       0, cookie(w, false), &id);
		if (accepted(w, ret, "EVENTFD"))
			remember_recent(w, fd, id);
		break;
	case 1:
		ret = hwt_register_efd(fd, w->efd_periodic, 100 * NS_PER_US,
				       100 * NS_PER_US + hwt_rand(&w->rng) %
				       (900 * NS_PER_US), cookie(w, true), &id);
		if (accepted(w, ret, "periodic EVENTFD"))
			add_periodic(w, fd, id);
		break;
	case 2:
		ret = hwevent_register_queue(fd, 1 + hwt_rand(&w->rng) %
					 (500 * NS_PER_US), 0, cookie(w, false),
					 &id);
		if (accepted(w, ret, "QUEUE"))
			remember_recent(w, fd, id);
		break;
	case 3:
		ret = hwevent_register_queue(fd, 100 * NS_PER_US, 100 * NS_PER_US +
					 hwt_rand(&w->rng) % (900 * NS_PER_US),
					 cookie(w, true), &id);
		if (accepted(w, ret, "periodic QUEUE"))
			add_periodic(w, fd, id);
		break;
	case 4: {
		uint64_t c = cookie(w, false);

		ret = hwevent_wait_request(fd, 1 + hwt_rand(&w->rng) %
					   (300 * NS_PER_US), c, &m);
		if (ret == -EINTR) {
			/* Spurious (no signal here): the completion of this
			 * thread's io_uring request; the registration was
			 * cancelled.  Tested on its own in the uring suite. */
			w->res->eintr++;
			w->res->accepted++;
			w->res->cancelled_seen++;
		} else if (accepted(w, ret, "REQUEST")) {
			if (m.cookie != c || m.type != HWEVENT_TYPE_REQUEST)
				wfail(w, "REQUEST message does not match", EINVAL);
			w->res->fired_seen++;
		}
		break;
	}
	case 5:
		if (hwt_rand(&w->rng) % 4 == 0)
			periodic_request(w, fd);
		break;
	case 6:
	case 7:
		submit_uring(w, fd);
		break;
	case 8:
		reap(w);
		break;
	case 9:
		read_queue(w, fd);
		break;
	case 10:
		rf = &w->recent[hwt_rand(&w->rng) % MAX_RECENT];
		if (!rf->id)
			break;
		ret = hwevent_cancel(rf->fd, rf->id);
		if (ret == 0)
			w->res->cancelled_seen++;
		else if (ret != -ENOENT)
			wfail(w, "cancel", ret);
		rf->id = 0;
		break;
	case 11:
		if (hwt_rand(&w->rng) % 16 == 0)
			reopen_own(w);
		break;
	}
}

/* Run one worker; for a process, @dirty leaves everything in flight. */
static void run_worker(struct stress_ctx *x, bool dirty)
{
	struct worker *w = calloc(1, sizeof(*w));
	struct io_uring_cqe *cqe;

	if (!w) {
		x->res->err = -ENOMEM;
		atomic_fetch_add(&x->sync->ready, 1);
		return;
	}
	w->x = x;
	w->res = x->res;
	w->rng = x->seed * 1000003 + (uint64_t)x->idx + 1;
	w->own = hwevent_open(O_NONBLOCK);
	w->efd_single = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->efd_periodic = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->res->efd_single = w->efd_single;
	if (w->own < 0 || w->efd_single < 0 || w->efd_periodic < 0) {
		wfail(w, "setup", w->own < 0 ? w->own : -errno);
		atomic_fetch_add(&x->sync->ready, 1);
		return;
	}
	if (io_uring_queue_init(2 * URING_SLOTS, &w->ring, 0)) {
		wfail(w, "io_uring_queue_init", EIO);
		atomic_fetch_add(&x->sync->ready, 1);
		return;
	}
	atomic_fetch_add(&x->sync->ready, 1);
	while (!atomic_load(&x->sync->start))
		hwt_sleep_ms(1);
	while (now_ns() < atomic_load(&x->sync->deadline) &&
	       !w->res->err)
		one_op(w);
	if (dirty)
		return;		/* the process exits with all this in flight */

	while (w->nperiodic)
		cancel_periodic(w, 0);
	cancel_long(w, -1);
	while (w->inflight && !w->res->err) {
		struct __kernel_timespec ts = { .tv_sec = SOON_MS / 1000 };

		if (io_uring_wait_cqe_timeout(&w->ring, &cqe, &ts)) {
			wfail(w, "io_uring requests never completed", ETIME);
			break;
		}
		reap_one(w, cqe);
	}
	io_uring_queue_exit(&w->ring);
	read_queue(w, w->own);
	close(w->own);
	close(w->efd_periodic);
	if (x->is_proc) {
		/* Single-shot eventfd registrations on the shared file may
		 * still be pending: a lower bound. */
		w->res->fired_seen += hwt_efd_take(w->efd_single);
		close(w->efd_single);
	}
	free(w);
}

static void *thread_fn(void *arg)
{
	run_worker(arg, false);
	return NULL;
}

START_TEST(stress_all_models_threads_and_processes)
{
	struct stress_ctx ctx[STRESS_WORKERS];
	pthread_t th[STRESS_THREADS];
	pid_t pid[STRESS_PROCS];
	struct hwevent_counters c0, c1;
	struct stress_res *res, sum;
	struct stress_sync *sync;
	uint64_t seed = hwt_seed(), t0, dreg, dcanc, single_fired;
	int shared, status;

	res = mmap(NULL, STRESS_WORKERS * sizeof(*res) + sizeof(*sync),
		   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(res != MAP_FAILED);
	memset(res, 0, STRESS_WORKERS * sizeof(*res));
	sync = (struct stress_sync *)(res + STRESS_WORKERS);
	atomic_init(&sync->ready, 0);
	atomic_init(&sync->start, 0);
	atomic_init(&sync->deadline, 0);
	shared = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(shared, 0);
	c0 = hwt_counters();
	t0 = now_ns();
	for (int i = 0; i < STRESS_WORKERS; i++)
		ctx[i] = (struct stress_ctx){
			.idx = i, .shared_fd = shared, .seed = seed,
			.is_proc = i >= STRESS_THREADS, .sync = sync,
			.res = &res[i],
		};
	fflush(NULL);
	for (int i = 0; i < STRESS_PROCS; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			int idx = STRESS_THREADS + i;

			run_worker(&ctx[idx], idx == DIRTY_PROC);
			_exit(0);
		}
	}
	for (int i = 0; i < STRESS_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_fn, &ctx[i]),
				 0);
	while (atomic_load(&sync->ready) < STRESS_WORKERS) {
		ck_assert_msg(now_ns() - t0 < 60 * NS_PER_SEC,
			      "only %d of %d workers set up in 60 s",
			      atomic_load(&sync->ready), STRESS_WORKERS);
		hwt_sleep_ms(5);
	}
	atomic_store(&sync->deadline, now_ns() + STRESS_MS * NS_PER_MS);
	atomic_store(&sync->start, 1);
	/* Half-way through, the killed worker goes, mid-flight. */
	hwt_sleep_ms(STRESS_MS / 2);
	kill(pid[KILLED_PROC - STRESS_THREADS], SIGKILL);
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < STRESS_PROCS; i++) {
		uint64_t tk = now_ns();

		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert_msg(now_ns() - tk < 30 * NS_PER_SEC,
			      "process worker %d took %.1f s to go", i,
			      (double)(now_ns() - tk) / 1e9);
		if (STRESS_THREADS + i == KILLED_PROC)
			ck_assert_msg(WIFSIGNALED(status) ||
				      (WIFEXITED(status) && !WEXITSTATUS(status)),
				      "killed worker status %#x", status);
		else
			ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status),
				      "process worker %d status %#x", i, status);
	}
	close(shared);
	ck_assert_msg(hwt_wait_pending(0, SOON_MS), "%" PRIu64 " registrations "
		      "pending after every file was closed",
		      hwt_counters().pending);
	c1 = hwt_counters();

	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < STRESS_WORKERS; i++) {
		if (i != KILLED_PROC)
			ck_assert_msg(!res[i].err, "%s", res[i].what);
		if (i < STRESS_THREADS) {
			res[i].fired_seen += hwt_efd_take(res[i].efd_single);
			close(res[i].efd_single);
		}
		sum.accepted += res[i].accepted;
		sum.accepted_periodic += res[i].accepted_periodic;
		sum.fired_seen += res[i].fired_seen;
		sum.cancelled_seen += res[i].cancelled_seen;
		sum.waits += res[i].waits;
		sum.periodic_records += res[i].periodic_records;
		sum.enospc += res[i].enospc;
		sum.ebusy += res[i].ebusy;
		sum.ops += res[i].ops;
		sum.reopens += res[i].reopens;
		sum.eintr += res[i].eintr;
		sum.out_of_order += res[i].out_of_order;
		sum.gone += res[i].gone;
	}
	dreg = c1.registered - c0.registered;
	dcanc = c1.cancelled - c0.cancelled;
	single_fired = dreg - dcanc;
	hwt_diag("%d workers, %" PRIu64 " ops: %" PRIu64 " registrations (%"
		 PRIu64 " periodic), %" PRIu64 " single-shot firings seen, %"
		 PRIu64 " cancels seen, %" PRIu64 " waits, %" PRIu64 " periodic "
		 "records, %" PRIu64 " ENOSPC, %" PRIu64 " EBUSY, %" PRIu64
		 " reopens; counters: "
		 "+%" PRIu64 " registered, +%" PRIu64 " fired, +%" PRIu64
		 " cancelled, +%" PRIu64 " lost", STRESS_WORKERS, sum.ops,
		 sum.accepted, sum.accepted_periodic, sum.fired_seen,
		 sum.cancelled_seen, sum.waits, sum.periodic_records, sum.enospc,
		 sum.ebusy, sum.reopens, dreg, c1.fired - c0.fired, dcanc,
		 c1.lost - c0.lost);
	if (sum.eintr)
		hwt_diag("%" PRIu64 " spurious EINTR from synchronous calls "
			 "(io_uring completions; see the uring suite)",
			 sum.eintr);
	if (sum.gone)
		hwt_diag("%" PRIu64 " periodic REQUESTs gone right after their "
			 "REGISTER returned (see periodic:periodic_race_register_"
			 "vs_signal)", sum.gone);
	if (sum.out_of_order)
		hwt_diag("%" PRIu64 " queue records out of seq order (see "
			 "queue:queue_seq_order_across_cpus)", sum.out_of_order);
	/* That it did something: speed is the benchmark's (the debug
	 * kernel does a tenth of what the stock one does). */
	ck_assert_msg(sum.ops > 10 * STRESS_WORKERS, "only %" PRIu64 " ops",
		      sum.ops);
	/*
	 * A synchronous request interrupted without a handler running (a
	 * stop signal, io_uring task work) is cancelled and made again: one
	 * more registration, and one more cancel, than the workers saw.
	 */
	ck_assert_msg(dreg >= sum.accepted,
		      "registered +%" PRIu64 ", the workers had %" PRIu64
		      " accepted", dreg, sum.accepted);
	ck_assert_msg(dcanc >= sum.accepted_periodic + sum.cancelled_seen +
		      (dreg - sum.accepted),
		      "cancelled +%" PRIu64 " < %" PRIu64 " periodic + %" PRIu64
		      " cancels seen + %" PRIu64 " restarts", dcanc,
		      sum.accepted_periodic, sum.cancelled_seen,
		      dreg - sum.accepted);
	ck_assert_msg(dcanc <= dreg, "cancelled +%" PRIu64 " > registered +%"
		      PRIu64, dcanc, dreg);
	ck_assert_msg(single_fired >= sum.fired_seen, "%" PRIu64 " single-shot "
		      "firings by the counters, %" PRIu64 " seen", single_fired,
		      sum.fired_seen);
	ck_assert_msg(c1.fired - c0.fired >= single_fired, "fired +%" PRIu64
		      " < %" PRIu64 " single-shot firings",
		      c1.fired - c0.fired, single_fired);
	munmap(res, STRESS_WORKERS * sizeof(*res) + sizeof(*sync));
	hwt_assert_rest_unload();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(stress_all_models_threads_and_processes, HWT_LOADED, 180),
};

const struct hwt_suite hwt_suite_stress = HWT_SUITE("stress", cases);
