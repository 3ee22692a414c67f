// SPDX-License-Identifier: GPL-2.0
/*
 * hwstress: minutes of notifications from many processes and threads,
 * while other processes are killed, with every notification accounted for.
 *
 *   hwstress [--seconds S] [--workers W] [--threads T] [--victims V]
 *            [--seed N] [--no-unload]
 *
 * W worker processes of T threads each run for S seconds; V victim
 * processes run the same code and are SIGKILLed at random moments, each
 * replaced at once.  A worker shares one descriptor among its threads for
 * eventfd and REQUEST registrations; each thread has its own io_uring ring
 * and its own descriptors for its queue records.  A thread works in
 * batches: it registers 1 to 12 one-shot notifications of random models
 * (eventfd, queue, io_uring REQUEST) due within 3 ms, cancels about a
 * third of them at once, sometimes waits for a synchronous REQUEST, runs a
 * periodic queue registration through the batch and cancels it at the
 * end, then collects everything.  The rules it checks:
 *   - a one-shot whose CANCEL returned 0 is never delivered (its io_uring
 *     command completes with ECANCELED, its eventfd stays 0); any other is
 *     delivered exactly once (the eventfd counts 1, one queue record, one
 *     CQE with its message), with its own id and cookie;
 *   - a periodic registration's records come in increasing seq order, and
 *     none arrives once its CANCEL returned and the queue was drained;
 *   - no seq is delivered twice: within a worker, and, once the workers
 *     have written theirs out, across all of them (each firing has its
 *     own device-wide seq).
 * Afterwards the device must show nothing pending and the module unload
 * (unless --no-unload).  The module must be loaded and the caller root:
 * run it in the test VM (scripts/stress-suite.sh).
 *
 * Output is TAP; the exit status is 0 only if every test passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "libhwevent.h"
#include "libhwevent-uring.h"
#include "clock.h"
#include "module.h"

/* Anything due "soon" arrives within this, even in the emulated VM. */
#define SOON_MS		15000

#define MAX_BATCH	12
#define MAX_WORKERS	32
#define MAX_THREADS	16
#define MAX_VICTIMS	16

enum kind { K_EFD, K_QUEUE, K_URING, K_NR };

struct reg {
	enum kind kind;
	struct hwevent_register arg;	/* stable: io_uring writes msg here */
	int efd;
	bool cancelled;		/* CANCEL returned 0 */
	unsigned int deliveries;
};

/* Totals of one worker, in memory shared with the parent. */
struct stats {
	uint64_t regs, cancelled, delivered, sync, periodic_records;
	uint64_t periodic_lost;
	int done;		/* survivor finished its checks */
};

static struct stats *shared;	/* [MAX_WORKERS + 1]: the last for victims */
static uint64_t deadline_ns;
static bool victim;
static int worker_fd = -1;	/* shared by the worker's threads */
static const char *outdir;

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static bool failed;

/* Threads of a worker add to its totals at once. */
static void stat_add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

/* xorshift64*: thread-local state. */
static uint32_t rnd(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

/* A broken rule: reported as a TAP comment; the worker will exit 1. */
static void fail(const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&fail_lock);
	if (!victim)
		printf("# worker %d: %s\n", getpid(), buf);
	__atomic_store_n(&failed, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&fail_lock);
}

struct thread {
	pthread_t tid;
	unsigned int index;
	uint64_t rng;
	struct stats *st;
	int qfd, pfd;		/* own queue; own periodic queue */
	struct io_uring ring;
	uint64_t *seqs;
	size_t nseqs, capseqs;
	uint64_t cookie_next;
};

static void note_seq(struct thread *t, uint64_t seq)
{
	if (t->nseqs == t->capseqs) {
		t->capseqs = t->capseqs ? 2 * t->capseqs : 4096;
		t->seqs = realloc(t->seqs, t->capseqs * sizeof(*t->seqs));
		if (!t->seqs) {
			fail("out of memory");
			exit(1);
		}
	}
	t->seqs[t->nseqs++] = seq;
}

