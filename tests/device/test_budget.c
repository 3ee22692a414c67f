// SPDX-License-Identifier: GPL-2.0
/*
 * What a user of the device can make it spend of the CPU.
 *
 * A periodic registration whose consumer does not consume stops, as a
 * timerfd does until it is read: a full queue, a REQUEST registration with
 * no request waiting, an eventfd nobody read since the last firing.  Its
 * missed periods are counted, exactly, when the consumer is back.  And the
 * periodic registrations of a file, and of the whole device, may together
 * ask only so many firings per second (max_file_rate_hz,
 * max_device_rate_hz): beyond, EBUSY.
 *
 * The proof: a CPU-bound task keeps most of its CPU while another
 * process holds all the periodic registrations the budgets allow, unread,
 * on the same CPU; and the same beside unread timerfds.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"

#define DEFAULT_FILE_RATE	100000
#define DEFAULT_DEVICE_RATE	1000000

static uint64_t param(const char *name)
{
	uint64_t v;
	int ret = module_param_read(name, &v);

	ck_assert_msg(ret == 0, "reading %s: %s", name, strerror(-ret));
	return v;
}

static void set_param(const char *name, uint64_t v)
{
	int ret = module_param_write(name, v);

	ck_assert_msg(ret == 0, "writing %s=%" PRIu64 ": %s", name, v,
		      strerror(-ret));
}

static uint64_t rate_counter(void)
{
	char buf[32], path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/rate_hz", HWEVENT_COUNTERS_DIR);
	f = fopen(path, "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	return strtoull(buf, NULL, 10);
}

/* ---- the budgets ---- */

/*
 * One registration at the shortest period takes a file's whole default
 * budget: a second periodic one is refused with EBUSY, one-shots are not;
 * a cancel gives the budget back.  The device's summed rate shows in the
 * rate_hz counter.
 */
START_TEST(budget_file_rate_ebusy)
{
	uint64_t id, id2;
	int fd, ret;

	ck_assert_uint_eq(param("max_file_rate_hz"), DEFAULT_FILE_RATE);
	ck_assert_uint_eq(param("max_device_rate_hz"), DEFAULT_DEVICE_RATE);
	fd = hwt_open();
	ck_assert_uint_eq(rate_counter(), 0);
	id = hwt_reg_queue(fd, LONG_DUE_NS, HWEVENT_PERIOD_MIN_NS, 1);
	ck_assert_uint_eq(rate_counter(), DEFAULT_FILE_RATE);
	ret = hwevent_register_queue(fd, LONG_DUE_NS, LONG_DUE_NS, 2, NULL);
	ck_assert_msg(ret == -EBUSY, "a periodic registration beyond the "
		      "file's budget returned %d (%s)", ret, strerror(-ret));
	/* A one-shot takes nothing of it. */
	ck_assert_int_eq(hwevent_register_queue(fd, LONG_DUE_NS, 0, 3, &id2), 0);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	ck_assert_uint_eq(rate_counter(), 0);
	ck_assert_int_eq(hwevent_register_queue(fd, LONG_DUE_NS, 1000 * NS_PER_US,
					    4, NULL), 0);
	ck_assert_uint_eq(rate_counter(), 1000);
	close(fd);
	ck_assert_uint_eq(rate_counter(), 0);
	hwt_assert_rest_unload();
}
END_TEST

