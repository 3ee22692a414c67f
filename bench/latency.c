// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench phase 1, latency.  One thread (pinned, timer slack 1 ns) takes
 * one sample of every model per round, in a fresh random order each
 * round: it sleeps an idle gap of two jiffies and 1 ms (so that work a
 * sample deferred, such as the driver's reap one jiffy after a firing,
 * runs in nobody's sample), arms a single event due in 200-400 us (the
 * same due for every model of a round, random, so that it does not
 * phase-lock with the tick) and blocks until it is notified.  Measured:
 * wake - due, where due = t0 + due_ns and t0 is read just before the
 * system call that arms the timer, and for the models that return a
 * message also fired - due (hwevent_msg.fired_ns, when the callback ran).
 * The floors are a timerfd armed the same way (relative time, read()
 * blocks) and clock_nanosleep(TIMER_ABSTIME) to the same due time; the
 * kernel's own timers behind the slower models, io_uring's
 * IORING_OP_TIMEOUT and a posix timer's signal; and, when bench/floor's
 * module is loaded, its ioctl that sleeps on an hrtimer which only wakes
 * the caller, expiring in hard interrupt context or in softirq, and its
 * hrtimer that only sends SIGIO (the kernel's own SIGIO path).  They
 * split the driver's latency into what its model costs anyway, the
 * context it expires in, and its own overhead (lat_split).
 *
 * Each ratio to timerfd gets a 95% confidence interval by bootstrapping
 * whole rounds (stats.c), and each target a verdict from it: pass if the
 * interval's upper bound is within the target, fail if its lower bound
 * is above it, else inconclusive.  lat-raw.dat keeps every sample in the
 * order it was taken.  With --pool, the samples are instead read from the
 * lat-raw.dat of several earlier runs (fresh VM boots: run-bench.sh
 * --boots) and judged together, each run a stratum of the bootstrap.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "hwbench.h"
#include "libhwevent-uring.h"
#include "floor/hwevent_floor.h"

enum kind { K_FLOOR, K_BLOCKING, K_EVENT, K_ASYNC, K_PROBE };

static const char *const kind_name[] = {
	[K_FLOOR] = "floor",
	[K_BLOCKING] = "blocking",
	[K_EVENT] = "event",
	[K_ASYNC] = "async",
	[K_PROBE] = "probe",
};

/* Due times of a latency sample; the gap before it (two jiffies + 1 ms). */
#define LAT_DUE_MIN_NS	(200 * NS_PER_US)
#define LAT_DUE_MAX_NS	(400 * NS_PER_US)
#define BOOT_RESAMPLES	1000
#define SOFT_TIMERS	"/sys/module/hwevent/parameters/soft_timers"

/* Everything the latency models share, set up once. */
struct lat_ctx {
	int hfd;		/* /dev/hwevent, blocking */
	int hfd_sig;		/* /dev/hwevent, O_NONBLOCK | O_ASYNC, SIGIO to us */
	int efd;		/* eventfd, blocking */
	int tfd;		/* timerfd */
	int ffd;		/* bench/floor's device, or -errno */
	int ffd_sig;		/* the same, O_ASYNC, SIGIO to us, or -errno */
	timer_t ptimer;		/* SIGRTMIN to this thread */
	bool ptimer_ok;
	sigset_t rtmin;
	struct io_uring ring;
	bool ring_ok;
	struct io_uring ring_defer;	/* SINGLE_ISSUER | DEFER_TASKRUN */
	bool ring_defer_ok;
	sigset_t sigio;
};

/* One sample: t0 just before the arming call, the wake, the callback. */
struct lat_sample {
	uint64_t t0;
	uint64_t armed;	/* the arming call returned; 0: it blocks */
	uint64_t wake;
	uint64_t fired;	/* 0: no message in this model */
};

typedef int (*lat_fn)(struct lat_ctx *c, uint64_t due, uint64_t cookie,
		      struct lat_sample *s);

static int lat_timerfd(struct lat_ctx *c, uint64_t due, uint64_t cookie,
		       struct lat_sample *s)
{
	struct itimerspec its = { .it_value = ns_to_timespec(due) };
	uint64_t v;

	(void)cookie;
	/* Relative, from the call, like HWEVENT_IOC_REGISTER's due_ns. */
	s->t0 = now_ns();
	if (timerfd_settime(c->tfd, 0, &its, NULL))
		return -errno;
	s->armed = now_ns();
	if (read(c->tfd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	s->wake = now_ns();
	return 0;
}

static int lat_nanosleep(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			 struct lat_sample *s)
{
	struct timespec ts;
	int ret;

	(void)c;
	(void)cookie;
	s->t0 = now_ns();
	ts = ns_to_timespec(s->t0 + due);
	while ((ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				      NULL)) == EINTR)
		;
	s->wake = now_ns();
	return -ret;
}

static int check_msg(const struct hwevent_msg *m, uint64_t cookie)
{
	return m->cookie == cookie && m->fired_ns ? 0 : -EBADMSG;
}

static int lat_request(struct lat_ctx *c, uint64_t due, uint64_t cookie,
		       struct lat_sample *s)
{
	struct hwevent_register reg;
	int ret;

	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, due, 0, cookie);
	s->t0 = now_ns();
	ret = hwevent_register(c->hfd, &reg);	/* sleeps until it fires */
	s->wake = now_ns();
	if (ret)
		return ret;
	s->fired = reg.msg.fired_ns;
	return check_msg(&reg.msg, cookie);
}

/* bench/floor's sleeper: an hrtimer whose callback only wakes us. */
static int lat_sleeper(struct lat_ctx *c, uint64_t due, bool soft,
		       struct lat_sample *s)
{
	struct hwevent_floor_sleep arg = {
		.flags = soft ? HWEVENT_FLOOR_SOFT : 0,
	};
	int ret;

	if (c->ffd < 0)
		return c->ffd;
	arg.due_ns = due;	/* from the call's arrival, as a registration's */
	s->t0 = now_ns();
	ret = ioctl(c->ffd, HWEVENT_FLOOR_IOC_SLEEP, &arg);
	s->wake = now_ns();
	if (ret)
		return -errno;
	/* An hrtimer never fires early: if it did, the floor is broken. */
	return s->wake >= s->t0 + due ? 0 : -EBADMSG;
}

static int lat_sleeper_hard(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	(void)cookie;
	return lat_sleeper(c, due, false, s);
}

static int lat_sleeper_soft(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	(void)cookie;
	return lat_sleeper(c, due, true, s);
}

/* soft_timers of the module: "1" or "0"; the next registration's timer. */
static int set_soft_timers(const char *v)
{
	FILE *f = fopen(SOFT_TIMERS, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(v, f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* request-ioctl with a soft timer, the original's DPC: what it costs. */
static int lat_request_soft(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	int ret = set_soft_timers("1");

	if (ret)
		return ret;
	ret = lat_request(c, due, cookie, s);
	return set_soft_timers("0") ?: ret;
}

static int lat_eventfd_read(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	uint64_t v;
	int ret;

	s->t0 = now_ns();
	ret = hwevent_register_eventfd(c->hfd, c->efd, due, cookie, NULL);
	if (ret)
		return ret;
	s->armed = now_ns();
	if (read(c->efd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	s->wake = now_ns();
	return v == 1 ? 0 : -EBADMSG;
}

static int lat_eventfd_poll(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	struct pollfd p = { .fd = c->efd, .events = POLLIN };
	uint64_t v;
	int ret;

	s->t0 = now_ns();
	ret = hwevent_register_eventfd(c->hfd, c->efd, due, cookie, NULL);
	if (ret)
		return ret;
	s->armed = now_ns();
	if (poll(&p, 1, -1) != 1)
		return -EIO;
	s->wake = now_ns();
	if (read(c->efd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return v == 1 ? 0 : -EBADMSG;
}

static int lat_queue_read(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			  struct lat_sample *s)
{
	struct hwevent_msg m;
	int ret;

	s->t0 = now_ns();
	ret = hwevent_register_queue(c->hfd, due, 0, cookie, NULL);
	if (ret)
		return ret;
	s->armed = now_ns();
	ret = hwevent_read_msgs(c->hfd, &m, 1);	/* blocks */
	s->wake = now_ns();
	if (ret != 1)
		return ret < 0 ? ret : -EBADMSG;
	s->fired = m.fired_ns;
	return check_msg(&m, cookie);
}

static int lat_queue_poll(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			  struct lat_sample *s)
{
	struct pollfd p = { .fd = c->hfd, .events = POLLIN };
	struct hwevent_msg m;
	int ret;

	s->t0 = now_ns();
	ret = hwevent_register_queue(c->hfd, due, 0, cookie, NULL);
	if (ret)
		return ret;
	s->armed = now_ns();
	if (poll(&p, 1, -1) != 1)
		return -EIO;
	s->wake = now_ns();
	ret = hwevent_read_msgs(c->hfd, &m, 1);
	if (ret != 1)
		return ret < 0 ? ret : -EBADMSG;
	s->fired = m.fired_ns;
	return check_msg(&m, cookie);
}

/* A signal of @set left over from an earlier sample would end a wait early. */
static void sig_drain(const sigset_t *set)
{
	const struct timespec zero = { 0 };

	while (sigtimedwait(set, NULL, &zero) > 0)
		;
}

/* The next signal of @set: blocked in every thread, it stays pending for us. */
static int sig_wait(const sigset_t *set)
{
	int ret;

	while ((ret = sigwaitinfo(set, NULL)) < 0 && errno == EINTR)
		;
	return ret;
}

static int lat_queue_sigio(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			   struct lat_sample *s)
{
	struct hwevent_msg m;
	int ret;

	sig_drain(&c->sigio);
	s->t0 = now_ns();
	ret = hwevent_register_queue(c->hfd_sig, due, 0, cookie, NULL);
	if (ret)
		return ret;
	s->armed = now_ns();
	ret = sig_wait(&c->sigio);
	s->wake = now_ns();
	if (ret != SIGIO)
		return -EIO;
	ret = hwevent_read_msgs(c->hfd_sig, &m, 1);	/* O_NONBLOCK */
	if (ret != 1)
		return ret < 0 ? ret : -EBADMSG;
	s->fired = m.fired_ns;
	return check_msg(&m, cookie);
}

/*
 * Submit @sqe, prepared with its timer due, and wait for its completion:
 * its result in @res.  Returns 0, or an error of the ring or -EBADMSG.
 */
static int lat_uring_run(struct io_uring *ring, struct io_uring_sqe *sqe,
			 uint64_t cookie, struct lat_sample *s, int *res)
{
	struct io_uring_cqe *cqe;
	int ret;

	io_uring_sqe_set_data64(sqe, cookie);
	s->t0 = now_ns();
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	s->armed = now_ns();	/* the submit armed the timer */
	do
		ret = io_uring_wait_cqe(ring, &cqe);
	while (ret == -EINTR);
	s->wake = now_ns();
	if (ret)
		return ret;
	*res = cqe->res;
	ret = cqe->user_data == cookie ? 0 : -EBADMSG;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

static int lat_uring_on(struct io_uring *ring, int hfd, uint64_t due,
			uint64_t cookie, struct lat_sample *s)
{
	struct hwevent_register reg;
	struct io_uring_sqe *sqe;
	int ret, res;

	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, due, 0, cookie);
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	hwevent_uring_prep_register(sqe, hfd, &reg);
	ret = lat_uring_run(ring, sqe, cookie, s, &res);
	if (ret)
		return ret;
	if (res)
		return res;
	s->fired = reg.msg.fired_ns;
	return check_msg(&reg.msg, cookie);
}

static int lat_uring(struct lat_ctx *c, uint64_t due, uint64_t cookie,
		     struct lat_sample *s)
{
	if (!c->ring_ok)
		return -ENOSYS;
	return lat_uring_on(&c->ring, c->hfd, due, cookie, s);
}

static int lat_uring_defer(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			   struct lat_sample *s)
{
	if (!c->ring_defer_ok)
		return -ENOSYS;
	return lat_uring_on(&c->ring_defer, c->hfd, due, cookie, s);
}

/* A posix timer's signal, the floor of queue-sigio. */
static int lat_timer_signal(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	struct itimerspec its = { .it_value = ns_to_timespec(due) };
	int ret;

	(void)cookie;
	if (!c->ptimer_ok)
		return -ENOSYS;
	sig_drain(&c->rtmin);
	s->t0 = now_ns();
	if (timer_settime(c->ptimer, 0, &its, NULL))
		return -errno;
	s->armed = now_ns();
	ret = sig_wait(&c->rtmin);
	s->wake = now_ns();
	return ret == SIGRTMIN ? 0 : -EIO;
}

/*
 * bench/floor's hrtimer that only sends SIGIO, the kernel's SIGIO path
 * alone: the floor of queue-sigio, which adds the driver's callback (its
 * record, its wake-up of readers) and nothing else up to the signal.
 */
static int lat_timer_sigio(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			   struct lat_sample *s)
{
	struct hwevent_floor_sleep arg = { .due_ns = due };
	int ret;

	(void)cookie;
	if (c->ffd_sig < 0)
		return c->ffd_sig;
	sig_drain(&c->sigio);
	s->t0 = now_ns();
	if (ioctl(c->ffd_sig, HWEVENT_FLOOR_IOC_SIGIO, &arg))
		return -errno;
	s->armed = now_ns();
	ret = sig_wait(&c->sigio);
	s->wake = now_ns();
	if (ret != SIGIO)
		return -EIO;
	return s->wake >= s->t0 + due ? 0 : -EBADMSG;
}

/* io_uring's own timer, the floor of the io_uring models. */
static int lat_uring_timeout(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			     struct lat_sample *s)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(due / NS_PER_SEC),
		.tv_nsec = (long long)(due % NS_PER_SEC),
	};
	struct io_uring_sqe *sqe;
	int ret, res;

	if (!c->ring_ok)
		return -ENOSYS;
	sqe = io_uring_get_sqe(&c->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	ret = lat_uring_run(&c->ring, sqe, cookie, s, &res);
	if (ret)
		return ret;
	return res == -ETIME ? 0 : -EBADMSG;
}

struct lat_model {
	const char *name;
	const char *desc;
	enum kind kind;
	double target;		/* ratio to timerfd at p50 and p99; 0: none */
	lat_fn fn;
	/* results: wake_due in round order until dist_of() sorts a copy */
	int64_t *wake_due, *wake_fired, *fired_due, *arm;
	size_t n, n_fired, n_arm;
	int err;		/* first error; the model stops then */
	struct dist d_wd, d_wf, d_fd, d_arm;
	struct ci ci_p50, ci_p99;	/* ratio to timerfd */
	/* Pooled: each run's p50 and p99 ratio to timerfd (no interval). */
	double run_p50[MAX_POOL], run_p99[MAX_POOL];
};

static struct lat_model lat_models[] = {
	{ .name = "timerfd", .desc = "timerfd (relative), read() blocks", .kind = K_FLOOR, .fn = lat_timerfd },
	{ .name = "nanosleep", .desc = "clock_nanosleep(TIMER_ABSTIME)", .kind = K_FLOOR, .fn = lat_nanosleep },
	{ .name = "sleeper-hard", .desc = "bench/floor's ioctl: an hrtimer that only wakes the caller, in hard irq", .kind = K_FLOOR, .fn = lat_sleeper_hard },
	{ .name = "sleeper-soft", .desc = "the same, the timer expiring in softirq", .kind = K_FLOOR, .fn = lat_sleeper_soft },
	{ .name = "timer-signal", .desc = "timer_create(SIGEV_THREAD_ID), sigwaitinfo(SIGRTMIN)", .kind = K_FLOOR, .fn = lat_timer_signal },
	{ .name = "timer-sigio", .desc = "bench/floor's hrtimer that only sends SIGIO (kill_fasync), hard irq; sigwaitinfo(SIGIO)", .kind = K_FLOOR, .fn = lat_timer_sigio },
	{ .name = "uring-timeout", .desc = "io_uring's IORING_OP_TIMEOUT, io_uring_wait_cqe()", .kind = K_FLOOR, .fn = lat_uring_timeout },
	{ .name = "request-ioctl", .desc = "REQUEST: HWEVENT_IOC_REGISTER blocks", .kind = K_BLOCKING, .target = 1.10, .fn = lat_request },
	{ .name = "eventfd-read", .desc = "EVENTFD: read() on the eventfd blocks", .kind = K_EVENT, .target = 1.10, .fn = lat_eventfd_read },
	{ .name = "eventfd-poll", .desc = "EVENTFD: poll() on the eventfd", .kind = K_EVENT, .target = 1.10, .fn = lat_eventfd_poll },
	{ .name = "queue-read", .desc = "QUEUE: read() on the device blocks", .kind = K_EVENT, .target = 1.10, .fn = lat_queue_read },
	{ .name = "queue-poll", .desc = "QUEUE: poll() then read()", .kind = K_EVENT, .target = 1.10, .fn = lat_queue_poll },
	{ .name = "queue-sigio", .desc = "QUEUE: O_ASYNC, sigwaitinfo(SIGIO) then read()", .kind = K_EVENT, .target = 1.25, .fn = lat_queue_sigio },
	{ .name = "request-uring", .desc = "REQUEST via io_uring, io_uring_wait_cqe()", .kind = K_ASYNC, .target = 1.25, .fn = lat_uring },
	{ .name = "request-uring-defer", .desc = "as above, ring with DEFER_TASKRUN", .kind = K_ASYNC, .target = 1.25, .fn = lat_uring_defer },
	{ .name = "request-ioctl-soft", .desc = "request-ioctl with soft_timers=1: the callback in softirq (no target)", .kind = K_PROBE, .fn = lat_request_soft },
};
#define NR_LAT ((int)(sizeof(lat_models) / sizeof(lat_models[0])))

static struct lat_model *lat_floor(void)
{
	return &lat_models[0];
}

static struct lat_model *lat_model(const char *name)
{
	for (int m = 0; m < NR_LAT; m++)
		if (!strcmp(lat_models[m].name, name))
			return &lat_models[m];
	errx(1, "no latency model %s", name);
}

/*
 * The driver's latency split by the floors: what expiring in softirq
 * costs by itself, what the driver adds to a bare timer in each context,
 * and to the kernel's own signal and io_uring timers.  Each ratio with
 * its interval, as lat_ci's.
 */
static struct lat_split {
	const char *what, *num, *den;
	struct ci p50, p99;
	bool done;
} lat_splits[] = {
	{ .what = "expiring in softirq", .num = "sleeper-soft", .den = "sleeper-hard" },
	{ .what = "the driver over a bare timer, hard irq", .num = "request-ioctl", .den = "sleeper-hard" },
	{ .what = "the driver over a bare timer, softirq", .num = "request-ioctl-soft", .den = "sleeper-soft" },
	{ .what = "the driver's SIGIO over a posix timer's signal", .num = "queue-sigio", .den = "timer-signal" },
	{ .what = "the kernel's SIGIO path over a posix timer's signal", .num = "timer-sigio", .den = "timer-signal" },
	{ .what = "the driver's SIGIO over a bare timer's SIGIO", .num = "queue-sigio", .den = "timer-sigio" },
	{ .what = "the driver's io_uring over io_uring's own timeout", .num = "request-uring", .den = "uring-timeout" },
};
#define NR_SPLIT ((int)(sizeof(lat_splits) / sizeof(lat_splits[0])))

static void lat_setup(struct lat_ctx *c)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	struct f_owner_ex own = { .type = F_OWNER_TID, .pid = gettid() };
	int ret;

	c->hfd = hwevent_open(0);
	c->hfd_sig = hwevent_open(O_NONBLOCK);
	if (c->hfd < 0 || c->hfd_sig < 0)
		errx(1, "open %s: %s", HWEVENT_DEV_PATH,
		    strerror(-(c->hfd < 0 ? c->hfd : c->hfd_sig)));
	/* SIGIO to this thread only, which keeps it blocked and waits. */
	if (fcntl(c->hfd_sig, F_SETOWN_EX, &own) ||
	    fcntl(c->hfd_sig, F_SETFL,
		  fcntl(c->hfd_sig, F_GETFL) | O_ASYNC | O_NONBLOCK))
		errx(1, "O_ASYNC: %s", strerror(errno));
	sigemptyset(&c->sigio);
	sigaddset(&c->sigio, SIGIO);
	c->ffd = open(HWEVENT_FLOOR_PATH, O_RDWR | O_CLOEXEC);
	if (c->ffd < 0) {
		c->ffd = -errno;
		warnx("%s: %s: no sleeper floors", HWEVENT_FLOOR_PATH,
		      strerror(errno));
	}
	c->ffd_sig = c->ffd;
	if (c->ffd >= 0) {
		c->ffd_sig = open(HWEVENT_FLOOR_PATH, O_RDWR | O_CLOEXEC);
		if (c->ffd_sig < 0 || fcntl(c->ffd_sig, F_SETOWN_EX, &own) ||
		    fcntl(c->ffd_sig, F_SETFL,
			  fcntl(c->ffd_sig, F_GETFL) | O_ASYNC))
			errx(1, "%s, O_ASYNC: %s", HWEVENT_FLOOR_PATH,
			     strerror(errno));
	}
	{
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = SIGRTMIN,
		};

		sev._sigev_un._tid = gettid();	/* sigev_notify_thread_id */
		sigemptyset(&c->rtmin);
		sigaddset(&c->rtmin, SIGRTMIN);
		c->ptimer_ok = !timer_create(CLOCK_MONOTONIC, &sev, &c->ptimer);
		if (!c->ptimer_ok)
			warnx("timer_create: %s", strerror(errno));
	}
	c->efd = eventfd(0, EFD_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (c->efd < 0 || c->tfd < 0)
		errx(1, "eventfd/timerfd: %s", strerror(errno));
	ret = io_uring_queue_init(16, &c->ring, 0);
	c->ring_ok = !ret;
	if (ret)
		warnx("io_uring_queue_init: %s", strerror(-ret));
	ret = io_uring_queue_init_params(16, &c->ring_defer, &p);
	c->ring_defer_ok = !ret;
	if (ret)
		warnx("io_uring with DEFER_TASKRUN: %s", strerror(-ret));
}

static void lat_teardown(struct lat_ctx *c)
{
	if (c->ring_ok)
		io_uring_queue_exit(&c->ring);
	if (c->ring_defer_ok)
		io_uring_queue_exit(&c->ring_defer);
	close(c->hfd);
	close(c->hfd_sig);
	close(c->efd);
	close(c->tfd);
	if (c->ffd >= 0)
		close(c->ffd);
	if (c->ffd_sig >= 0)
		close(c->ffd_sig);
	if (c->ptimer_ok)
		timer_delete(c->ptimer);
}

/* The idle gap before a sample: two jiffies and 1 ms (HZ 100 if unknown). */
static uint64_t lat_gap_ns(void)
{
	uint64_t hz = env.hz > 0 ? (uint64_t)env.hz : 100;

	return 2 * NS_PER_SEC / hz + NS_PER_MS;
}

static void lat_gap(void)
{
	struct timespec ts = ns_to_timespec(lat_gap_ns());

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The runs the samples come from: one, or those --pool named, run s
 * holding rounds [lat_ends[s - 1], lat_ends[s]) of every model kept.
 */
static size_t lat_ends[MAX_POOL];
static unsigned int lat_nruns;

/* @a's ratio to @b at p50 and p99, with bootstrap intervals over the
 * rounds both have (a model stops at its first error). */
static void lat_ci(const struct lat_model *a, const struct lat_model *b,
		   struct ci *p50, struct ci *p99, uint64_t *rng)
{
	size_t n = a->n < b->n ? a->n : b->n;
	const size_t *ends = lat_nruns > 1 ? lat_ends : &n;
	size_t nruns = lat_nruns > 1 ? lat_nruns : 1;

	*p50 = boot_ratio_ci_strata(a->wake_due, b->wake_due, ends, nruns,
				    nruns > 1, 50, BOOT_RESAMPLES, rng);
	*p99 = boot_ratio_ci_strata(a->wake_due, b->wake_due, ends, nruns,
				    nruns > 1, 99, BOOT_RESAMPLES, rng);
}

/* Room for @n samples of every model. */
static void lat_alloc(size_t n)
{
	for (int m = 0; m < NR_LAT; m++) {
		lat_models[m].wake_due = xcalloc(n, sizeof(int64_t));
		lat_models[m].wake_fired = xcalloc(n, sizeof(int64_t));
		lat_models[m].fired_due = xcalloc(n, sizeof(int64_t));
		lat_models[m].arm = xcalloc(n, sizeof(int64_t));
	}
}

/* One sample of @lm: wake - due, fired - due if it has a message, and the
 * arming call's time (0: it blocks). */
static void lat_add(struct lat_model *lm, int64_t wake_due, bool fired,
		    int64_t fired_due, int64_t arm)
{
	if (arm)
		lm->arm[lm->n_arm++] = arm;
	lm->wake_due[lm->n++] = wake_due;
	if (fired) {
		lm->wake_fired[lm->n_fired] = wake_due - fired_due;
		lm->fired_due[lm->n_fired++] = fired_due;
	}
}

static void lat_sample(struct lat_ctx *c, struct lat_model *lm, uint64_t due,
		       uint64_t cookie, unsigned int round, unsigned int pos,
		       FILE *raw)
{
	struct lat_sample s = { 0 };
	uint64_t due_abs;
	int ret;

	lat_gap();
	ret = lm->fn(c, due, cookie, &s);
	if (ret) {
		lm->err = ret;
		warnx("latency: %s failed: %s", lm->name, strerror(-ret));
		return;
	}
	if (!raw)
		return;		/* the warm-up round */
	due_abs = s.t0 + due;
	fprintf(raw, "%u %u %s %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64
		" %" PRIu64 "\n",
		round, pos, lm->name, due, (int64_t)(s.wake - due_abs),
		s.fired ? (int64_t)(s.fired - due_abs) : 0,
		s.armed ? (int64_t)(s.armed - s.t0) : 0, s.t0);
	lat_add(lm, (int64_t)(s.wake - due_abs), s.fired,
		(int64_t)(s.fired - due_abs),
		s.armed ? (int64_t)(s.armed - s.t0) : 0);
}

static void lat_measure(void)
{
	const unsigned int n = opt.n;
	uint64_t rng = opt.seed, cookie = 1;
	struct lat_ctx c = { 0 };
	int order[NR_LAT];
	FILE *raw;

	lat_setup(&c);
	lat_alloc(n);
	for (int m = 0; m < NR_LAT; m++)
		order[m] = m;
	raw = out_file("lat-raw.dat");
	fprintf(raw, "# round position model due_ns wake_minus_due_ns "
		"fired_minus_due_ns (0: no message) arm_ns (the arming call's "
		"time; 0: it blocks) t0_ns (CLOCK_MONOTONIC before the arming "
		"call), in the order taken\n");
	warnx("latency: %u rounds of %d models, one sample each", n, NR_LAT);
	/*
	 * Round 0 is a warm-up whose samples are dropped (page faults, first
	 * allocations of the slab caches, io_uring's first task work).
	 */
	for (unsigned int round = 0; round <= n; round++) {
		uint64_t due = rng_range(&rng, LAT_DUE_MIN_NS, LAT_DUE_MAX_NS);

		shuffle(order, NR_LAT, &rng);
		for (int k = 0; k < NR_LAT; k++) {
			struct lat_model *lm = &lat_models[order[k]];

			if (!lm->err)
				lat_sample(&c, lm, due, cookie++, round, k,
					   round ? raw : NULL);
		}
		if (round % 200 == 0)
			warnx("latency: %u/%u", round, n);
	}
	fclose(raw);
	lat_teardown(&c);
	lat_ends[0] = lat_floor()->n;
	lat_nruns = 1;
}

/* The p50 and p99 of @v[0..@n) (reordered). */
static void lat_p50_p99(int64_t *v, size_t n, int64_t *p50, int64_t *p99)
{
	struct dist d = dist_of(v, n);

	*p50 = d.p50;
	*p99 = d.p99;
}

/* Each run's own p50 and p99 ratios to timerfd, over its rounds. */
static void lat_run_ratios(unsigned int run)
{
	const struct lat_model *fl = lat_floor();
	size_t start = run ? lat_ends[run - 1] : 0, len = lat_ends[run] - start;
	int64_t *tmp = xcalloc(len, sizeof(*tmp)), f50, f99, m50, m99;

	memcpy(tmp, fl->wake_due + start, len * sizeof(*tmp));
	lat_p50_p99(tmp, len, &f50, &f99);
	for (int m = 1; m < NR_LAT; m++) {
		struct lat_model *lm = &lat_models[m];

		if (lm->n < lat_ends[run])
			continue;
		memcpy(tmp, lm->wake_due + start, len * sizeof(*tmp));
		lat_p50_p99(tmp, len, &m50, &m99);
		lm->run_p50[run] = ratio(m50, f50);
		lm->run_p99[run] = ratio(m99, f99);
	}
	free(tmp);
}

/* Run @r's lat-raw.dat, its path in @path. */
static FILE *lat_raw_open(unsigned int r, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/lat-raw.dat", opt.pool[r]);
	f = fopen(path, "r");
	if (!f)
		err(1, "%s", path);
	return f;
}

/*
 * --pool: the samples of runs taken before (their lat-raw.dat, each a
 * fresh VM boot), in turn, instead of measuring.  A model that has not
 * the floor's count in every run (it failed in one) is left out.  A
 * first pass counts the samples, room enough for any one model.
 */
static void lat_load(void)
{
	char line[512], name[64], path[PATH_MAX];
	size_t total = 0;
	FILE *f;

	for (unsigned int r = 0; r < opt.npool; r++) {
		f = lat_raw_open(r, path, sizeof(path));
		while (fgets(line, sizeof(line), f))
			total += line[0] != '#';
		fclose(f);
	}
	lat_alloc(total);
	for (unsigned int r = 0; r < opt.npool; r++) {
		unsigned int lineno = 0;

		f = lat_raw_open(r, path, sizeof(path));
		while (fgets(line, sizeof(line), f)) {
			unsigned int round, pos;
			uint64_t due, t0;
			int64_t wd, fd, arm;

			lineno++;
			if (line[0] == '#')
				continue;
			if (sscanf(line, "%u %u %63s %" SCNu64 " %" SCNd64
				   " %" SCNd64 " %" SCNd64 " %" SCNu64, &round,
				   &pos, name, &due, &wd, &fd, &arm, &t0) != 8)
				errx(1, "%s:%u: not a sample", path, lineno);
			lat_add(lat_model(name), wd, fd != 0, fd, arm);
		}
		fclose(f);
		lat_ends[r] = lat_floor()->n;
		if (lat_ends[r] == (r ? lat_ends[r - 1] : 0))
			errx(1, "%s: no timerfd samples", path);
		for (int m = 1; m < NR_LAT; m++) {
			struct lat_model *lm = &lat_models[m];

			if (lm->n && lm->n != lat_ends[r]) {
				warnx("latency: %s has %zu samples of %zu "
				      "in %s and the runs before: left out",
				      lm->name, lm->n, lat_ends[r], path);
				lm->n = lm->n_fired = lm->n_arm = 0;
				lm->err = -ENODATA;
			}
		}
	}
	lat_nruns = opt.npool;
	for (unsigned int r = 0; r < lat_nruns; r++)
		lat_run_ratios(r);
	warnx("latency: %zu rounds pooled from %u runs", lat_floor()->n,
	      lat_nruns);
}

static void latency_run(void)
{
	struct lat_model *fl = lat_floor();
	uint64_t rng = opt.seed;

	if (opt.npool)
		lat_load();
	else
		lat_measure();

	for (int m = 1; m < NR_LAT; m++) {
		struct lat_model *lm = &lat_models[m];

		if (lm->n)
			lat_ci(lm, fl, &lm->ci_p50, &lm->ci_p99, &rng);
	}
	for (int i = 0; i < NR_SPLIT; i++) {
		struct lat_split *sp = &lat_splits[i];
		const struct lat_model *a = lat_model(sp->num), *b = lat_model(sp->den);

		sp->done = a->n && b->n;
		if (sp->done)
			lat_ci(a, b, &sp->p50, &sp->p99, &rng);
	}
	for (int m = 0; m < NR_LAT; m++) {
		struct lat_model *lm = &lat_models[m];

		lm->d_wd = dist_of(lm->wake_due, lm->n);
		lm->d_wf = dist_of(lm->wake_fired, lm->n_fired);
		lm->d_fd = dist_of(lm->fired_due, lm->n_fired);
		lm->d_arm = dist_of(lm->arm, lm->n_arm);
	}
}

static bool lat_done(void)
{
	return lat_floor()->d_wd.n > 0;
}

static void json_ci(FILE *f, const char *name, const struct ci *ci)
{
	fprintf(f, "\"%s\": {\"ratio\": %.3f, \"lo\": %.3f, \"hi\": %.3f}",
		name, ci->value, ci->lo, ci->hi);
}

/* Pooled: each run's ratios, and their median. */
static void lat_json_runs(FILE *f, const struct lat_model *lm)
{
	double v[MAX_POOL];

	fprintf(f, ",\n   \"per_run\": {");
	for (int q = 0; q < 2; q++) {
		const double *r = q ? lm->run_p99 : lm->run_p50;

		fprintf(f, "%s\"%s\": [", q ? ", " : "", q ? "p99" : "p50");
		for (unsigned int k = 0; k < lat_nruns; k++)
			fprintf(f, "%s%.3f", k ? ", " : "", r[k]);
		memcpy(v, r, lat_nruns * sizeof(*v));
		fprintf(f, "], \"median_%s\": %.3f", q ? "p99" : "p50",
			median_of(v, lat_nruns));
	}
	fprintf(f, "}");
}

static void latency_json(FILE *f)
{
	const struct lat_model *fl = lat_floor();

	if (!lat_done()) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"samples_per_model\": %zu, \"order\": \"random per round\", "
		"\"gap_ns\": %" PRIu64 ", \"due_ns\": [%" PRIu64 ", %" PRIu64 "], "
		"\"resamples\": %u, \"floor\": \"timerfd\", \"metric\": "
		"\"wake - due; due = time before the arming call + due_ns\",\n"
		" \"runs\": %u, \"models\": [\n", fl->n, lat_gap_ns(),
		LAT_DUE_MIN_NS, LAT_DUE_MAX_NS, BOOT_RESAMPLES, lat_nruns);
	for (int m = 0; m < NR_LAT; m++) {
		const struct lat_model *lm = &lat_models[m];

		fprintf(f, "  {\"name\": \"%s\", \"kind\": \"%s\", \"description\": ",
			lm->name, kind_name[lm->kind]);
		json_str(f, lm->desc);
		fprintf(f, ", \"error\": ");
		json_err(f, lm->err);
		fprintf(f, ",\n   ");
		json_dist(f, "wake_minus_due", &lm->d_wd, true);
		fprintf(f, "\n   ");
		json_dist(f, "wake_minus_fired", &lm->d_wf, true);
		fprintf(f, "\n   ");
		json_dist(f, "fired_minus_due", &lm->d_fd, true);
		fprintf(f, "\n   ");
		json_dist(f, "arming_call", &lm->d_arm, true);
		fprintf(f, "\n   \"ratio_to_floor\": {\"p50\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}",
			ratio(lm->d_wd.p50, fl->d_wd.p50),
			ratio(lm->d_wd.p99, fl->d_wd.p99),
			ratio(lm->d_wd.p999, fl->d_wd.p999),
			ratio(lm->d_wd.max, fl->d_wd.max));
		fprintf(f, ",\n   \"minus_floor_us\": {\"p50\": %.1f, \"p99\": %.1f}",
			us(lm->d_wd.p50 - fl->d_wd.p50),
			us(lm->d_wd.p99 - fl->d_wd.p99));
		if (m && lm->d_wd.n) {
			fprintf(f, ",\n   \"ci95\": {");
			json_ci(f, "p50", &lm->ci_p50);
			fprintf(f, ", ");
			json_ci(f, "p99", &lm->ci_p99);
			fprintf(f, "}");
		}
		if (m && lm->d_wd.n && lat_nruns > 1)
			lat_json_runs(f, lm);
		if (lm->target && lm->d_wd.n)
			fprintf(f, ", \"target_ratio\": %.2f, \"verdict\": "
				"{\"p50\": \"%s\", \"p99\": \"%s\"}", lm->target,
				verdict(&lm->ci_p50, lm->target),
				verdict(&lm->ci_p99, lm->target));
		fprintf(f, "}%s\n", m + 1 < NR_LAT ? "," : "");
	}
	fprintf(f, " ],\n \"split\": [");
	for (int i = 0, first = 1; i < NR_SPLIT; i++) {
		const struct lat_split *sp = &lat_splits[i];

		if (!sp->done)
			continue;
		fprintf(f, "%s\n  {\"what\": \"%s\", \"ratio\": \"%s / %s\", ",
			first ? "" : ",", sp->what, sp->num, sp->den);
		json_ci(f, "p50", &sp->p50);
		fprintf(f, ", ");
		json_ci(f, "p99", &sp->p99);
		fprintf(f, "}");
		first = 0;
	}
	fprintf(f, "\n ]}");
}

/* models.txt and lat-<model>.dat for plot.gp. */
static void latency_dat(void)
{
	char name[96];
	FILE *f;

	if (!lat_done())
		return;
	f = out_file("models.txt");
	for (int m = 0; m < NR_LAT; m++)
		if (lat_models[m].d_wd.n)
			fprintf(f, "%s%s", m ? " " : "", lat_models[m].name);
	fprintf(f, "\n");
	fclose(f);
	for (int m = 0; m < NR_LAT; m++) {
		const struct lat_model *lm = &lat_models[m];

		if (!lm->d_wd.n)
			continue;
		snprintf(name, sizeof(name), "lat-%s.dat", lm->name);
		f = out_file(name);
		fprintf(f, "# %s: wake - due in us (sorted), CDF, 1 - CDF + 1/n\n",
			lm->name);
		for (size_t i = 0; i < lm->n; i++)
			fprintf(f, "%.3f %.6f %.6f\n", us(lm->wake_due[i]),
				(double)(i + 1) / lm->n,
				(double)(lm->n - i) / lm->n);
		fclose(f);
	}
}

static void latency_targets(void)
{
	char name[96];

	if (!lat_done())
		return;
	for (int m = 0; m < NR_LAT; m++) {
		const struct lat_model *lm = &lat_models[m];

		if (!lm->target || !lm->d_wd.n)
			continue;
		snprintf(name, sizeof(name), "latency %s p50 / timerfd p50",
			 lm->name);
		add_target_ci(name, &lm->ci_p50, lm->target);
		snprintf(name, sizeof(name), "latency %s p99 / timerfd p99",
			 lm->name);
		add_target_ci(name, &lm->ci_p99, lm->target);
	}
}

const struct phase phase_latency = {
	.name = "latency",
	.run = latency_run,
	.json = latency_json,
	.dat = latency_dat,
	.targets = latency_targets,
};