/* Wait until @fd is readable; false after @ms. */
static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&p, 1, ms);
	} while (ret < 0 && errno == EINTR);
	return ret > 0;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int cancel_id(int fd, uint64_t id)
{
	struct hwevent_cancel c = { .id = id };

	return do_ioctl(fd, HWEVENT_IOC_CANCEL, &c);
}

/* One delivered message of @r: its id, cookie and type must be r's. */
static void deliver(struct thread *t, struct reg *r,
		    const struct hwevent_msg *m)
{
	if (r->cancelled)
		fail("cookie %#" PRIx64 " delivered after CANCEL returned 0",
		     r->arg.cookie);
	if (m->id != r->arg.id || m->cookie != r->arg.cookie)
		fail("message id %" PRIu64 " cookie %#" PRIx64 ", expected "
		     "%" PRIu64 " %#" PRIx64, m->id, m->cookie, r->arg.id,
		     r->arg.cookie);
	r->deliveries++;
	note_seq(t, m->seq);
}

static void register_one(struct thread *t, struct reg *r)
{
	uint64_t due = 20000 + rnd(&t->rng) % (3 * NS_PER_MS);
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->efd = -1;
	r->kind = rnd(&t->rng) % K_NR;
	r->arg.due_ns = due;
	r->arg.cookie = ((uint64_t)getpid() << 40) |
			((uint64_t)t->index << 32) | t->cookie_next++;
	switch (r->kind) {
	case K_EFD:
		r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (r->efd < 0) {
			fail("eventfd: %s", strerror(errno));
			exit(1);
		}
		r->arg.type = HWEVENT_TYPE_EVENTFD;
		r->arg.eventfd = r->efd;
		ret = do_ioctl(worker_fd, HWEVENT_IOC_REGISTER, &r->arg);
		break;
	case K_QUEUE:
		r->arg.type = HWEVENT_TYPE_QUEUE;
		ret = do_ioctl(t->qfd, HWEVENT_IOC_REGISTER, &r->arg);
		break;
	case K_URING: {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);

		r->arg.type = HWEVENT_TYPE_REQUEST;
		hwevent_uring_prep_register(sqe, worker_fd, &r->arg);
		io_uring_sqe_set_data(sqe, r);
		ret = io_uring_submit(&t->ring);
		ret = ret == 1 ? 0 : ret < 0 ? ret : -EIO;
		if (!ret) {
			/* The id is written before the command can
			 * complete, but the command runs in the kernel
			 * only once submitted: wait for it. */
			uint64_t until = now_ns() + SOON_MS * NS_PER_MS;

			while (!__atomic_load_n(&r->arg.id, __ATOMIC_ACQUIRE) &&
			       now_ns() < until)
				sched_yield();
		}
		break;
	}
	default:
		abort();
	}
	if (ret)
		fail("REGISTER (model %d): %s", r->kind, strerror(-ret));
	stat_add(&t->st->regs, 1);
}

/* CANCEL: 0 (withdrawn, must never arrive) or ENOENT (already fired). */
static void maybe_cancel(struct thread *t, struct reg *r)
{
	int fd = r->kind == K_QUEUE ? t->qfd : worker_fd;
	int ret;

	if (rnd(&t->rng) % 3 || !r->arg.id)
		return;
	ret = cancel_id(fd, r->arg.id);
	if (ret == 0) {
		r->cancelled = true;
		stat_add(&t->st->cancelled, 1);
	} else if (ret != -ENOENT) {
		fail("CANCEL %" PRIu64 ": %s", r->arg.id, strerror(-ret));
	}
}

static void sync_request(struct thread *t)
{
	struct hwevent_register a = {
		.type = HWEVENT_TYPE_REQUEST,
		.due_ns = 20000 + rnd(&t->rng) % NS_PER_MS,
		.cookie = ~t->cookie_next++,
	};
	int ret = do_ioctl(worker_fd, HWEVENT_IOC_REGISTER, &a);

	if (ret) {
		fail("synchronous REQUEST: %s", strerror(-ret));
		return;
	}
	if (a.msg.id != a.id || a.msg.cookie != a.cookie)
		fail("synchronous REQUEST: message of id %" PRIu64
		     " cookie %#" PRIx64 ", expected %" PRIu64 " %#" PRIx64,
		     a.msg.id, a.msg.cookie, a.id, a.cookie);
	note_seq(t, a.msg.seq);
	stat_add(&t->st->sync, 1);
	stat_add(&t->st->delivered, 1);
}