/* The device's budget bounds what many files may ask together. */
START_TEST(budget_device_rate_ebusy)
{
	enum { FILES = 3 };
	int fd[FILES], ret;

	set_param("max_device_rate_hz", 2 * DEFAULT_FILE_RATE + 1);
	for (int i = 0; i < FILES; i++)
		fd[i] = hwt_open();
	hwt_reg_queue(fd[0], LONG_DUE_NS, HWEVENT_PERIOD_MIN_NS, 1);
	hwt_reg_queue(fd[1], LONG_DUE_NS, HWEVENT_PERIOD_MIN_NS, 2);
	ret = hwevent_register_queue(fd[2], LONG_DUE_NS, HWEVENT_PERIOD_MIN_NS, 3,
				 NULL);
	ck_assert_msg(ret == -EBUSY, "a third file beyond the device's budget "
		      "returned %d (%s)", ret, strerror(-ret));
	ck_assert_uint_eq(rate_counter(), 2 * DEFAULT_FILE_RATE);
	close(fd[0]);
	hwt_reg_queue(fd[2], LONG_DUE_NS, HWEVENT_PERIOD_MIN_NS, 4);
	close(fd[1]);
	close(fd[2]);
	set_param("max_device_rate_hz", DEFAULT_DEVICE_RATE);
	hwt_assert_rest_unload();
}
END_TEST

START_TEST(budget_params_bounds)
{
	static const uint64_t bad[] = { 0, 1000000001ULL };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(module_param_write("max_file_rate_hz", bad[i]),
				 -EINVAL);
		ck_assert_int_eq(module_param_write("max_device_rate_hz",
						     bad[i]), -EINVAL);
	}
	ck_assert_uint_eq(param("max_file_rate_hz"), DEFAULT_FILE_RATE);
	ck_assert_uint_eq(param("max_device_rate_hz"), DEFAULT_DEVICE_RATE);
}
END_TEST

/* ---- stalls: nothing fires for a consumer that does not consume ---- */

#define STALL_PERIOD_NS	NS_PER_MS
#define STALL_MS	500

/*
 * A periodic QUEUE registration into a queue of 4 that nobody reads: it
 * fires until the queue is full and the next record is dropped, then
 * stops.  Reading restarts it, and what it missed is reported, exactly:
 * records and lost add up to the periods elapsed.
 */
