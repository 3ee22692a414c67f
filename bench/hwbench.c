// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench: latency, throughput and scaling of every hwevent notification
 * model, each next to the kernel's own floor measured in the same run.
 *
 * It runs where the module is loaded (the test VM: see run-bench.sh and
 * bench/guest.sh) and writes into its output folder:
 *
 *   results.json      every figure, machine-readable (times in ns)
 *   results.md        the same as tables, each figure also as a ratio to
 *                     the floor
 *   lat-<model>.dat   the sorted wake-minus-due latencies of each model
 *                     (us, CDF, 1-CDF), for bench/plot.gp
 *   scaling.dat, clients.dat, throughput.dat, models.txt   for the plot
 *
 * Four phases:
 *
 * 1. Latency.  One thread (pinned, timer slack 1 ns) registers a single
 *    event due in 1-2 ms (uniformly random, so it does not phase-lock
 *    with the tick) and blocks until it is notified, N times per model.
 *    Measured: wake - due, where due = t0 + due_ns and t0 is read just
 *    before the system call that arms the timer, and for the models that
 *    return a message also wake - fired (hwevent_msg.fired_ns, when the
 *    timer callback ran) and fired - due.  "wake" is read right after
 *    the blocking call returns (read, poll, ioctl, sigwaitinfo,
 *    io_uring_wait_cqe).  The floors are a timerfd armed the same way
 *    (relative time, read() blocks) and clock_nanosleep(TIMER_ABSTIME) to
 *    the same due time.  The models are interleaved in blocks with the
 *    same due times, so slow drifts of the emulator hit all of them alike.
 *
 * 2. Throughput.  A periodic registration at rising rates (1k ... 100k
 *    events/s) for a fixed time; the highest rate each model sustains
 *    without loss, next to a periodic timerfd's.
 *
 * 3. Scaling.  The cost of HWEVENT_IOC_REGISTER + HWEVENT_IOC_CANCEL with
 *    1 ... 100,000 other registrations pending on the file, next to
 *    arming and disarming a timerfd in the same conditions; and the memory
 *    a pending registration takes (memory cgroup, slab, /proc/meminfo),
 *    next to an armed timerfd's.
 *
 * 4. Clients.  1 ... 64 threads, each with its own open file, each doing
 *    register + wait cycles; notifications/s and latency, next to as many
 *    threads doing the same with their own timerfd.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "libhwevent.h"
#include "libhwevent-uring.h"

#include "clock.h"
#include "module.h"
#include "textfile.h"

/* ---- options ---- */

static struct {
	bool quick;
	const char *out;
	unsigned int n;		/* latency samples per model */
	unsigned int block;	/* samples per model per interleaved block */
	uint64_t tp_dur_ns;	/* each throughput run */
	unsigned int scale_cycles; /* register+cancel cycles per level */
	uint64_t cl_dur_ns;	/* each clients run */
	int pin_cpu;		/* -1: no pinning */
	uint64_t seed;
	const char *phases;	/* comma-separated subset, or NULL: all */
} opt = {
	.out = "build/bench",
	.pin_cpu = -2,		/* -2: the last CPU */
	.seed = 1,
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		errx(1, "out of memory");
	return p;
}