static struct reg *find_cookie(struct reg *regs, unsigned int n,
			       uint64_t cookie)
{
	for (unsigned int i = 0; i < n; i++)
		if (regs[i].arg.cookie == cookie)
			return &regs[i];
	return NULL;
}

/* Everything due in the batch arrives, exactly once. */
static void collect(struct thread *t, struct reg *regs, unsigned int n)
{
	unsigned int want_q = 0, want_u = 0, got_q = 0, got_u = 0;
	uint64_t until = now_ns() + SOON_MS * NS_PER_MS;

	for (unsigned int i = 0; i < n; i++) {
		struct reg *r = &regs[i];

		if (r->kind == K_QUEUE && !r->cancelled)
			want_q++;
		if (r->kind == K_URING && r->arg.id)
			want_u++;	/* a cancelled one completes too */
		if (r->kind != K_EFD || r->cancelled)
			continue;
		uint64_t v = 0;

		if (!wait_readable(r->efd, SOON_MS) ||
		    read(r->efd, &v, sizeof(v)) != sizeof(v))
			fail("eventfd of cookie %#" PRIx64 " never signalled",
			     r->arg.cookie);
		else if (v != 1)
			fail("eventfd of cookie %#" PRIx64 " counted %" PRIu64,
			     r->arg.cookie, v);
		r->deliveries += v;
		stat_add(&t->st->delivered, v);
	}

	while (got_q < want_q && now_ns() < until) {
		struct hwevent_msg m[MAX_BATCH];
		ssize_t len;

		if (!wait_readable(t->qfd, 100))
			continue;
		len = read(t->qfd, m, sizeof(m));
		if (len < 0) {
			if (errno != EAGAIN)
				fail("read: %s", strerror(errno));
			continue;
		}
		for (size_t i = 0; i < (size_t)len / sizeof(m[0]); i++) {
			struct reg *r = find_cookie(regs, n, m[i].cookie);

			if (m[i].lost)
				fail("queue lost %" PRIu64 " records",
				     m[i].lost);
			if (!r || r->kind != K_QUEUE) {
				fail("queue record of unknown cookie %#" PRIx64,
				     m[i].cookie);
				continue;
			}
			deliver(t, r, &m[i]);
			got_q++;
			stat_add(&t->st->delivered, 1);
		}
	}
	if (got_q != want_q)
		fail("%u of %u queue records arrived", got_q, want_q);

	while (got_u < want_u) {
		struct __kernel_timespec ts = { .tv_nsec = 100 * 1000000 };
		struct io_uring_cqe *cqe;
		struct reg *r;
		int ret = io_uring_wait_cqe_timeout(&t->ring, &cqe, &ts);

		if (ret == -ETIME || ret == -EINTR) {
			if (now_ns() > until)
				break;
			continue;
		}
		if (ret) {
			fail("io_uring_wait_cqe: %s", strerror(-ret));
			break;
		}
		r = io_uring_cqe_get_data(cqe);
		ret = cqe->res;
		io_uring_cqe_seen(&t->ring, cqe);
		got_u++;
		if (ret == 0) {
			deliver(t, r, &r->arg.msg);
			stat_add(&t->st->delivered, 1);
		} else if (ret != -ECANCELED || !r->cancelled) {
			fail("io_uring REQUEST cookie %#" PRIx64 " completed "
			     "with %s (cancelled: %d)", r->arg.cookie,
			     strerror(-ret), r->cancelled);
		}
	}
	if (got_u != want_u)
		fail("%u of %u io_uring commands completed", got_u, want_u);

	/* Late: by now nothing more may arrive, of any model. */
	for (unsigned int i = 0; i < n; i++) {
		struct reg *r = &regs[i];
		uint64_t v;

		if (r->kind == K_EFD) {
			if (read(r->efd, &v, sizeof(v)) == sizeof(v))
				fail("eventfd of cookie %#" PRIx64 " (cancelled"
				     ": %d) signalled again: %" PRIu64,
				     r->arg.cookie, r->cancelled, v);
			close(r->efd);
		}
		if (r->deliveries != !r->cancelled)
			fail("cookie %#" PRIx64 " (model %d, cancelled %d) "
			     "delivered %u times", r->arg.cookie, r->kind,
			     r->cancelled, r->deliveries);
	}
}