START_TEST(stall_queue_full_stops_timer)
{
	struct hwevent_counters c0, c1;
	struct hwevent_msg m[8];
	uint64_t t0, lost = 0, recs = 0, id;
	ssize_t n;
	int fd;

	hwt_set_queue_len(4);
	fd = hwevent_open(O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	hwt_set_queue_len(DEFAULT_QUEUE_LEN);
	c0 = hwt_counters();
	t0 = now_ns();
	id = hwt_reg_queue(fd, STALL_PERIOD_NS, STALL_PERIOD_NS, 1);
	hwt_sleep_ms(STALL_MS);
	c1 = hwt_counters();
	hwt_diag("%d ms unread: %" PRIu64 " firings of a %d ms period",
		 STALL_MS, c1.fired - c0.fired, (int)(STALL_PERIOD_NS / NS_PER_MS));
	/* 4 queued and 1 dropped, then none: before, one per period. */
	ck_assert_msg(c1.fired - c0.fired <= 6, "%" PRIu64 " firings into a "
		      "full queue nobody reads", c1.fired - c0.fired);
	/* Read until a record comes after the restart. */
	for (int tries = 0; tries < 200; tries++) {
		n = hwt_read_raw(fd, m, sizeof(m));
		if (n == -EAGAIN) {
			if (recs > 4)
				break;
			hwt_sleep_ms(5);
			continue;
		}
		ck_assert_int_gt(n, 0);
		for (int i = 0; i < n / (ssize_t)MSG_SIZE; i++) {
			lost += m[i].lost;
			recs += !(m[i].flags & HWEVENT_MSG_LOST);
		}
	}
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	c1 = hwt_counters();
	hwt_diag("then %" PRIu64 " records and %" PRIu64 " lost for %.0f ms",
		 recs, lost, (double)(now_ns() - t0) / 1e6);
	ck_assert_uint_gt(recs, 4);
	/* Nothing is lost to the count: the missed periods are all in it. */
	ck_assert_uint_ge(lost, (STALL_MS - 100) * NS_PER_MS / STALL_PERIOD_NS - 4);
	ck_assert_uint_ge(c1.lost - c0.lost, lost);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/*
 * A periodic REQUEST registration with nobody waiting stops after the
 * firing that found no request; a WAIT restarts it, and its message
 * reports every period missed in lost.
 */
START_TEST(stall_request_without_wait_stops_timer)
{
	struct hwevent_counters c0, c1;
	struct hwevent_register r;
	struct hwevent_msg m;
	int fd;

	fd = hwt_open();
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, STALL_PERIOD_NS, STALL_PERIOD_NS,
		    1, 0);
	ck_assert_int_eq(hwevent_register(fd, &r), 0);
	c0 = hwt_counters();
	hwt_sleep_ms(STALL_MS);
	c1 = hwt_counters();
	ck_assert_msg(c1.fired - c0.fired <= 2, "%" PRIu64 " firings of a "
		      "REQUEST registration nobody waits on", c1.fired - c0.fired);
	ck_assert_int_eq(hwevent_wait(fd, r.id, &m), 0);
	hwt_diag("WAIT after %d ms: lost %llu", STALL_MS,
		 (unsigned long long)m.lost);
	ck_assert_uint_ge(m.lost, (STALL_MS - 100) * NS_PER_MS / STALL_PERIOD_NS);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/*
 * A periodic eventfd registration nobody reads stops after two firings;
 * reading the eventfd restarts it, and the eventfd still counts every
 * period, the missed ones added at the restart.
 */
START_TEST(stall_eventfd_unread_stops_timer)
{
	struct hwevent_counters c0, c1;
	uint64_t t0, got, want, id;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	t0 = now_ns();
	id = hwt_reg_periodic_efd(fd, efd, STALL_PERIOD_NS, STALL_PERIOD_NS);
	hwt_sleep_ms(STALL_MS);
	c1 = hwt_counters();
	ck_assert_msg(c1.fired - c0.fired <= 3, "%" PRIu64 " firings into an "
		      "eventfd nobody reads", c1.fired - c0.fired);
	want = (now_ns() - t0) / STALL_PERIOD_NS - 2;
	got = hwt_efd_collect(efd, want, SOON_MS);
	hwt_diag("eventfd unread %d ms: %" PRIu64 " firings; then it counted %"
		 PRIu64 " of %" PRIu64 " periods", STALL_MS, c1.fired - c0.fired,
		 got, want);
	ck_assert_uint_ge(got, want);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	close(efd);
	close(fd);
	hwt_assert_rest_unload();
}
END_TEST

/* ---- the CPU: who can take how much of it ---- */

/* CPU 0's time, in ticks, from /proc/stat: the busy loop's (user) and all. */
struct cpu_ticks {
	uint64_t user, total;
};

static struct cpu_ticks cpu0_ticks(void)
{
	unsigned long long v[8] = { 0 };
	struct cpu_ticks t = { 0, 0 };
	char line[256];
	FILE *f = fopen("/proc/stat", "re");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu0 %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8)
			break;
	fclose(f);
	/* user nice system idle iowait irq softirq steal */
	t.user = v[0] + v[1];
	for (int i = 0; i < 8; i++)
		t.total += v[i];

	ck_assert_uint_gt(t.total, 0);
	return t;
}

/* Iterations per second of a busy loop: the median of 3 windows. */
static double spin_rate(void)
{
	double r[3], lo, hi;

	for (int k = 0; k < 3; k++) {
		uint64_t t0 = now_ns(), n = 0, t;

		do {
			/* Long between clock reads: in the VM the clock is
			 * often a system call, whose time is not the loop's. */
			for (volatile int i = 0; i < 100000; i++)
				;
			n++;
			t = now_ns();
		} while (t - t0 < 150 * NS_PER_MS);
		r[k] = (double)n * 1e9 / (double)(t - t0);
	}
	/* The median of three: the sum less the smallest and the largest. */
	lo = hi = r[0];
	for (int k = 1; k < 3; k++) {
		lo = r[k] < lo ? r[k] : lo;
		hi = r[k] > hi ? r[k] : hi;
	}
	return r[0] + r[1] + r[2] - lo - hi;
}

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

enum hog_kind { HOG_QUEUE, HOG_REQUEST, HOG_EVENTFD, HOG_TIMERFD };

/*
 * The hog, a child on CPU 0: @files open files, each holding as many
 * periodic registrations of @kind as max_pending and the file's budget
 * allow at once: max_pending of them, at the period that makes them add
 * up to the budget, or max_pending timerfds at the shortest period.  Then
 * it sleeps, reading nothing, until killed.  Writes a byte when ready.
 */
static void __attribute__((noreturn))
hog(enum hog_kind kind, int files, int ready)
{
	/* The rate each may take, and the period that takes no more. */
	const uint64_t each = DEFAULT_FILE_RATE / DEFAULT_MAX_PENDING;
	const uint64_t period = (NS_PER_SEC + each - 1) / each;
	struct rlimit nofile = { 4096, 4096 };
	int efd = -1;

	pin_cpu0();
	/* Room for max_pending timerfds. */
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		_exit(9);
	for (int f = 0; f < files; f++) {
		int fd = kind == HOG_TIMERFD ? -1 : hwevent_open(0);
		struct hwevent_register r;

		if (kind != HOG_TIMERFD && fd < 0)
			_exit(10);
		if (kind == HOG_EVENTFD && (efd = hwt_eventfd()) < 0)
			_exit(11);
		for (int i = 0; i < DEFAULT_MAX_PENDING; i++) {
			int ret = 0;

			switch (kind) {
			case HOG_QUEUE:
				ret = hwevent_register_queue(fd, period, period,
							 (uint64_t)i, NULL);
				break;
			case HOG_REQUEST:
				/* Due at once: REGISTER returns the first. */
				hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, 1, period,
					    (uint64_t)i, 0);
				ret = hwevent_register(fd, &r);
				break;
			case HOG_EVENTFD:
				ret = hwt_register_efd(fd, efd, period, period,
						       (uint64_t)i, NULL);
				break;
			case HOG_TIMERFD: {
				struct itimerspec its = {
					.it_value.tv_nsec = HWEVENT_PERIOD_MIN_NS,
					.it_interval.tv_nsec = HWEVENT_PERIOD_MIN_NS,
				};
				int tfd = timerfd_create(CLOCK_MONOTONIC,
							 TFD_CLOEXEC);

				if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL))
					ret = -errno;
				break;
			}
			}
			if (ret)
				_exit(12);
		}
	}
	if (write(ready, "r", 1) != 1)
		_exit(13);
	for (;;)
		pause();
}