static bool phase_on(const char *name)
{
	const char *p;
	size_t n = strlen(name);

	if (!opt.phases)
		return true;
	for (p = opt.phases; (p = strstr(p, name)); p += n)
		if ((p == opt.phases || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

/* ---- time, randomness, threads ---- */

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(s) % (hi - lo);
}

/* Due times of the latency phases: 1 ms plus up to 1 ms. */
#define DUE_MIN_NS	(1 * NS_PER_MS)
#define DUE_MAX_NS	(2 * NS_PER_MS)

static uint64_t rng_due(uint64_t *s)
{
	return rng_range(s, DUE_MIN_NS, DUE_MAX_NS);
}

/*
 * The default timer slack of a thread is 50 us: clock_nanosleep() and
 * poll() timeouts may fire up to that late so the kernel can batch
 * wakeups.  The hwevent timer and timerfd take no slack, so without this
 * the nanosleep floor would be unfairly late.  Per thread.
 */
static uint64_t set_slack(void)
{
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0))
		errx(1, "PR_SET_TIMERSLACK: %s", strerror(errno));
	return (uint64_t)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set))
		warnx("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

/* ---- statistics ---- */

struct dist {
	size_t n;
	int64_t min, p50, p90, p99, p999, max;
	double mean;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted @v. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)((p / 100.0) * (double)n + 0.999999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* Sorts @v in place. */
static struct dist dist_of(int64_t *v, size_t n)
{
	struct dist d = { .n = n };
	double sum = 0;

	if (!n)
		return d;
	qsort(v, n, sizeof(*v), cmp_i64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	d.min = v[0];
	d.p50 = pct(v, n, 50);
	d.p90 = pct(v, n, 90);
	d.p99 = pct(v, n, 99);
	d.p999 = pct(v, n, 99.9);
	d.max = v[n - 1];
	d.mean = sum / (double)n;
	return d;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static double us(int64_t ns)
{
	return (double)ns / 1000.0;
}

/* ---- small file helpers ---- */

static int64_t read_i64(const char *path)
{
	char buf[256];

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/* The value of "@key ... N" in a "key value" file (meminfo, memory.stat). */
static int64_t read_keyed(const char *path, const char *key)
{
	static char buf[16384];
	size_t n = strlen(key);

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && (p[n] == ' ' || p[n] == ':'))
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

/* Copy @src into @dst of @size bytes, truncating. */
static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static FILE *out_file(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", opt.out, name);
	f = fopen(path, "w");
	if (!f)
		errx(1, "cannot write %s: %s", path, strerror(errno));
	return f;
}

/* ---- environment ---- */

static struct {
	char kernel[128];
	char clocksource[64];
	char cmdline[512];
	int cpus;
	int hz;
	uint64_t slack_ns;
	double clock_read_ns;	/* one clock_gettime(CLOCK_MONOTONIC) */
	bool slub_debug;
} env;

static void read_env(void)
{
	struct utsname u;
	char path[PATH_MAX], buf[4096];

	uname(&u);
	snprintf(env.kernel, sizeof(env.kernel), "%s", u.release);
	env.cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!read_text("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		       buf, sizeof(buf))) {
		chomp(buf);
		scopy(env.clocksource, sizeof(env.clocksource), buf);
	}
	if (!read_text("/proc/cmdline", buf, sizeof(buf))) {
		chomp(buf);
		scopy(env.cmdline, sizeof(env.cmdline), buf);
	}
	/* The last slub_debug= on the command line wins; "-" turns it off. */
	{
		const char *p = env.cmdline, *last = NULL;

		while ((p = strstr(p, "slub_debug"))) {
			last = p;
			p++;
		}
		env.slub_debug = last && strncmp(last, "slub_debug=-", 12) != 0;
	}
	/* With the hpet clocksource each read is a trip to the emulator. */
	{
		uint64_t t0 = now_ns();

		for (int i = 0; i < 1000; i++)
			now_ns();
		env.clock_read_ns = (double)(now_ns() - t0) / 1001;
	}
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	{
		FILE *f = fopen(path, "r");

		if (f) {
			while (fgets(buf, sizeof(buf), f))
				if (!strncmp(buf, "CONFIG_HZ=", 10))
					env.hz = atoi(buf + 10);
			fclose(f);
		}
	}
}

/* ==== 1. latency ==== */

enum kind { K_FLOOR, K_BLOCKING, K_EVENT, K_ASYNC };

static const char *const kind_name[] = {
	[K_FLOOR] = "floor",
	[K_BLOCKING] = "blocking",
	[K_EVENT] = "event",
	[K_ASYNC] = "async",
};

/* Targets: ratio to the timerfd floor at p50 and p99. */
static double kind_target(enum kind k)
{
	switch (k) {
	case K_BLOCKING:
	case K_EVENT:
		return 1.25;
	case K_ASYNC:
		return 1.5;
	default:
		return 0;
	}
}

/* Everything the latency models share, set up once. */
struct lat_ctx {
	int hfd;		/* /dev/hwevent, blocking */
	int hfd_sig;		/* /dev/hwevent, O_NONBLOCK | O_ASYNC, SIGIO to us */
	int efd;		/* eventfd, blocking */
	int tfd;		/* timerfd */
	struct io_uring ring;
	bool ring_ok;
	struct io_uring ring_defer;	/* SINGLE_ISSUER | DEFER_TASKRUN */
	bool ring_defer_ok;
	sigset_t sigio;
};

/* One sample: t0 just before the arming call, the wake, the callback. */
struct lat_sample {
	uint64_t t0;
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

static int lat_eventfd_read(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			    struct lat_sample *s)
{
	uint64_t v;
	int ret;

	s->t0 = now_ns();
	ret = hwevent_register_eventfd(c->hfd, c->efd, due, cookie, NULL);
	if (ret)
		return ret;
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
	if (poll(&p, 1, -1) != 1)
		return -EIO;
	s->wake = now_ns();
	ret = hwevent_read_msgs(c->hfd, &m, 1);
	if (ret != 1)
		return ret < 0 ? ret : -EBADMSG;
	s->fired = m.fired_ns;
	return check_msg(&m, cookie);
}

static int lat_queue_sigio(struct lat_ctx *c, uint64_t due, uint64_t cookie,
			   struct lat_sample *s)
{
	const struct timespec zero = { 0 };
	struct hwevent_msg m;
	siginfo_t si;
	int ret;

	/* A SIGIO left over from an earlier sample would end the wait early. */
	while (sigtimedwait(&c->sigio, NULL, &zero) > 0)
		;
	s->t0 = now_ns();
	ret = hwevent_register_queue(c->hfd_sig, due, 0, cookie, NULL);
	if (ret)
		return ret;
	/* SIGIO is blocked in every thread: it stays pending for us. */
	while ((ret = sigwaitinfo(&c->sigio, &si)) < 0 && errno == EINTR)
		;
	s->wake = now_ns();
	if (ret != SIGIO)
		return -EIO;
	ret = hwevent_read_msgs(c->hfd_sig, &m, 1);	/* O_NONBLOCK */
	if (ret != 1)
		return ret < 0 ? ret : -EBADMSG;
	s->fired = m.fired_ns;
	return check_msg(&m, cookie);
}

static int lat_uring_on(struct io_uring *ring, int hfd, uint64_t due,
			uint64_t cookie, struct lat_sample *s)
{
	struct hwevent_register reg;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, due, 0, cookie);
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	hwevent_uring_prep_register(sqe, hfd, &reg);
	io_uring_sqe_set_data64(sqe, cookie);
	s->t0 = now_ns();
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	do
		ret = io_uring_wait_cqe(ring, &cqe);
	while (ret == -EINTR);
	s->wake = now_ns();
	if (ret)
		return ret;
	ret = cqe->res;
	if (cqe->user_data != cookie)
		ret = -EBADMSG;
	io_uring_cqe_seen(ring, cqe);
	if (ret)
		return ret;
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

struct lat_model {
	const char *name;
	const char *desc;
	enum kind kind;
	lat_fn fn;
	/* results */
	int64_t *wake_due, *wake_fired, *fired_due;
	size_t n, n_fired;
	int err;		/* first error; the model stops then */
	struct dist d_wd, d_wf, d_fd;
};

static struct lat_model lat_models[] = {
	{ .name = "timerfd", .desc = "timerfd (relative), read() blocks", .kind = K_FLOOR, .fn = lat_timerfd },
	{ .name = "nanosleep", .desc = "clock_nanosleep(TIMER_ABSTIME)", .kind = K_FLOOR, .fn = lat_nanosleep },
	{ .name = "request-ioctl", .desc = "REQUEST: HWEVENT_IOC_REGISTER blocks", .kind = K_BLOCKING, .fn = lat_request },
	{ .name = "eventfd-read", .desc = "EVENTFD: read() on the eventfd blocks", .kind = K_EVENT, .fn = lat_eventfd_read },
	{ .name = "eventfd-poll", .desc = "EVENTFD: poll() on the eventfd", .kind = K_EVENT, .fn = lat_eventfd_poll },
	{ .name = "queue-read", .desc = "QUEUE: read() on the device blocks", .kind = K_EVENT, .fn = lat_queue_read },
	{ .name = "queue-poll", .desc = "QUEUE: poll() then read()", .kind = K_EVENT, .fn = lat_queue_poll },
	{ .name = "queue-sigio", .desc = "QUEUE: O_ASYNC, sigwaitinfo(SIGIO) then read()", .kind = K_EVENT, .fn = lat_queue_sigio },
	{ .name = "request-uring", .desc = "REQUEST via io_uring, io_uring_wait_cqe()", .kind = K_ASYNC, .fn = lat_uring },
	{ .name = "request-uring-defer", .desc = "as above, ring with DEFER_TASKRUN", .kind = K_ASYNC, .fn = lat_uring_defer },
};
#define NR_LAT ((int)(sizeof(lat_models) / sizeof(lat_models[0])))

static struct lat_model *lat_floor(void)
{
	return &lat_models[0];
}

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
}

static void phase_latency(void)
{
	const unsigned int n = opt.n, block = opt.block;
	uint64_t *dues = xcalloc(block, sizeof(*dues));
	uint64_t rng = opt.seed, cookie = 1;
	struct lat_ctx c = { 0 };
	unsigned int round = 0;

	lat_setup(&c);
	for (int m = 0; m < NR_LAT; m++) {
		lat_models[m].wake_due = xcalloc(n, sizeof(int64_t));
		lat_models[m].wake_fired = xcalloc(n, sizeof(int64_t));
		lat_models[m].fired_due = xcalloc(n, sizeof(int64_t));
	}
	warnx("latency: %u samples per model, %d models, blocks of %u",
	     n, NR_LAT, block);
	/*
	 * Round 0 is a warm-up whose samples are dropped (page faults, first
	 * allocations of the slab caches, io_uring's first task work).  Each
	 * round every model runs a block with the same due times, starting
	 * with a different model each time.
	 */
	for (unsigned int done = 0; done < n; round++) {
		unsigned int len = n - done < block ? n - done : block;
		bool warmup = round == 0;

		for (unsigned int i = 0; i < len; i++)
			dues[i] = rng_due(&rng);
		for (int k = 0; k < NR_LAT; k++) {
			struct lat_model *lm = &lat_models[(k + round) % NR_LAT];

			for (unsigned int i = 0; i < len && !lm->err; i++) {
				struct lat_sample s = { 0 };
				uint64_t due_abs;
				int ret = lm->fn(&c, dues[i], cookie++, &s);

				if (ret) {
					lm->err = ret;
					warnx("latency: %s failed: %s", lm->name,
					     strerror(-ret));
					break;
				}
				if (warmup)
					continue;
				due_abs = s.t0 + dues[i];
				lm->wake_due[lm->n++] = (int64_t)(s.wake - due_abs);
				if (s.fired) {
					lm->wake_fired[lm->n_fired] =
						(int64_t)(s.wake - s.fired);
					lm->fired_due[lm->n_fired++] =
						(int64_t)(s.fired - due_abs);
				}
			}
		}
		if (!warmup)
			done += len;
		if (round % 10 == 0)
			warnx("latency: %u/%u", done, n);
	}
	lat_teardown(&c);
	free(dues);

	for (int m = 0; m < NR_LAT; m++) {
		struct lat_model *lm = &lat_models[m];

		lm->d_wd = dist_of(lm->wake_due, lm->n);
		lm->d_wf = dist_of(lm->wake_fired, lm->n_fired);
		lm->d_fd = dist_of(lm->fired_due, lm->n_fired);
	}
}

/* ==== 2. throughput ==== */

static const uint64_t tp_rates[] = {
	1000, 2000, 5000, 10000, 20000, 50000, 100000
};
#define NR_RATES ((int)(sizeof(tp_rates) / sizeof(tp_rates[0])))
/*
 * Up to this many tries per rate, until one loses nothing: a single stall
 * of the emulator (several ms, a few times a second) makes even timerfd
 * miss events at 1 kHz now and then.
 */
#define TP_ATTEMPTS 3
/* The tolerant criterion: at most this share of the periods missed. */
#define TP_TOLERANCE 0.10
/* io_uring: WAIT commands kept in flight. */
#define TP_URING_DEPTH 8

struct tp_run {
	uint64_t rate;
	int attempt;
	bool pass;		/* nothing missed */
	bool pass_tol;		/* at most TP_TOLERANCE of the periods missed */
	bool count_ok;		/* events + missed match the clock's periods */
	uint64_t missed;	/* events not seen one by one: see tp_models */
	uint64_t events;	/* delivered (eventfd/timerfd: sum of counts) */
	uint64_t wakes;		/* times the application woke */
	uint64_t expected;	/* periods by the clock, from arm to disarm */
	uint64_t lost;		/* reported by the driver (msg.lost) */
	uint64_t gaps;		/* seq gaps (queue) */
	uint64_t coalesced;	/* wakes that saw more than one event */
	uint64_t overruns;	/* device lost counter delta: timer overruns */
	int err;
};

struct tp_model {
	const char *name;
	const char *desc;
	const char *criterion;
	int (*fn)(uint64_t period, uint64_t dur, struct tp_run *r);
	struct tp_run runs[NR_RATES * TP_ATTEMPTS];
	int nr_runs;
	uint64_t sustained;	/* every rate up to it: a try missed nothing */
	uint64_t sustained_tol;	/* every rate up to it: within TP_TOLERANCE */
};

static uint64_t periods_between(uint64_t t_arm, uint64_t t_disarm,
				uint64_t period)
{
	return (t_disarm - t_arm) / period;
}

/* Events counted by the clock may exceed those seen by 2: arm/disarm. */
static bool count_ok(uint64_t got, uint64_t expected)
{
	return got + 2 >= expected && got <= expected + 1;
}

static int tp_timerfd(uint64_t period, uint64_t dur, struct tp_run *r)
{
	struct itimerspec its = {
		.it_value = ns_to_timespec(period),
		.it_interval = ns_to_timespec(period),
	};
	struct itimerspec off = { 0 };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	uint64_t t_arm, end, v;

	if (tfd < 0)
		return -errno;
	t_arm = now_ns();
	end = t_arm + dur;
	timerfd_settime(tfd, 0, &its, NULL);
	while (now_ns() < end) {
		if (read(tfd, &v, sizeof(v)) != sizeof(v)) {
			close(tfd);
			return -errno;
		}
		r->events += v;
		r->wakes++;
		if (v > 1) {
			r->coalesced++;
			r->missed += v - 1;	/* an overrun */
		}
	}
	timerfd_settime(tfd, 0, &off, NULL);
	r->expected = periods_between(t_arm, now_ns(), period);
	close(tfd);
	r->count_ok = count_ok(r->events, r->expected);
	return 0;
}

static int tp_eventfd(uint64_t period, uint64_t dur, struct tp_run *r)
{
	struct hwevent_register reg;
	int hfd = hwevent_open(0), efd = eventfd(0, EFD_CLOEXEC);
	struct pollfd p;
	uint64_t t_arm, end, v;
	int ret;

	if (hfd < 0 || efd < 0)
		return hfd < 0 ? hfd : -errno;
	hwevent_register_init(&reg, HWEVENT_TYPE_EVENTFD, period, period, 1);
	reg.eventfd = efd;
	t_arm = now_ns();
	end = t_arm + dur;
	ret = hwevent_register(hfd, &reg);
	while (!ret && now_ns() < end) {
		if (read(efd, &v, sizeof(v)) != sizeof(v)) {
			ret = -errno;
			break;
		}
		r->events += v;
		r->wakes++;
		if (v > 1) {
			r->coalesced++;
			r->missed += v - 1;	/* counted, not seen one by one */
		}
	}
	if (!ret)
		ret = hwevent_cancel(hfd, reg.id);
	r->expected = periods_between(t_arm, now_ns(), period);
	/* What the timer counted after our last read, before the cancel. */
	p = (struct pollfd){ .fd = efd, .events = POLLIN };
	if (!ret && poll(&p, 1, 0) == 1 && read(efd, &v, sizeof(v)) == sizeof(v))
		r->events += v;
	close(efd);
	close(hfd);
	r->count_ok = count_ok(r->events, r->expected);
	return ret;
}

static int tp_queue(uint64_t period, uint64_t dur, struct tp_run *r)
{
	struct hwevent_msg msgs[64];
	uint64_t t_arm, end, id = 0, last_seq = 0;
	int hfd = hwevent_open(0), n, ret;

	if (hfd < 0)
		return hfd;
	t_arm = now_ns();
	end = t_arm + dur;
	ret = hwevent_register_queue(hfd, period, period, 1, &id);
	/* One more pass after the cancel, without blocking, drains the queue. */
	for (bool draining = false; !ret;) {
		if (!draining && now_ns() >= end) {
			ret = hwevent_cancel(hfd, id);
			r->expected = periods_between(t_arm, now_ns(), period);
			fcntl(hfd, F_SETFL, fcntl(hfd, F_GETFL) | O_NONBLOCK);
			draining = true;
			continue;
		}
		n = hwevent_read_msgs(hfd, msgs, 64);
		if (n == -EAGAIN && draining)
			break;
		if (n < 0) {
			ret = n;
			break;
		}
		r->wakes++;
		if (n > 1)
			r->coalesced++;
		for (int i = 0; i < n; i++) {
			r->events++;
			r->lost += msgs[i].lost;
			/* Only our registration fires: seq goes up by one. */
			if (last_seq && msgs[i].seq != last_seq + 1)
				r->gaps++;
			last_seq = msgs[i].seq;
		}
	}
	close(hfd);
	/* Several records per read are fine: each is an event of its own. */
	r->missed = r->lost + r->gaps;
	r->count_ok = count_ok(r->events + r->missed, r->expected);
	return ret;
}

static int tp_request_wait(uint64_t period, uint64_t dur, struct tp_run *r)
{
	struct hwevent_register reg;
	struct hwevent_msg m;
	uint64_t t_arm, end;
	int hfd = hwevent_open(0), ret;

	if (hfd < 0)
		return hfd;
	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, period, period, 1);
	t_arm = now_ns();
	end = t_arm + dur;
	ret = hwevent_register(hfd, &reg);	/* returns at the first firing */
	if (!ret) {
		r->events++;
		r->wakes++;
		r->lost += reg.msg.lost;
	}
	while (!ret && now_ns() < end) {
		ret = hwevent_wait(hfd, reg.id, &m);
		if (ret)
			break;
		r->events++;
		r->wakes++;
		r->lost += m.lost;
	}
	if (!ret)
		ret = hwevent_cancel(hfd, reg.id);
	r->expected = periods_between(t_arm, now_ns(), period);
	close(hfd);
	/* A firing that found no request pending is lost. */
	r->missed = r->lost;
	r->count_ok = true;
	return ret;
}

static int tp_request_uring(uint64_t period, uint64_t dur, struct tp_run *r)
{
	struct hwevent_wait waits[TP_URING_DEPTH];
	struct hwevent_register reg;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint64_t t_arm, end;
	int hfd = hwevent_open(0), ret, inflight = 0;
	bool stopping = false;

	if (hfd < 0)
		return hfd;
	ret = io_uring_queue_init(2 * TP_URING_DEPTH, &ring, 0);
	if (ret) {
		close(hfd);
		return ret;
	}
	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, period, period, 1);
	sqe = io_uring_get_sqe(&ring);
	hwevent_uring_prep_register(sqe, hfd, &reg);
	io_uring_sqe_set_data64(sqe, TP_URING_DEPTH);
	t_arm = now_ns();
	end = t_arm + dur;
	/* The driver wrote reg.id at submission: the WAITs can name it. */
	ret = io_uring_submit(&ring);
	if (ret != 1) {
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	inflight = 1;
	for (int i = 0; i < TP_URING_DEPTH; i++) {
		memset(&waits[i], 0, sizeof(waits[i]));
		waits[i].id = reg.id;
		sqe = io_uring_get_sqe(&ring);
		hwevent_uring_prep_wait(sqe, hfd, &waits[i]);
		io_uring_sqe_set_data64(sqe, i);
	}
	ret = io_uring_submit(&ring);
	if (ret != TP_URING_DEPTH) {
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	inflight += TP_URING_DEPTH;
	ret = 0;
	while (inflight) {
		unsigned int head, seen = 0, resubmit = 0;
		int w;

		if (!stopping && now_ns() >= end) {
			/* The pending WAITs complete with ECANCELED. */
			stopping = true;
			ret = hwevent_cancel(hfd, reg.id);
			r->expected = periods_between(t_arm, now_ns(), period);
			if (ret)
				break;
		}
		do
			w = io_uring_wait_cqe(&ring, &cqe);
		while (w == -EINTR);
		if (w) {
			ret = w;
			break;
		}
		r->wakes++;
		io_uring_for_each_cqe(&ring, head, cqe) {
			uint64_t slot = cqe->user_data;
			const struct hwevent_msg *m = slot == TP_URING_DEPTH ?
				&reg.msg : &waits[slot].msg;

			seen++;
			inflight--;
			if (cqe->res == -ECANCELED && stopping)
				continue;
			if (cqe->res) {
				if (!ret)
					ret = cqe->res;
				continue;
			}
			r->events++;
			r->lost += m->lost;
			if (!stopping && slot < TP_URING_DEPTH) {
				memset(&waits[slot], 0, sizeof(waits[slot]));
				waits[slot].id = reg.id;
				sqe = io_uring_get_sqe(&ring);
				hwevent_uring_prep_wait(sqe, hfd, &waits[slot]);
				io_uring_sqe_set_data64(sqe, slot);
				resubmit++;
			}
		}
		if (seen > 1)
			r->coalesced++;
		io_uring_cq_advance(&ring, seen);
		if (resubmit) {
			w = io_uring_submit(&ring);
			if (w != (int)resubmit) {
				ret = w < 0 ? w : -EIO;
				break;
			}
			inflight += resubmit;
		}
		if (ret)
			break;
	}
out:
	io_uring_queue_exit(&ring);
	close(hfd);
	r->missed = r->lost;
	r->count_ok = true;
	return ret;
}

static struct tp_model tp_models[] = {
	{ .name = "timerfd", .desc = "timerfd with it_interval, read()",
	  .criterion = "missed: read() > 1 (overrun), the extra count",
	  .fn = tp_timerfd },
	{ .name = "eventfd", .desc = "EVENTFD periodic, read() on the eventfd",
	  .criterion = "count == periods (always: it counts); missed: read() > 1, the extra count",
	  .fn = tp_eventfd },
	{ .name = "queue", .desc = "QUEUE periodic, read() up to 64 records",
	  .criterion = "missed: msg.lost + seq gaps (queue_len 64; several records per read are fine)",
	  .fn = tp_queue },
	{ .name = "request-wait", .desc = "REQUEST periodic, HWEVENT_IOC_WAIT in a loop",
	  .criterion = "missed: msg.lost (firings with no request pending, timer overruns)",
	  .fn = tp_request_wait },
	{ .name = "request-uring", .desc = "REQUEST periodic, io_uring WAIT, 8 in flight",
	  .criterion = "missed: msg.lost", .fn = tp_request_uring },
};
#define NR_TP ((int)(sizeof(tp_models) / sizeof(tp_models[0])))

static void phase_throughput(void)
{
	warnx("throughput: %d models, %.2f s per rate, up to %d tries", NR_TP,
	     (double)opt.tp_dur_ns / NS_PER_SEC, TP_ATTEMPTS);
	for (int m = 0; m < NR_TP; m++) {
		struct tp_model *tm = &tp_models[m];
		bool strict_ok = true;

		for (int k = 0; k < NR_RATES; k++) {
			bool pass = false, pass_tol = false;

			/* Once a rate missed something in every try, one try
			 * that stays within the tolerance is enough. */
			for (int a = 1; a <= TP_ATTEMPTS && !pass &&
			     !(pass_tol && !strict_ok); a++) {
				struct tp_run *r = &tm->runs[tm->nr_runs++];
				struct hwevent_counters c0 = { 0 }, c1 = { 0 };

				r->rate = tp_rates[k];
				r->attempt = a;
				hwevent_read_counters(&c0);
				r->err = tm->fn(NS_PER_SEC / tp_rates[k],
						opt.tp_dur_ns, r);
				/* The device's lost counter counts timer overruns too. */
				if (m && !hwevent_read_counters(&c1))
					r->overruns = c1.lost - c0.lost;
				r->pass = !r->err && r->count_ok && !r->missed;
				r->pass_tol = !r->err && r->count_ok &&
					      r->missed <= TP_TOLERANCE * r->expected;
				pass |= r->pass;
				pass_tol |= r->pass_tol;
				warnx("throughput: %-14s %6" PRIu64 "/s try %d: %s: missed %" PRIu64
				     " of %" PRIu64 " (events %" PRIu64 ", lost %" PRIu64
				     ", gaps %" PRIu64 ", coalesced wakes %" PRIu64 "/%" PRIu64
				     ", device lost counter +%" PRIu64 ")%s%s",
				     tm->name, r->rate, a,
				     r->pass ? "ok" : r->pass_tol ? "ok within tolerance" : "FELL BEHIND",
				     r->missed, r->expected, r->events, r->lost, r->gaps,
				     r->coalesced, r->wakes, r->overruns,
				     r->err ? ": " : "", r->err ? strerror(-r->err) : "");
				/* Let the reap work and the emulator settle. */
				sleep_ns(50 * NS_PER_MS);
			}
			strict_ok &= pass;
			if (strict_ok)
				tm->sustained = tp_rates[k];
			if (!pass_tol)
				break;
			tm->sustained_tol = tp_rates[k];
		}
	}
}

/* ==== 3. scaling and memory ==== */

static const unsigned int scale_levels[] = { 1, 100, 10000, 100000 };
#define NR_LEVELS ((int)(sizeof(scale_levels) / sizeof(scale_levels[0])))
#define SCALE_MAX 100000

/* Far due times, spread so the timer tree is not a degenerate list. */
static uint64_t far_due(uint64_t *rng)
{
	return rng_range(rng, 3600 * NS_PER_SEC, 23 * 3600 * NS_PER_SEC);
}

struct scale_level {
	unsigned int pending;
	double fill_ns_per_reg;	/* average while filling up to this level */
	struct dist reg_efd, reg_queue, cancel_efd, cancel_queue;
	struct dist tfd_arm, tfd_disarm;
};

static struct {
	struct scale_level lv[NR_LEVELS];
	int nr_levels;
	uint64_t release_ns;	/* close() of the file with SCALE_MAX pending */
	/* memory */
	bool memcg;
	int64_t memcg_delta, memcg_slab_delta;
	int64_t meminfo_slab_delta, meminfo_avail_delta;	/* bytes */
	int64_t reg_objects_delta, reg_object_size, reg_slab_size;
	int64_t xa_objects_delta, xa_slab_size;
	char reg_cache[64];
	unsigned int mem_regs;
	/* the timerfd floor: memory of an armed timerfd */
	unsigned int tfd_count;
	int64_t tfd_memcg_delta;
	char err[160];
} sc;

static char cg_path[PATH_MAX];

/* A fresh cgroup v2 child with the memory controller; "" if none. */
static bool memcg_enter(void)
{
	char buf[512], path[PATH_MAX + 32];

	if (read_text("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		return false;
	if (write_text("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		return false;
	snprintf(cg_path, sizeof(cg_path), "/sys/fs/cgroup/hwbench-%d",
		 (int)getpid());
	if (mkdir(cg_path, 0755) && errno != EEXIST)
		return false;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_path);
	if (write_text(path, "0"))
		return false;
	return true;
}

static void memcg_leave(void)
{
	write_text("/sys/fs/cgroup/cgroup.procs", "0");
	rmdir(cg_path);
}

static int64_t memcg_current(void)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/memory.current", cg_path);
	return read_i64(path);
}

static int64_t memcg_slab(void)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/memory.stat", cg_path);
	return read_keyed(path, "slab");
}

static int64_t slab_attr(const char *cache, const char *attr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	return read_i64(path);	/* "objects" reads "N N0=..": N */
}

/* Register one far-due notification of @type; its id in @id. */
static int reg_far(int hfd, int efd, uint32_t type, uint64_t due, uint64_t *id)
{
	struct hwevent_register reg;
	int ret;

	hwevent_register_init(&reg, type, due, 0, 0);
	if (type == HWEVENT_TYPE_EVENTFD)
		reg.eventfd = efd;
	ret = hwevent_register(hfd, &reg);
	*id = reg.id;
	return ret;
}

static void phase_scaling(void)
{
	const unsigned int cycles = opt.scale_cycles;
	int64_t *a[6];
	uint64_t rng = opt.seed ^ 0x5ca1ab1e, old_max = 0;
	unsigned int filled = 0;
	int hfd, efd, tfd, ret = 0;
	int64_t mc0 = 0, ms0 = 0, slab0, avail0, ro0, xo0;
	struct itimerspec off = { 0 };

	/* Touched now, so that they are not charged in the memory figures. */
	for (int i = 0; i < 6; i++) {
		a[i] = xcalloc(cycles, sizeof(int64_t));
		memset(a[i], 0xff, cycles * sizeof(int64_t));
	}
	if (module_param_read("max_pending", &old_max) ||
	    module_param_write("max_pending", 1000000)) {
		snprintf(sc.err, sizeof(sc.err),
			 "cannot set max_pending to 1000000 (root?)");
		warnx("scaling: %s", sc.err);
		return;
	}
	warnx("scaling: %u register+cancel cycles at %d levels up to %u pending",
	     cycles, NR_LEVELS, SCALE_MAX);

	hfd = hwevent_open(0);
	efd = eventfd(0, EFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (hfd < 0 || efd < 0 || tfd < 0)
		errx(1, "scaling: open: %s", strerror(errno));

	/* Memory: everything we allocate ourselves is allocated by now. */
	sc.memcg = memcg_enter();
	if (!sc.memcg)
		warnx("scaling: no memory cgroup; memory from slab and meminfo only");
	/* hwevent_reg may be merged into another cache: name the real one. */
	{
		char link[PATH_MAX];
		ssize_t n = readlink("/sys/kernel/slab/hwevent_reg", link,
				     sizeof(link) - 1);

		if (n > 0) {
			link[n] = '\0';
			scopy(sc.reg_cache, sizeof(sc.reg_cache),
			      strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
		} else {
			scopy(sc.reg_cache, sizeof(sc.reg_cache), "hwevent_reg");
		}
	}
	sc.reg_object_size = slab_attr("hwevent_reg", "object_size");
	sc.reg_slab_size = slab_attr("hwevent_reg", "slab_size");
	sc.xa_slab_size = slab_attr("radix_tree_node", "slab_size");
	sleep_ns(100 * NS_PER_MS);
	if (sc.memcg) {
		mc0 = memcg_current();
		ms0 = memcg_slab();
	}
	slab0 = read_keyed("/proc/meminfo", "Slab");
	avail0 = read_keyed("/proc/meminfo", "MemAvailable");
	ro0 = slab_attr("hwevent_reg", "objects");
	xo0 = slab_attr("radix_tree_node", "objects");

	for (int l = 0; l < NR_LEVELS; l++) {
		struct scale_level *lv = &sc.lv[l];
		unsigned int target = scale_levels[l];
		uint64_t t0, t1, t2, id;

		/* Fill with QUEUE registrations due far in the future. */
		t0 = now_ns();
		for (unsigned int k = filled; k < target; k++) {
			ret = reg_far(hfd, efd, HWEVENT_TYPE_QUEUE, far_due(&rng), &id);
			if (ret) {
				snprintf(sc.err, sizeof(sc.err),
					 "filling to %u: register #%u: %s",
					 target, k, strerror(-ret));
				warnx("scaling: %s", sc.err);
				goto out;
			}
		}
		t1 = now_ns();
		lv->pending = target;
		lv->fill_ns_per_reg = target > filled ?
			(double)(t1 - t0) / (target - filled) : 0;
		filled = target;

		if (target == SCALE_MAX) {
			sleep_ns(100 * NS_PER_MS);
			if (sc.memcg) {
				sc.memcg_delta = memcg_current() - mc0;
				sc.memcg_slab_delta = memcg_slab() - ms0;
			}
			sc.meminfo_slab_delta =
				(read_keyed("/proc/meminfo", "Slab") - slab0) * 1024;
			sc.meminfo_avail_delta =
				(avail0 - read_keyed("/proc/meminfo", "MemAvailable")) * 1024;
			sc.reg_objects_delta = slab_attr("hwevent_reg", "objects") - ro0;
			sc.xa_objects_delta =
				slab_attr("radix_tree_node", "objects") - xo0;
			sc.mem_regs = SCALE_MAX;
		}

		/*
		 * The cycles: EVENTFD, QUEUE and timerfd, in an order that
		 * changes every cycle, each with its own due time.  (With the
		 * same due time, or always in the same order, the second
		 * registration would find the timer tree's path already in the
		 * cache, the emulator's TLB especially, and look cheaper.)
		 */
		for (unsigned int i = 0; i < cycles && !ret; i++) {
			for (unsigned int k = 0; k < 3 && !ret; k++) {
				unsigned int what = (i + k) % 3;
				struct itimerspec its = {
					.it_value = ns_to_timespec(far_due(&rng)),
				};
				uint64_t due = far_due(&rng);
				uint32_t type = what == 0 ? HWEVENT_TYPE_EVENTFD :
							    HWEVENT_TYPE_QUEUE;

				if (what == 2) {
					t0 = now_ns();
					timerfd_settime(tfd, 0, &its, NULL);
					t1 = now_ns();
					timerfd_settime(tfd, 0, &off, NULL);
					t2 = now_ns();
				} else {
					t0 = now_ns();
					ret = reg_far(hfd, efd, type, due, &id);
					t1 = now_ns();
					if (!ret)
						ret = hwevent_cancel(hfd, id);
					t2 = now_ns();
				}
				/* a[0..2]: register/arm, a[3..5]: cancel/disarm */
				a[what][i] = (int64_t)(t1 - t0);
				a[3 + what][i] = (int64_t)(t2 - t1);
			}
		}
		if (ret) {
			snprintf(sc.err, sizeof(sc.err),
				 "register/cancel at %u pending: %s", target,
				 strerror(-ret));
			warnx("scaling: %s", sc.err);
			goto out;
		}
		lv->reg_efd = dist_of(a[0], cycles);
		lv->reg_queue = dist_of(a[1], cycles);
		lv->tfd_arm = dist_of(a[2], cycles);
		lv->cancel_efd = dist_of(a[3], cycles);
		lv->cancel_queue = dist_of(a[4], cycles);
		lv->tfd_disarm = dist_of(a[5], cycles);
		sc.nr_levels = l + 1;
		warnx("scaling: %6u pending: register %.1f us, cancel %.1f us (p50), fill %.1f us/reg",
		     target, us(lv->reg_queue.p50), us(lv->cancel_queue.p50),
		     lv->fill_ns_per_reg / 1000);
	}
out:
	{
		uint64_t t0 = now_ns();

		close(hfd);	/* release() cancels and frees all of them */
		sc.release_ns = now_ns() - t0;
	}
	close(efd);
	close(tfd);

	/* The floor's memory: armed timerfds, each a file and a context. */
	if (sc.memcg) {
		const unsigned int n = 10000;
		struct rlimit rl = { n + 1024, n + 1024 };
		struct itimerspec its = { .it_value = { 3600, 0 } };
		int *fds = xcalloc(n, sizeof(int));
		unsigned int made = 0;
		int64_t m0;

		if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
			/* Grow the descriptor table before the baseline. */
			int hi = dup2(0, (int)n + 1000);

			if (hi >= 0)
				close(hi);
			sleep_ns(100 * NS_PER_MS);
			m0 = memcg_current();
			for (; made < n; made++) {
				fds[made] = timerfd_create(CLOCK_MONOTONIC,
							   TFD_CLOEXEC);
				if (fds[made] < 0 ||
				    timerfd_settime(fds[made], 0, &its, NULL))
					break;
			}
			sleep_ns(100 * NS_PER_MS);
			sc.tfd_memcg_delta = memcg_current() - m0;
			sc.tfd_count = made;
			for (unsigned int i = 0; i < made; i++)
				close(fds[i]);
		}
		free(fds);
		memcg_leave();
	}
	module_param_write("max_pending", old_max);
	for (int i = 0; i < 6; i++)
		free(a[i]);
}

/* ==== 4. concurrent clients ==== */

static const unsigned int client_counts[] = { 1, 2, 4, 8, 16, 32, 64 };
static const unsigned int client_counts_quick[] = { 1, 4, 16, 64 };
#define MAX_CLIENT_LEVELS 7

struct client {
	pthread_t thread;
	bool floor;		/* timerfd instead of hwevent */
	pthread_barrier_t *start;
	atomic_bool *stop;
	uint64_t *t_stop;
	uint64_t rng;
	int64_t *lat;
	size_t n, cap;
	int err;
};

static void *client_main(void *arg)
{
	struct client *cl = arg;
	int fd;

	set_slack();
	fd = cl->floor ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) :
			 hwevent_open(0);
	if (fd < 0)
		cl->err = cl->floor ? -errno : fd;
	pthread_barrier_wait(cl->start);
	while (!cl->err && !atomic_load(cl->stop) && cl->n < cl->cap) {
		uint64_t due = rng_due(&cl->rng), t0, wake, v;
		int ret = 0;

		if (cl->floor) {
			struct itimerspec its = { .it_value = ns_to_timespec(due) };

			t0 = now_ns();
			if (timerfd_settime(fd, 0, &its, NULL) ||
			    read(fd, &v, sizeof(v)) != sizeof(v))
				ret = -errno;
		} else {
			struct hwevent_register reg;

			hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, due, 0, 1);
			t0 = now_ns();
			ret = hwevent_register(fd, &reg);
		}
		wake = now_ns();
		if (ret) {
			cl->err = ret;
			break;
		}
		/* Count only what was notified within the measured time. */
		if (atomic_load(cl->stop) && wake > *cl->t_stop)
			break;
		cl->lat[cl->n++] = (int64_t)(wake - (t0 + due));
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

struct client_result {
	unsigned int clients;
	double rate;		/* notifications per second */
	struct dist lat;
	int err;
};

static struct {
	struct client_result hw[MAX_CLIENT_LEVELS], tfd[MAX_CLIENT_LEVELS];
	int nr;
} cr;

static struct client_result run_clients(unsigned int nc, bool floor)
{
	struct client_result res = { .clients = nc };
	struct client *cl = xcalloc(nc, sizeof(*cl));
	pthread_barrier_t start;
	atomic_bool stop = false;
	uint64_t t_start, t_stop = UINT64_MAX;
	size_t cap = opt.cl_dur_ns / DUE_MIN_NS + 16, total = 0;
	int64_t *all;
	pthread_attr_t attr;
	cpu_set_t any;

	/* The clients may run on any CPU, whatever the main thread's pinning. */
	CPU_ZERO(&any);
	for (int i = 0; i < env.cpus; i++)
		CPU_SET(i, &any);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(any), &any);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_barrier_init(&start, NULL, nc + 1);
	for (unsigned int i = 0; i < nc; i++) {
		cl[i] = (struct client){
			.floor = floor, .start = &start, .stop = &stop,
			.t_stop = &t_stop, .rng = opt.seed * 7919 + i + 1,
			.lat = xcalloc(cap, sizeof(int64_t)), .cap = cap,
		};
		if (pthread_create(&cl[i].thread, &attr, client_main, &cl[i]))
			errx(1, "pthread_create: %s", strerror(errno));
	}
	pthread_barrier_wait(&start);
	t_start = now_ns();
	sleep_ns(opt.cl_dur_ns);
	t_stop = now_ns();
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < nc; i++) {
		pthread_join(cl[i].thread, NULL);
		total += cl[i].n;
		if (cl[i].err && !res.err)
			res.err = cl[i].err;
	}
	all = xcalloc(total, sizeof(int64_t));
	total = 0;
	for (unsigned int i = 0; i < nc; i++) {
		memcpy(all + total, cl[i].lat, cl[i].n * sizeof(int64_t));
		total += cl[i].n;
		free(cl[i].lat);
	}
	res.rate = (double)total * NS_PER_SEC / (double)(t_stop - t_start);
	res.lat = dist_of(all, total);
	free(all);
	free(cl);
	pthread_barrier_destroy(&start);
	pthread_attr_destroy(&attr);
	return res;
}

static void phase_clients(void)
{
	const unsigned int *counts = opt.quick ? client_counts_quick : client_counts;
	int nr = opt.quick ? 4 : 7;

	warnx("clients: %d levels, %.2f s each, hwevent then timerfd", nr,
	     (double)opt.cl_dur_ns / NS_PER_SEC);
	for (int i = 0; i < nr; i++) {
		cr.hw[i] = run_clients(counts[i], false);
		cr.tfd[i] = run_clients(counts[i], true);
		cr.nr = i + 1;
		warnx("clients: %2u: hwevent %.0f/s p99 %.1f us, timerfd %.0f/s p99 %.1f us",
		     counts[i], cr.hw[i].rate, us(cr.hw[i].lat.p99),
		     cr.tfd[i].rate, us(cr.tfd[i].lat.p99));
	}
}

/* ==== output ==== */

static struct {
	double latency, throughput, scaling, clients, total;
} elapsed;

static void json_dist(FILE *f, const char *name, const struct dist *d,
		      bool comma)
{
	if (!d || !d->n) {
		fprintf(f, "\"%s\": null%s", name, comma ? ", " : "");
		return;
	}
	fprintf(f, "\"%s\": {\"n\": %zu, \"min\": %" PRId64 ", \"p50\": %" PRId64
		", \"p90\": %" PRId64 ", \"p99\": %" PRId64 ", \"p999\": %" PRId64
		", \"max\": %" PRId64 ", \"mean\": %.0f}%s",
		name, d->n, d->min, d->p50, d->p90, d->p99, d->p999, d->max,
		d->mean, comma ? ", " : "");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* The targets, evaluated once for the JSON and the table. */
struct target {
	char name[96];
	double value, limit;
	bool pass;
};
static struct target targets[32];
static int nr_targets;

static void add_target(const char *name, double value, double limit)
{
	struct target *t;

	if (nr_targets >= (int)(sizeof(targets) / sizeof(targets[0])))
		return;
	t = &targets[nr_targets++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->value = value;
	t->limit = limit;
	t->pass = value > 0 && value <= limit;
}

static bool lat_done(void)
{
	return lat_floor()->d_wd.n > 0;
}

static void eval_targets(void)
{
	const struct lat_model *fl = lat_floor();
	char name[96];

	if (lat_done()) {
		for (int m = 0; m < NR_LAT; m++) {
			const struct lat_model *lm = &lat_models[m];
			double lim = kind_target(lm->kind);

			if (!lim || !lm->d_wd.n)
				continue;
			snprintf(name, sizeof(name), "latency %s p50 / timerfd p50",
				 lm->name);
			add_target(name, ratio(lm->d_wd.p50, fl->d_wd.p50), lim);
			snprintf(name, sizeof(name), "latency %s p99 / timerfd p99",
				 lm->name);
			add_target(name, ratio(lm->d_wd.p99, fl->d_wd.p99), lim);
		}
	}
	if (sc.nr_levels == NR_LEVELS) {
		const struct scale_level *a = &sc.lv[0], *b = &sc.lv[NR_LEVELS - 1];

		snprintf(name, sizeof(name),
			 "register EVENTFD p50 at %u / at %u pending", b->pending,
			 a->pending);
		add_target(name, ratio(b->reg_efd.p50, a->reg_efd.p50), 2.0);
		snprintf(name, sizeof(name),
			 "register QUEUE p50 at %u / at %u pending", b->pending,
			 a->pending);
		add_target(name, ratio(b->reg_queue.p50, a->reg_queue.p50), 2.0);
	}
}

static void write_json(void)
{
	FILE *f = out_file("results.json");
	const struct lat_model *fl = lat_floor();

	fprintf(f, "{\n\"tool\": \"hwbench\", \"format\": 1, \"mode\": \"%s\",\n",
		opt.quick ? "quick" : "full");
	fprintf(f, "\"units\": \"ns of CLOCK_MONOTONIC in the emulated VM unless named otherwise\",\n");
	fprintf(f, "\"env\": {\"kernel\": ");
	json_str(f, env.kernel);
	fprintf(f, ", \"cpus\": %d, \"clocksource\": ", env.cpus);
	json_str(f, env.clocksource);
	fprintf(f, ", \"hz\": %d, \"clock_read_ns\": %.0f, \"cmdline\": ",
		env.hz, env.clock_read_ns);
	json_str(f, env.cmdline);
	fprintf(f, ", \"slub_debug\": %s, \"timer_slack_ns\": %" PRIu64
		", \"pinned_cpu\": %d, \"seed\": %" PRIu64 "},\n",
		env.slub_debug ? "true" : "false", env.slack_ns, opt.pin_cpu,
		opt.seed);
	fprintf(f, "\"elapsed_s\": {\"latency\": %.1f, \"throughput\": %.1f, "
		"\"scaling\": %.1f, \"clients\": %.1f, \"total\": %.1f},\n",
		elapsed.latency, elapsed.throughput, elapsed.scaling,
		elapsed.clients, elapsed.total);

	/* latency */
	fprintf(f, "\"latency\": ");
	if (!lat_done()) {
		fprintf(f, "null,\n");
	} else {
		fprintf(f, "{\"samples_per_model\": %u, \"due_ns\": [%" PRIu64 ", %" PRIu64 "], "
			"\"floor\": \"timerfd\", \"metric\": \"wake - due; due = time before the arming call + due_ns\",\n"
			" \"models\": [\n", opt.n, DUE_MIN_NS, DUE_MAX_NS);
		for (int m = 0; m < NR_LAT; m++) {
			const struct lat_model *lm = &lat_models[m];
			double lim = kind_target(lm->kind);

			fprintf(f, "  {\"name\": \"%s\", \"kind\": \"%s\", \"description\": ",
				lm->name, kind_name[lm->kind]);
			json_str(f, lm->desc);
			fprintf(f, ", \"error\": ");
			if (lm->err)
				json_str(f, strerror(-lm->err));
			else
				fprintf(f, "null");
			fprintf(f, ",\n   ");
			json_dist(f, "wake_minus_due", &lm->d_wd, true);
			fprintf(f, "\n   ");
			json_dist(f, "wake_minus_fired", &lm->d_wf, true);
			fprintf(f, "\n   ");
			json_dist(f, "fired_minus_due", &lm->d_fd, true);
			fprintf(f, "\n   \"ratio_to_floor\": {\"p50\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}",
				ratio(lm->d_wd.p50, fl->d_wd.p50),
				ratio(lm->d_wd.p99, fl->d_wd.p99),
				ratio(lm->d_wd.p999, fl->d_wd.p999),
				ratio(lm->d_wd.max, fl->d_wd.max));
			if (lim && lm->d_wd.n)
				fprintf(f, ", \"target_ratio\": %.2f, \"pass\": %s",
					lim,
					ratio(lm->d_wd.p50, fl->d_wd.p50) <= lim &&
					ratio(lm->d_wd.p99, fl->d_wd.p99) <= lim ?
					"true" : "false");
			fprintf(f, "}%s\n", m + 1 < NR_LAT ? "," : "");
		}
		fprintf(f, " ]},\n");
	}

	/* throughput */
	fprintf(f, "\"throughput\": ");
	if (!tp_models[0].nr_runs) {
		fprintf(f, "null,\n");
	} else {
		fprintf(f, "{\"seconds_per_rate\": %.3f, \"max_attempts_per_rate\": %d, "
			"\"tolerance\": %.3f, \"floor\": \"timerfd\", \"models\": [\n",
			(double)opt.tp_dur_ns / NS_PER_SEC, TP_ATTEMPTS, TP_TOLERANCE);
		for (int m = 0; m < NR_TP; m++) {
			const struct tp_model *tm = &tp_models[m];

			fprintf(f, "  {\"name\": \"%s\", \"description\": ", tm->name);
			json_str(f, tm->desc);
			fprintf(f, ", \"criterion\": ");
			json_str(f, tm->criterion);
			fprintf(f, ", \"sustained_per_s\": %" PRIu64
				", \"ratio_to_floor\": %.3f, \"sustained_within_tolerance_per_s\": %" PRIu64
				", \"ratio_to_floor_within_tolerance\": %.3f, \"runs\": [\n",
				tm->sustained,
				ratio(tm->sustained, tp_models[0].sustained),
				tm->sustained_tol,
				ratio(tm->sustained_tol, tp_models[0].sustained_tol));
			for (int i = 0; i < tm->nr_runs; i++) {
				const struct tp_run *r = &tm->runs[i];

				fprintf(f, "   {\"rate\": %" PRIu64 ", \"attempt\": %d, \"pass\": %s"
					", \"pass_within_tolerance\": %s, \"missed\": %" PRIu64
					", \"events\": %" PRIu64
					", \"wakes\": %" PRIu64 ", \"expected\": %" PRIu64 ", \"lost\": %" PRIu64
					", \"gaps\": %" PRIu64 ", \"coalesced_wakes\": %" PRIu64
					", \"device_lost_delta\": %" PRIu64 ", \"error\": ",
					r->rate, r->attempt, r->pass ? "true" : "false",
					r->pass_tol ? "true" : "false", r->missed,
					r->events, r->wakes, r->expected, r->lost, r->gaps,
					r->coalesced, r->overruns);
				if (r->err)
					json_str(f, strerror(-r->err));
				else
					fprintf(f, "null");
				fprintf(f, "}%s\n", i + 1 < tm->nr_runs ? "," : "");
			}
			fprintf(f, "  ]}%s\n", m + 1 < NR_TP ? "," : "");
		}
		fprintf(f, " ]},\n");
	}

	/* scaling */
	fprintf(f, "\"scaling\": ");
	if (!sc.nr_levels && !sc.err[0]) {
		fprintf(f, "null,\n");
	} else {
		fprintf(f, "{\"cycles_per_level\": %u, \"error\": ", opt.scale_cycles);
		if (sc.err[0])
			json_str(f, sc.err);
		else
			fprintf(f, "null");
		fprintf(f, ", \"floor\": \"timerfd_settime arm / disarm\", \"levels\": [\n");
		for (int l = 0; l < sc.nr_levels; l++) {
			const struct scale_level *lv = &sc.lv[l];

			fprintf(f, "  {\"pending\": %u, \"fill_ns_per_reg\": %.0f,\n   ",
				lv->pending, lv->fill_ns_per_reg);
			json_dist(f, "register_eventfd", &lv->reg_efd, true);
			fprintf(f, "\n   ");
			json_dist(f, "register_queue", &lv->reg_queue, true);
			fprintf(f, "\n   ");
			json_dist(f, "cancel_eventfd", &lv->cancel_efd, true);
			fprintf(f, "\n   ");
			json_dist(f, "cancel_queue", &lv->cancel_queue, true);
			fprintf(f, "\n   ");
			json_dist(f, "timerfd_arm", &lv->tfd_arm, true);
			fprintf(f, "\n   ");
			json_dist(f, "timerfd_disarm", &lv->tfd_disarm, false);
			fprintf(f, "}%s\n", l + 1 < sc.nr_levels ? "," : "");
		}
		fprintf(f, " ],\n \"release_ns_with_%u_pending\": %" PRIu64 ",\n",
			SCALE_MAX, sc.release_ns);
		fprintf(f, " \"memory\": {\"registrations\": %u, \"memcg\": %s, "
			"\"memcg_current_delta\": %" PRId64 ", \"memcg_slab_delta\": %" PRId64
			", \"meminfo_slab_delta\": %" PRId64 ", \"meminfo_memavailable_drop\": %" PRId64
			", \"reg_cache\": \"%s\", \"reg_object_size\": %" PRId64 ", \"reg_slab_size\": %" PRId64
			", \"reg_objects_delta\": %" PRId64 ", \"xarray_node_slab_size\": %" PRId64
			", \"xarray_nodes_delta\": %" PRId64 ", \"bytes_per_reg_memcg\": %.1f"
			", \"timerfd_count\": %u, \"timerfd_memcg_delta\": %" PRId64
			", \"bytes_per_timerfd_memcg\": %.1f}},\n",
			sc.mem_regs, sc.memcg ? "true" : "false", sc.memcg_delta,
			sc.memcg_slab_delta, sc.meminfo_slab_delta,
			sc.meminfo_avail_delta, sc.reg_cache, sc.reg_object_size,
			sc.reg_slab_size, sc.reg_objects_delta, sc.xa_slab_size,
			sc.xa_objects_delta,
			sc.mem_regs ? (double)sc.memcg_delta / sc.mem_regs : 0,
			sc.tfd_count, sc.tfd_memcg_delta,
			sc.tfd_count ? (double)sc.tfd_memcg_delta / sc.tfd_count : 0);
	}

	/* clients */
	fprintf(f, "\"clients\": ");
	if (!cr.nr) {
		fprintf(f, "null,\n");
	} else {
		fprintf(f, "{\"seconds_per_level\": %.3f, \"floor\": \"timerfd per thread\", \"levels\": [\n",
			(double)opt.cl_dur_ns / NS_PER_SEC);
		for (int i = 0; i < cr.nr; i++) {
			fprintf(f, "  {\"clients\": %u, \"hwevent_per_s\": %.0f, \"timerfd_per_s\": %.0f, "
				"\"ratio_rate\": %.3f, \"ratio_p99\": %.3f,\n   ",
				cr.hw[i].clients, cr.hw[i].rate, cr.tfd[i].rate,
				ratio(cr.hw[i].rate, cr.tfd[i].rate),
				ratio(cr.hw[i].lat.p99, cr.tfd[i].lat.p99));
			json_dist(f, "hwevent_wake_minus_due", &cr.hw[i].lat, true);
			fprintf(f, "\n   ");
			json_dist(f, "timerfd_wake_minus_due", &cr.tfd[i].lat, false);
			fprintf(f, "}%s\n", i + 1 < cr.nr ? "," : "");
		}
		fprintf(f, " ]},\n");
	}

	fprintf(f, "\"targets\": [\n");
	for (int i = 0; i < nr_targets; i++) {
		fprintf(f, "  {\"name\": ");
		json_str(f, targets[i].name);
		fprintf(f, ", \"ratio\": %.3f, \"limit\": %.2f, \"pass\": %s}%s\n",
			targets[i].value, targets[i].limit,
			targets[i].pass ? "true" : "false",
			i + 1 < nr_targets ? "," : "");
	}
	fprintf(f, "]\n}\n");
	fclose(f);
}

/* "12.3 (1.05x)" */
static const char *cell(char *buf, size_t size, int64_t v, int64_t floor)
{
	if (floor > 0)
		snprintf(buf, size, "%.1f (%.2fx)", us(v), ratio(v, floor));
	else
		snprintf(buf, size, "%.1f", us(v));
	return buf;
}

static void write_md(void)
{
	FILE *f = out_file("results.md");
	const struct lat_model *fl = lat_floor();
	char b1[48], b2[48], b3[48], b4[48];

	fprintf(f, "# hwevent benchmark (%s mode)\n\n", opt.quick ? "quick" : "full");
	fprintf(f, "**All absolute times are emulated-VM time** (QEMU TCG, software "
		"emulation): they are far slower and noisier than real hardware "
		"and mean little on their own. Each figure is also given as a ratio "
		"(`x`) to the kernel's own floor measured in the same run, "
		"which is what to read.\n\n");
	fprintf(f, "- kernel %s, %d CPUs, clocksource %s (one clock_gettime: %.1f us), HZ %d, slub_debug %s\n",
		env.kernel, env.cpus, env.clocksource, env.clock_read_ns / 1000,
		env.hz, env.slub_debug ? "ON (slows allocations)" : "off");
	fprintf(f, "- timer slack of every measuring thread: %" PRIu64
		" ns (PR_SET_TIMERSLACK; the default 50 us would delay clock_nanosleep and poll timeouts)\n",
		env.slack_ns);
	if (opt.pin_cpu >= 0)
		fprintf(f, "- latency, throughput and scaling: one thread pinned to CPU %d "
			"(the timers are armed and fire on that CPU); clients: not pinned\n",
			opt.pin_cpu);
	else
		fprintf(f, "- no thread pinned\n");
	fprintf(f, "- wall time: latency %.0f s, throughput %.0f s, scaling %.0f s, "
		"clients %.0f s, total %.0f s\n\n",
		elapsed.latency, elapsed.throughput, elapsed.scaling,
		elapsed.clients, elapsed.total);

	if (lat_done()) {
		fprintf(f, "## Latency: wake - due, in us (x timerfd)\n\n");
		fprintf(f, "%u samples per model after a warm-up, due in %" PRIu64 "-%" PRIu64 " ms "
			"(uniformly random, the same due times for every model, models "
			"interleaved in blocks of %u). due = time read just before the "
			"arming call + due_ns; wake = time read just after the blocking "
			"call returned. Target: blocking and "
			"event-based paths within 1.25x of timerfd at p50 and p99, "
			"io_uring within 1.5x.\n\n", opt.n, DUE_MIN_NS / NS_PER_MS,
			DUE_MAX_NS / NS_PER_MS, opt.block);
		fprintf(f, "| model | kind | p50 | p99 | p99.9 | max | target | result |\n");
		fprintf(f, "|---|---|---|---|---|---|---|---|\n");
		for (int m = 0; m < NR_LAT; m++) {
			const struct lat_model *lm = &lat_models[m];
			double lim = kind_target(lm->kind);
			const char *res = "";
			char tgt[16] = "-";

			if (!lm->d_wd.n) {
				fprintf(f, "| %s | %s | n/a: %s ||||||\n", lm->name,
					kind_name[lm->kind],
					lm->err ? strerror(-lm->err) : "no samples");
				continue;
			}
			if (lim) {
				bool ok = ratio(lm->d_wd.p50, fl->d_wd.p50) <= lim &&
					  ratio(lm->d_wd.p99, fl->d_wd.p99) <= lim;

				snprintf(tgt, sizeof(tgt), "<= %.2fx", lim);
				res = ok ? "pass" : "**FAIL**";
			} else if (lm->kind == K_FLOOR) {
				res = "floor";
			}
			fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
				lm->name, kind_name[lm->kind],
				cell(b1, sizeof(b1), lm->d_wd.p50, fl->d_wd.p50),
				cell(b2, sizeof(b2), lm->d_wd.p99, fl->d_wd.p99),
				cell(b3, sizeof(b3), lm->d_wd.p999, fl->d_wd.p999),
				cell(b4, sizeof(b4), lm->d_wd.max, fl->d_wd.max),
				tgt, res);
		}
		fprintf(f, "\n### Where the time goes: due -> fired -> wake, in us\n\n"
			"For the models whose notification carries a hwevent_msg. "
			"fired - due: arming, the timer's expiry and the softirq that "
			"runs the callback. wake - fired: from the callback to the "
			"application running again (wakeup, context switches, io_uring "
			"task work, signal delivery). The x figures of wake - fired are "
			"shares of the floor's whole due -> wake at the same percentile "
			"(timerfd has no callback time of its own).\n\n");
		fprintf(f, "| model | fired-due p50 | fired-due p99 | wake-fired p50 | wake-fired p99 | wake-fired p99.9 | wake-fired max |\n");
		fprintf(f, "|---|---|---|---|---|---|---|\n");
		for (int m = 0; m < NR_LAT; m++) {
			const struct lat_model *lm = &lat_models[m];
			char c1[48], c2[48];

			if (!lm->d_wf.n)
				continue;
			fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", lm->name,
				cell(c1, sizeof(c1), lm->d_fd.p50, 0),
				cell(c2, sizeof(c2), lm->d_fd.p99, 0),
				cell(b1, sizeof(b1), lm->d_wf.p50, fl->d_wd.p50),
				cell(b2, sizeof(b2), lm->d_wf.p99, fl->d_wd.p99),
				cell(b3, sizeof(b3), lm->d_wf.p999, fl->d_wd.p999),
				cell(b4, sizeof(b4), lm->d_wf.max, fl->d_wd.max));
		}
		fprintf(f, "\nThe EVENTFD models carry no message: they have only wake - due.\n");
		fprintf(f, "\nModels: ");
		for (int m = 0; m < NR_LAT; m++)
			fprintf(f, "%s`%s`: %s", m ? "; " : "", lat_models[m].name,
				lat_models[m].desc);
		fprintf(f, ".\n\n");
	}

	if (tp_models[0].nr_runs) {
		fprintf(f, "## Throughput: highest rate sustained without loss\n\n");
		fprintf(f, "A periodic registration for %.2f s at each rate, rising "
			"until the application falls behind; up to %d tries per rate. "
			"An event is *missed* when the application did not get it as "
			"an event of its own (criteria below). \"0 missed\": every rate "
			"up to it had a try that missed nothing. \"<= %.0f%%\": every "
			"rate up to it had a try that missed at most %.0f%% of the periods "
			"(the emulator stalls for several ms a few times a second, which "
			"makes even timerfd overrun at 1 kHz). Cells: the best try's "
			"missed share.\n\n",
			(double)opt.tp_dur_ns / NS_PER_SEC, TP_ATTEMPTS,
			TP_TOLERANCE * 100, TP_TOLERANCE * 100);
		fprintf(f, "| model | 0 missed, events/s (x timerfd) | <= %.0f%% missed (x timerfd) |",
			TP_TOLERANCE * 100);
		for (int k = 0; k < NR_RATES; k++)
			fprintf(f, " %" PRIu64 "k/s |", tp_rates[k] / 1000);
		fprintf(f, "\n|---|---|---|");
		for (int k = 0; k < NR_RATES; k++)
			fprintf(f, "---|");
		fprintf(f, "\n");
		for (int m = 0; m < NR_TP; m++) {
			const struct tp_model *tm = &tp_models[m];

			fprintf(f, "| %s | %" PRIu64 " (%.2fx) | %" PRIu64 " (%.2fx) |",
				tm->name, tm->sustained,
				ratio(tm->sustained, tp_models[0].sustained),
				tm->sustained_tol,
				ratio(tm->sustained_tol, tp_models[0].sustained_tol));
			for (int k = 0; k < NR_RATES; k++) {
				const struct tp_run *best = NULL;
				int tries = 0;

				for (int i = 0; i < tm->nr_runs; i++) {
					const struct tp_run *r = &tm->runs[i];

					if (r->rate != tp_rates[k])
						continue;
					tries++;
					if (!best || (!r->err && (best->err ||
					    r->missed * best->expected < best->missed * r->expected)))
						best = r;
				}
				if (!best)
					fprintf(f, " - |");
				else if (best->err)
					fprintf(f, " error: %s |", strerror(-best->err));
				else if (!best->missed && best->count_ok)
					fprintf(f, " 0%s |", tries > 1 ? " (retried)" : "");
				else
					fprintf(f, " %.2f%%%s |", 100.0 * best->missed /
						(best->expected ? best->expected : 1),
						best->count_ok ? "" : " count!");
			}
			fprintf(f, "\n");
		}
		fprintf(f, "\n");
		for (int m = 0; m < NR_TP; m++)
			fprintf(f, "- `%s`: %s; %s.\n", tp_models[m].name,
				tp_models[m].desc, tp_models[m].criterion);
		fprintf(f, "\n");
	}

	if (sc.nr_levels || sc.err[0]) {
		fprintf(f, "## Scaling: cost of register + cancel with P registrations pending on the file\n\n");
		fprintf(f, "%u cycles per level; p50 (p99) in us; x = ratio to the same "
			"figure at %u pending; floor = timerfd_settime() arming and "
			"disarming one timerfd at the same moment. Target: register at "
			"%u pending within 2x of at %u.\n\n",
			opt.scale_cycles, scale_levels[0], SCALE_MAX, scale_levels[0]);
		if (sc.err[0])
			fprintf(f, "**Error:** %s\n\n", sc.err);
		fprintf(f, "| pending | register EVENTFD | register QUEUE | cancel EVENTFD | cancel QUEUE | timerfd arm | timerfd disarm | register QUEUE / timerfd arm | fill us/reg |\n");
		fprintf(f, "|---|---|---|---|---|---|---|---|---|\n");
		for (int l = 0; l < sc.nr_levels; l++) {
			const struct scale_level *lv = &sc.lv[l], *l0 = &sc.lv[0];
			char c[6][64];

#define SC_CELL(i, fld) snprintf(c[i], sizeof(c[i]), "%.1f (%.1f) %.2fx", \
	us(lv->fld.p50), us(lv->fld.p99), ratio(lv->fld.p50, l0->fld.p50))
			SC_CELL(0, reg_efd);
			SC_CELL(1, reg_queue);
			SC_CELL(2, cancel_efd);
			SC_CELL(3, cancel_queue);
			SC_CELL(4, tfd_arm);
			SC_CELL(5, tfd_disarm);
#undef SC_CELL
			fprintf(f, "| %u | %s | %s | %s | %s | %s | %s | %.2fx | %.1f |\n",
				lv->pending, c[0], c[1], c[2], c[3], c[4], c[5],
				ratio(lv->reg_queue.p50, lv->tfd_arm.p50),
				lv->fill_ns_per_reg / 1000);
		}
		fprintf(f, "\nclose() of the file with %u registrations pending (release() cancels and frees them all): %.1f ms, %.2f us per registration.\n\n",
			SCALE_MAX, (double)sc.release_ns / NS_PER_MS,
			(double)sc.release_ns / SCALE_MAX / 1000);
		if (sc.mem_regs) {
			fprintf(f, "### Memory per pending registration (%u QUEUE registrations)\n\n",
				sc.mem_regs);
			fprintf(f, "| source | bytes per registration | what it counts |\n|---|---|---|\n");
			if (sc.memcg)
				fprintf(f, "| memory cgroup `memory.current` delta | %.1f | everything charged to the caller: the registration (SLAB_ACCOUNT) and the xarray nodes (GFP_KERNEL_ACCOUNT), with slab overhead |\n"
					"| memory cgroup `memory.stat` slab delta | %.1f | the slab part of it |\n",
					(double)sc.memcg_delta / sc.mem_regs,
					(double)sc.memcg_slab_delta / sc.mem_regs);
			fprintf(f, "| slab cache `%s` (hwevent_reg) | %" PRId64 " object, %" PRId64 " with metadata; %.2f objects per registration | the registration itself |\n",
				sc.reg_cache, sc.reg_object_size, sc.reg_slab_size,
				(double)sc.reg_objects_delta / sc.mem_regs);
			fprintf(f, "| slab cache `radix_tree_node` (xarray) | %.1f (%" PRId64 " nodes of %" PRId64 ") | the id index |\n",
				(double)sc.xa_objects_delta * sc.xa_slab_size / sc.mem_regs,
				sc.xa_objects_delta, sc.xa_slab_size);
			fprintf(f, "| /proc/meminfo `Slab` delta | %.1f | all slab of the machine (noisy) |\n",
				(double)sc.meminfo_slab_delta / sc.mem_regs);
			fprintf(f, "| /proc/meminfo `MemAvailable` drop | %.1f | everything, the whole machine (noisiest) |\n",
				(double)sc.meminfo_avail_delta / sc.mem_regs);
			if (sc.tfd_count)
				fprintf(f, "| floor: an armed timerfd, memory cgroup delta | %.1f (registration = %.2fx) | struct file, timerfd_ctx, descriptor |\n",
					(double)sc.tfd_memcg_delta / sc.tfd_count,
					ratio((double)sc.memcg_delta / sc.mem_regs,
					      (double)sc.tfd_memcg_delta / sc.tfd_count));
			fprintf(f, "\n");
		}
	}

	if (cr.nr) {
		fprintf(f, "## Concurrent clients: threads with their own file, REQUEST register + wait cycles\n\n");
		fprintf(f, "%.2f s per level, due 1-2 ms, threads not pinned; floor = "
			"as many threads each with its own timerfd. Latency = wake - due, us.\n\n",
			(double)opt.cl_dur_ns / NS_PER_SEC);
		fprintf(f, "| clients | hwevent events/s (x timerfd) | hwevent p50 | hwevent p99 | timerfd events/s | timerfd p50 | timerfd p99 |\n");
		fprintf(f, "|---|---|---|---|---|---|---|\n");
		for (int i = 0; i < cr.nr; i++) {
			const struct client_result *h = &cr.hw[i], *t = &cr.tfd[i];

			fprintf(f, "| %u | %.0f (%.2fx) | %s | %s | %.0f | %.1f | %.1f |%s\n",
				h->clients, h->rate, ratio(h->rate, t->rate),
				cell(b1, sizeof(b1), h->lat.p50, t->lat.p50),
				cell(b2, sizeof(b2), h->lat.p99, t->lat.p99),
				t->rate, us(t->lat.p50), us(t->lat.p99),
				h->err || t->err ? " error" : "");
		}
		fprintf(f, "\n");
	}

	if (nr_targets) {
		int fails = 0;

		fprintf(f, "## Targets (reported, not enforced)\n\n| target | ratio | limit | result |\n|---|---|---|---|\n");
		for (int i = 0; i < nr_targets; i++) {
			fprintf(f, "| %s | %.3f | %.2f | %s |\n", targets[i].name,
				targets[i].value, targets[i].limit,
				targets[i].pass ? "pass" : "**FAIL**");
			fails += !targets[i].pass;
		}
		fprintf(f, "\n%d of %d targets met.\n", nr_targets - fails, nr_targets);
	}
	fclose(f);
}

/* Data files for bench/plot.gp. */
static void write_dat(void)
{
	FILE *f;
	char name[96];

	if (lat_done()) {
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
	if (sc.nr_levels) {
		f = out_file("scaling.dat");
		fprintf(f, "# pending reg_efd_p50 reg_queue_p50 cancel_efd_p50 cancel_queue_p50 tfd_arm_p50 tfd_disarm_p50 reg_queue_p99 (us)\n");
		for (int l = 0; l < sc.nr_levels; l++) {
			const struct scale_level *lv = &sc.lv[l];

			fprintf(f, "%u %.3f %.3f %.3f %.3f %.3f %.3f %.3f\n",
				lv->pending, us(lv->reg_efd.p50), us(lv->reg_queue.p50),
				us(lv->cancel_efd.p50), us(lv->cancel_queue.p50),
				us(lv->tfd_arm.p50), us(lv->tfd_disarm.p50),
				us(lv->reg_queue.p99));
		}
		fclose(f);
	}
	if (cr.nr) {
		f = out_file("clients.dat");
		fprintf(f, "# clients hw_rate hw_p50_us hw_p99_us tfd_rate tfd_p50_us tfd_p99_us\n");
		for (int i = 0; i < cr.nr; i++)
			fprintf(f, "%u %.1f %.3f %.3f %.1f %.3f %.3f\n",
				cr.hw[i].clients, cr.hw[i].rate,
				us(cr.hw[i].lat.p50), us(cr.hw[i].lat.p99),
				cr.tfd[i].rate, us(cr.tfd[i].lat.p50),
				us(cr.tfd[i].lat.p99));
		fclose(f);
	}
	if (tp_models[0].nr_runs) {
		f = out_file("throughput.dat");
		fprintf(f, "# index model sustained_per_s sustained_within_tolerance_per_s\n");
		for (int m = 0; m < NR_TP; m++)
			fprintf(f, "%d %s %" PRIu64 " %" PRIu64 "\n", m,
				tp_models[m].name, tp_models[m].sustained,
				tp_models[m].sustained_tol);
		fclose(f);
	}
}

/* ==== main ==== */

static void usage(void)
{
	fprintf(stderr,
		"usage: hwbench [--quick] [--out DIR] [--n N] [--pin CPU|-1] [--seed S]\n"
		"               [--phases latency,throughput,scaling,clients]\n"
		"Runs where the hwevent module is loaded (the test VM: run-bench.sh).\n");
	exit(2);
}

static double secs_since(uint64_t t0)
{
	return (double)(now_ns() - t0) / NS_PER_SEC;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' },
		{ "n", required_argument, NULL, 'n' },
		{ "pin", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "phases", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned int n_arg = 0;
	uint64_t t_all, t;
	sigset_t sigio;
	int c;

	while ((c = getopt_long(argc, argv, "qo:n:p:s:P:h", lo, NULL)) != -1) {
		switch (c) {
		case 'q': opt.quick = true; break;
		case 'o': opt.out = optarg; break;
		case 'n': n_arg = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'p': opt.pin_cpu = atoi(optarg); break;
		case 's': opt.seed = strtoull(optarg, NULL, 0) | 1; break;
		case 'P': opt.phases = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (opt.quick) {
		opt.n = 400;
		opt.block = 25;
		opt.tp_dur_ns = 200 * NS_PER_MS;
		opt.scale_cycles = 200;
		opt.cl_dur_ns = 300 * NS_PER_MS;
	} else {
		opt.n = 5000;
		opt.block = 50;
		opt.tp_dur_ns = NS_PER_SEC;
		opt.scale_cycles = 2000;
		opt.cl_dur_ns = 2 * NS_PER_SEC;
	}
	if (n_arg)
		opt.n = n_arg;
	if (mkdir(opt.out, 0755) && errno != EEXIST)
		errx(1, "mkdir %s: %s", opt.out, strerror(errno));

	/*
	 * SIGIO blocked in every thread (threads inherit the mask): the
	 * queue-sigio model collects it with sigwaitinfo(), and no other
	 * thread takes it instead.
	 */
	sigemptyset(&sigio);
	sigaddset(&sigio, SIGIO);
	pthread_sigmask(SIG_BLOCK, &sigio, NULL);

	if (device_wait_node(5000))
		errx(1, "%s is not there: load the module first (insmod build/hwevent.ko)",
		    HWEVENT_DEV_PATH);
	read_env();
	if (opt.pin_cpu == -2)
		opt.pin_cpu = env.cpus - 1;
	if (opt.pin_cpu >= env.cpus)
		opt.pin_cpu = -1;
	env.slack_ns = set_slack();
	pin_self(opt.pin_cpu);
	warnx("kernel %s, %d CPUs, clocksource %s, slack %" PRIu64 " ns, pinned to CPU %d, %s mode",
	     env.kernel, env.cpus, env.clocksource, env.slack_ns, opt.pin_cpu,
	     opt.quick ? "quick" : "full");

	t_all = now_ns();
	if (phase_on("latency")) {
		t = now_ns();
		phase_latency();
		elapsed.latency = secs_since(t);
	}
	if (phase_on("throughput")) {
		t = now_ns();
		phase_throughput();
		elapsed.throughput = secs_since(t);
	}
	if (phase_on("scaling")) {
		t = now_ns();
		phase_scaling();
		elapsed.scaling = secs_since(t);
	}
	if (phase_on("clients")) {
		t = now_ns();
		phase_clients();
		elapsed.clients = secs_since(t);
	}
	elapsed.total = secs_since(t_all);

	eval_targets();
	write_json();
	write_md();
	write_dat();
	warnx("done in %.0f s: %s/results.md, results.json", elapsed.total, opt.out);
	return 0;
}