/* A periodic queue registration through the batch, cancelled at its end:
 * records in seq order, none once CANCEL returned and the queue drained. */
static uint64_t periodic_start(struct thread *t)
{
	struct hwevent_register a = {
		.type = HWEVENT_TYPE_QUEUE,
		.due_ns = NS_PER_MS,
		.period_ns = 500000 + rnd(&t->rng) % (2 * NS_PER_MS),
		.cookie = t->cookie_next++,
	};
	int ret = do_ioctl(t->pfd, HWEVENT_IOC_REGISTER, &a);

	if (ret)
		fail("periodic REGISTER: %s", strerror(-ret));
	return ret ? 0 : a.id;
}

static void periodic_drain(struct thread *t, uint64_t id, uint64_t *last)
{
	struct hwevent_msg m[16];
	ssize_t len;

	while ((len = read(t->pfd, m, sizeof(m))) > 0) {
		for (size_t i = 0; i < (size_t)len / sizeof(m[0]); i++) {
			/* The queue was full: a marker says how many it lost. */
			if (m[i].flags & HWEVENT_MSG_LOST) {
				stat_add(&t->st->periodic_lost, m[i].lost);
				continue;
			}
			if (m[i].id != id)
				fail("periodic record of id %" PRIu64
				     ", expected %" PRIu64, m[i].id, id);
			if (m[i].seq <= *last)
				fail("periodic seq %" PRIu64 " after %" PRIu64,
				     m[i].seq, *last);
			*last = m[i].seq;
			note_seq(t, m[i].seq);
			stat_add(&t->st->periodic_records, 1);
			stat_add(&t->st->periodic_lost, m[i].lost);
		}
	}
	if (len < 0 && errno != EAGAIN)
		fail("periodic read: %s", strerror(errno));
}