struct round {
	double ratio;		/* the busy loop's rate beside the hog / alone */
	double share;		/* its share of CPU 0's time beside the hog,
				 * or -1 if too few ticks went by to tell */
	double firings;		/* the driver's firings per second meanwhile */
};

/* One round: the busy loop alone, then beside a fresh hog. */
static struct round rate_beside(enum hog_kind kind, int files)
{
	struct hwevent_counters c0, c1;
	struct cpu_ticks k0, k1;
	int ready[2], status;
	double alone, beside;
	struct round r;
	uint64_t t0, t1;
	char c;
	pid_t pid;

	alone = spin_rate();
	ck_assert_int_eq(pipe(ready), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		hog(kind, files, ready[1]);
	}
	close(ready[1]);
	ck_assert_msg(read(ready[0], &c, 1) == 1, "the hog failed to register");
	close(ready[0]);
	/* Let every timer fire once or twice, and stop. */
	hwt_sleep_ms(300);
	c0 = hwt_counters();
	k0 = cpu0_ticks();
	t0 = now_ns();
	beside = spin_rate();
	t1 = now_ns();
	k1 = cpu0_ticks();
	c1 = hwt_counters();
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	r.ratio = beside / alone;
	/* Too few ticks to tell (a VM stalled by its host): no share. */
	r.share = k1.total - k0.total < 10 ? -1 :
		  (double)(k1.user - k0.user) / (double)(k1.total - k0.total);
	r.firings = (double)(c1.fired - c0.fired) * 1e9 / (double)(t1 - t0);
	return r;
}

/*
 * The busy loop, pinned to CPU 0 where the hog's timers fire, must keep
 * 0.8 of that CPU's time in one round of up to five (the emulated VM
 * shares its host: a round may be unlucky, a driver that takes the CPU
 * loses them all), and in every round the
 * driver may fire at most 1% of what the registrations would without
 * stalling.  The CPU's time is read from /proc/stat, where the driver's
 * timer work shows as system and softirq time: the busy loop's rate by
 * the wall clock is reported too, but a VM on a loaded host loses wall
 * time to other VMs at random (a run here measured 5.71x and 0.34x with
 * the driver firing nothing), while the tick counts follow what the
 * guest's CPU ran.
 */
static void cpu_check(enum hog_kind kind, int files, const char *what)
{
	const double budget = (double)DEFAULT_FILE_RATE * files;
	double best = 0;

	for (int round = 0; round < 5 && best < 0.8; round++) {
		struct round r = rate_beside(kind, files);

		hwt_diag("round %d: busy loop beside %d file(s) x %d unread %s "
			 "registrations (%.0f Hz asked): %.0f%% of CPU 0, %.2fx "
			 "of its rate alone; the driver fired %.0f times/s",
			 round + 1, files, DEFAULT_MAX_PENDING, what, budget,
			 100 * r.share, r.ratio, r.firings);
		ck_assert_msg(r.firings <= budget / 100, "%s registrations "
			      "nobody consumes fired %.0f times/s", what,
			      r.firings);
		best = r.share > best ? r.share : best;
	}
	ck_assert_msg(best >= 0.8, "%d file(s) of unread %s registrations left "
		      "the busy loop %.0f%% of its CPU at best", files, what,
		      100 * best);
}

static void cpu_test(enum hog_kind kind, const char *what)
{
	struct round tfd;

	pin_cpu0();
	cpu_check(kind, 1, what);
	cpu_check(kind, DEFAULT_DEVICE_RATE / DEFAULT_FILE_RATE, what);
	/* The floor, for the record: what timerfds cost in the same place. */
	tfd = rate_beside(HOG_TIMERFD, 1);
	hwt_diag("beside %d unread timerfds at 10 us: %.0f%% of CPU 0, %.2fx",
		 DEFAULT_MAX_PENDING, 100 * tfd.share, tfd.ratio);
	hwt_assert_rest_unload();
}

START_TEST(cpu_unread_queue_registrations)
{
	cpu_test(HOG_QUEUE, "QUEUE");
}
END_TEST

START_TEST(cpu_unwaited_request_registrations)
{
	cpu_test(HOG_REQUEST, "REQUEST");
}
END_TEST

START_TEST(cpu_unread_eventfd_registrations)
{
	cpu_test(HOG_EVENTFD, "EVENTFD");
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(budget_file_rate_ebusy, HWT_LOADED, 30),
	HWT_CASE(budget_device_rate_ebusy, HWT_LOADED, 30),
	HWT_CASE(budget_params_bounds, HWT_LOADED, 30),
	HWT_CASE(stall_queue_full_stops_timer, HWT_LOADED, 30),
	HWT_CASE(stall_request_without_wait_stops_timer, HWT_LOADED, 30),
	HWT_CASE(stall_eventfd_unread_stops_timer, HWT_LOADED, 30),
	HWT_CASE(cpu_unread_queue_registrations, HWT_LOADED, 180),
	HWT_CASE(cpu_unwaited_request_registrations, HWT_LOADED, 180),
	HWT_CASE(cpu_unread_eventfd_registrations, HWT_LOADED, 180),
};

const struct hwt_suite hwt_suite_budget = HWT_SUITE("budget", cases);