static void periodic_stop(struct thread *t, uint64_t id)
{
	uint64_t last = 0;
	int ret;

	if (!id)
		return;
	periodic_drain(t, id, &last);
	ret = cancel_id(t->pfd, id);
	if (ret)
		fail("CANCEL of a periodic registration: %s", strerror(-ret));
	periodic_drain(t, id, &last);
	/* A few periods later: still nothing. */
	usleep(5000);
	if (wait_readable(t->pfd, 0))
		fail("periodic id %" PRIu64 " fired after its CANCEL", id);
	periodic_drain(t, id, &last);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	struct reg regs[MAX_BATCH];

	while (victim || now_ns() < deadline_ns) {
		unsigned int n = 1 + rnd(&t->rng) % MAX_BATCH;
		uint64_t pid = periodic_start(t);

		for (unsigned int i = 0; i < n; i++)
			register_one(t, &regs[i]);
		for (unsigned int i = 0; i < n; i++)
			maybe_cancel(t, &regs[i]);
		if (rnd(&t->rng) % 4 == 0)
			sync_request(t);
		collect(t, regs, n);
		periodic_stop(t, pid);
		if (!victim && __atomic_load_n(&failed, __ATOMIC_RELAXED))
			break;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Each seq once within this worker; then all of them to OUTDIR/<pid>. */
static void write_seqs(struct thread *ts, unsigned int nthreads)
{
	size_t total = 0, k = 0;
	uint64_t *all;
	char path[256];
	FILE *f;

	for (unsigned int i = 0; i < nthreads; i++)
		total += ts[i].nseqs;
	all = malloc((total + 1) * sizeof(*all));
	if (!all) {
		fail("out of memory");
		return;
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		memcpy(all + k, ts[i].seqs, ts[i].nseqs * sizeof(*all));
		k += ts[i].nseqs;
	}
	qsort(all, total, sizeof(*all), cmp_u64);
	for (size_t i = 1; i < total; i++)
		if (all[i] == all[i - 1])
			fail("seq %" PRIu64 " delivered twice", all[i]);
	snprintf(path, sizeof(path), "%s/%d", outdir, getpid());
	f = fopen(path, "w");
	if (!f || fwrite(all, sizeof(*all), total, f) != total ||
	    fclose(f))
		fail("writing %s: %s", path, strerror(errno));
	free(all);
}

static int worker(struct stats *st, unsigned int nthreads, uint64_t seed)
{
	struct thread ts[MAX_THREADS];

	memset(ts, 0, sizeof(ts));
	worker_fd = hwevent_open(0);
	if (worker_fd < 0) {
		fail("open: %s", strerror(-worker_fd));
		return 1;
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		struct thread *t = &ts[i];

		t->index = i;
		t->rng = seed * 0x100000001b3ULL + i + 1;
		t->st = st;
		t->qfd = hwevent_open(O_NONBLOCK);
		t->pfd = hwevent_open(O_NONBLOCK);
		if (t->qfd < 0 || t->pfd < 0 ||
		    io_uring_queue_init(2 * MAX_BATCH, &t->ring, 0)) {
			fail("thread setup failed");
			return 1;
		}
	}
	for (unsigned int i = 0; i < nthreads; i++)
		if (pthread_create(&ts[i].tid, NULL, thread_main, &ts[i])) {
			fail("pthread_create failed");
			return 1;
		}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(ts[i].tid, NULL);
	write_seqs(ts, nthreads);
	st->done = 1;
	return failed ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: hwstress [--seconds S] [--workers W] "
		"[--threads T] [--victims V] [--seed N] [--no-unload]\n");
	exit(2);
}

static int tap_n;
static int tap_failed;

static void tap(bool ok, const char *name)
{
	printf("%sok %d - stress:%s\n", ok ? "" : "not ", ++tap_n, name);
	if (!ok)
		tap_failed++;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 120, workers = 4, threads = 3, victims = 2;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	uint64_t rng, gen = 0, killed = 0, t;
	pid_t wpids[MAX_WORKERS], vpids[MAX_VICTIMS] = { 0 };
	uint64_t vkill[MAX_VICTIMS] = { 0 };
	char tmpl[] = "/tmp/hwstress.XXXXXX";
	struct hwevent_counters c;
	bool unload = true, all_ok = true, pending_ok = false;
	uint64_t nseqs = 0, dups = 0;
	int status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--workers") && i + 1 < argc)
			workers = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--victims") && i + 1 < argc)
			victims = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-unload"))
			unload = false;
		else
			usage();
	}
	if (!workers || workers > MAX_WORKERS || !threads ||
	    threads > MAX_THREADS || victims > MAX_VICTIMS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# hwstress: seed %" PRIu64 ", %lu s, %lu workers x %lu "
	       "threads, %lu victims\n", seed, seconds, workers, threads,
	       victims);
	if (hwevent_read_counters(&c)) {
		printf("Bail out! hwevent is not loaded (no counters)\n");
		return 2;
	}
	outdir = mkdtemp(tmpl);
	shared = mmap(NULL, (MAX_WORKERS + 1) * sizeof(*shared),
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!outdir || shared == MAP_FAILED) {
		printf("Bail out! setup: %s\n", strerror(errno));
		return 2;
	}
	rng = seed;
	deadline_ns = now_ns() + seconds * NS_PER_SEC;

	for (unsigned long i = 0; i < workers; i++) {
		wpids[i] = fork();
		if (wpids[i] == 0)
			_exit(worker(&shared[i], threads, seed + i));
	}
	/* Victims: the same work, SIGKILLed 50 ms to 1 s into it. */
	while ((t = now_ns()) < deadline_ns) {
		for (unsigned long i = 0; i < victims; i++) {
			if (vpids[i] > 0 && t >= vkill[i]) {
				kill(vpids[i], SIGKILL);
				waitpid(vpids[i], NULL, 0);
				vpids[i] = 0;
				killed++;
			}
			if (vpids[i] > 0)
				continue;
			vkill[i] = t + (50 + rnd(&rng) % 950) * NS_PER_MS;
			vpids[i] = fork();
			if (vpids[i] == 0) {
				victim = true;
				_exit(worker(&shared[MAX_WORKERS], 2,
					     seed + 1000 + gen));
			}
			gen++;
		}
		usleep(10000);
	}
	for (unsigned long i = 0; i < victims; i++)
		if (vpids[i] > 0) {
			kill(vpids[i], SIGKILL);
			waitpid(vpids[i], NULL, 0);
			killed++;
		}

	for (unsigned long i = 0; i < workers; i++) {
		if (waitpid(wpids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) || !shared[i].done) {
			printf("# worker %d failed (status %#x)\n", wpids[i],
			       status);
			all_ok = false;
		}
	}
	tap(all_ok, "every_notification_delivered_exactly_once_or_cancelled");

	/* Every seq, of every worker: each at most once. */
	{
		uint64_t *all = NULL;
		size_t n = 0, cap = 0;
		char path[300];

		for (unsigned long i = 0; i < workers; i++) {
			FILE *f;
			uint64_t v;

			snprintf(path, sizeof(path), "%s/%d", outdir, wpids[i]);
			f = fopen(path, "r");
			if (!f)
				continue;
			while (fread(&v, sizeof(v), 1, f) == 1) {
				if (n == cap) {
					cap = cap ? 2 * cap : 65536;
					all = realloc(all, cap * sizeof(*all));
					if (!all)
						abort();
				}
				all[n++] = v;
			}
			fclose(f);
			unlink(path);
		}
		rmdir(outdir);
		qsort(all, n, sizeof(*all), cmp_u64);
		for (size_t i = 1; i < n; i++)
			if (all[i] == all[i - 1])
				dups++;
		nseqs = n;
		free(all);
	}
	if (dups)
		printf("# %" PRIu64 " seqs delivered more than once\n", dups);
	tap(!dups && nseqs > 0, "no_seq_delivered_twice_across_workers");

	for (int i = 0; i < 300; i++) {
		if (!hwevent_read_counters(&c) && c.pending == 0) {
			pending_ok = true;
			break;
		}
		usleep(100000);
	}
	if (!pending_ok)
		printf("# %" PRIu64 " registrations still pending\n", c.pending);
	tap(pending_ok, "nothing_pending_afterwards");

	{
		struct stats sum = { 0 };

		for (unsigned long i = 0; i < workers; i++) {
			sum.regs += shared[i].regs;
			sum.cancelled += shared[i].cancelled;
			sum.delivered += shared[i].delivered;
			sum.sync += shared[i].sync;
			sum.periodic_records += shared[i].periodic_records;
			sum.periodic_lost += shared[i].periodic_lost;
		}
		printf("# workers: "
		       "%" PRIu64 " one-shot registrations, %" PRIu64
		       " cancelled, %" PRIu64 " delivered (%" PRIu64
		       " synchronous), %" PRIu64 " periodic records (%" PRIu64
		       " lost); %" PRIu64 " seqs checked; %" PRIu64
		       " victims killed\n", sum.regs, sum.cancelled,
		       sum.delivered, sum.sync, sum.periodic_records,
		       sum.periodic_lost, nseqs, killed);
		/* Each one-shot was cancelled or delivered (a synchronous
		 * REQUEST is delivered without being counted in regs). */
		tap(sum.regs > 0 && sum.regs + sum.sync ==
		    sum.delivered + sum.cancelled, "one_shot_totals_balance");
	}

	if (unload) {
		int ret = -EBUSY;

		for (int i = 0; i < 100 && (ret == -EBUSY || ret == -EAGAIN);
		     i++) {
			ret = module_unload();
			if (ret == -EBUSY || ret == -EAGAIN)
				usleep(100000);
		}
		if (ret)
			printf("# delete_module: %s\n", strerror(-ret));
		tap(ret == 0, "module_unloads");
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
