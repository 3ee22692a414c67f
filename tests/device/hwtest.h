/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the device test suite (build/san/test_device).
 *
 * The suite talks to the real driver: it needs root and a kernel that can
 * load build/san/hwevent.ko, i.e. the test VM (tests/guest-suite.sh) or a
 * real Linux machine.  Every test runs in its own forked child (Check's
 * CK_FORK), one at a time, so a test sees the device as the previous one
 * left it; each test that touches the device checks at its end that
 * nothing is left pending.
 *
 * Which helpers may fail the test: the fixtures, hwt_assert_*() and those
 * whose comment says "(asserts)" call ck_assert and so must only run in the Check test
 * process itself, in its main thread: never in a process a test forked
 * (those report through their exit status) nor in another thread (threads
 * record errors for the main thread to assert).  Every other hwt_* helper
 * returns what went wrong (0 or -errno, a count, false) and may run
 * anywhere.
 */
#ifndef HWTEST_H
#define HWTEST_H

#include <check.h>
#include <pthread.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <liburing.h>

#include "libhwevent.h"
#include "clock.h"
#include "module.h"

/* A due time no test waits for: a registration with it must be cancelled. */
#define LONG_DUE_NS	(60ULL * NS_PER_SEC)
/* Upper bound for anything that should happen "soon" in the emulated VM. */
#define SOON_MS		10000

#define DEFAULT_MAX_PENDING	1024
#define DEFAULT_QUEUE_LEN	64
#define DEFAULT_URING_TIMEOUT_MS	60000
/* Size of one record read(2) returns. */
#define MSG_SIZE		sizeof(struct hwevent_msg)

/* What a test needs of the module before it starts. */
enum hwt_need {
	HWT_LOADED,	/* loaded, device present, max_pending at default */
	HWT_UNLOADED,	/* not loaded */
};

struct hwt_case {
	const char *name;
	const TTest *const *test;	/* &name, as START_TEST defines it */
	enum hwt_need need;
	int timeout_s;
};

struct hwt_suite {
	const char *name;
	const struct hwt_case *cases;
	size_t ncases;
};

#define HWT_CASE(fn, need, timeout) { #fn, &fn, need, timeout }
#define HWT_SUITE(sname, arr) \
	{ sname, arr, sizeof(arr) / sizeof((arr)[0]) }

extern const struct hwt_suite hwt_suite_lifecycle;
extern const struct hwt_suite hwt_suite_register;
extern const struct hwt_suite hwt_suite_invalid;
extern const struct hwt_suite hwt_suite_cancel;
extern const struct hwt_suite hwt_suite_limit;
extern const struct hwt_suite hwt_suite_memcg;
extern const struct hwt_suite hwt_suite_race;
extern const struct hwt_suite hwt_suite_cancel_id;
extern const struct hwt_suite hwt_suite_queue;
extern const struct hwt_suite hwt_suite_periodic;
extern const struct hwt_suite hwt_suite_uring;
extern const struct hwt_suite hwt_suite_stress;
extern const struct hwt_suite hwt_suite_restart;
extern const struct hwt_suite hwt_suite_uring_life;
extern const struct hwt_suite hwt_suite_budget;
extern const struct hwt_suite hwt_suite_app;
extern const struct hwt_suite hwt_suite_examples;
/* The edu node and its removal (edutest.h): only on the first pass. */
extern const struct hwt_suite hwt_suite_edu;
extern const struct hwt_suite hwt_suite_hotplug;
/* Only on the debug kernel (HWEVENT_DEBUG_KERNEL=1): fail-nth. */
extern const struct hwt_suite hwt_suite_fault;

/* Paths of the module and the app: env HWEVENT_KO / HWEVENT_APP, else
 * build/san/hwevent.ko and build/san/event relative to the cwd. */
const char *hwt_ko_path(void);
const char *hwt_app_path(void);

/*
 * Check fixtures: bring the module into the state a test needs.  "Loaded"
 * also resets max_pending and queue_len to their defaults, and reloads the
 * module when its counters include periodic firings (registered !=
 * fired + cancelled at rest), which a test that failed half-way through a
 * periodic registration leaves behind; a passing periodic test unloads
 * the module itself (hwt_assert_rest_unload()).
 */
void hwt_setup_loaded(void);
void hwt_setup_unloaded(void);
/* Unload the module, retrying while it is busy (a previous test's process
 * may still be exiting); returns the last error (0 on success). */
int hwt_unload_retry(int timeout_ms);

/* Mark the running test skipped (it must then return); main prints
 * "ok N - name # SKIP reason". */
void hwt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shared memory for the skip reason; set up by main before any fork. */
void hwt_skip_init(void);
void hwt_skip_clear(void);
const char *hwt_skip_reason(void);

/* A TAP comment line ("# ..."), flushed at once. */
void hwt_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Random numbers for the race tests: seeded from env HWEVENT_SEED or the
 * clock (the seed is printed as a diagnostic). */
unsigned int hwt_seed(void);
uint32_t hwt_rand(uint64_t *state);

/* Open /dev/hwevent (asserts). */
int hwt_open(void);
/* A non-blocking eventfd (asserts). */
int hwt_eventfd(void);
/* Any ioctl, bypassing the library (for malformed calls): 0 or -errno. */
int hwt_ioctl(int fd, unsigned long cmd, void *arg);
/* A valid EVENTFD registration argument. */
void hwt_reg_eventfd_arg(struct hwevent_register *r, int efd, uint64_t due_ns,
			 uint64_t cookie);
/* Register an EVENTFD notification; returns the id (asserts). */
uint64_t hwt_reg_eventfd(int fd, int efd, uint64_t due_ns);

/* Whether @efd is readable right now. */
bool hwt_efd_ready(int efd);
/* Wait up to @timeout_ms for @efd to be readable and read it; 0 if it was
 * not signalled in time. */
uint64_t hwt_efd_wait(int efd, int timeout_ms);
/* Read whatever @efd holds now (0 if nothing). */
uint64_t hwt_efd_take(int efd);
/* Read @efd until its values add up to @want or @timeout_ms pass; returns
 * the sum. */
uint64_t hwt_efd_collect(int efd, uint64_t want, int timeout_ms);

/* The counters (asserts). */
struct hwevent_counters hwt_counters(void);
/* Assert each counter changed by exactly the given amount since @c0 and
 * that registered == fired + cancelled + pending holds now. */
#define hwt_assert_delta(c0, dreg, dfired, dcanc, dpend) \
	hwt_assert_delta_at(__FILE__, __LINE__, (c0), (dreg), (dfired), \
			    (dcanc), (dpend))
void hwt_assert_delta_at(const char *file, int line,
			 const struct hwevent_counters *c0, int64_t dreg,
			 int64_t dfired, int64_t dcanc, int64_t dpend);
/* Assert the device is at rest: pending == 0 and the invariant holds. */
#define hwt_assert_rest() hwt_assert_rest_at(__FILE__, __LINE__)
void hwt_assert_rest_at(const char *file, int line);
/* Poll the counters until pending == @want or @timeout_ms pass; returns
 * whether it got there. */
bool hwt_wait_pending(uint64_t want, int timeout_ms);

/*
 * Periodic registrations fire more than once, so "fired" no longer adds
 * up with the others: tests that make them check registered, cancelled
 * and pending exactly (fired and lost as they can), and end with
 * hwt_assert_rest_unload(): pending 0, then the module is unloaded (which
 * also shows that nothing holds it), so that the next test starts from
 * fresh counters on which the single-shot invariant holds again.
 */
#define hwt_assert_delta_rcp(c0, dreg, dcanc, dpend) \
	hwt_assert_delta_rcp_at(__FILE__, __LINE__, (c0), (dreg), (dcanc), \
				(dpend))
void hwt_assert_delta_rcp_at(const char *file, int line,
			     const struct hwevent_counters *c0, int64_t dreg,
			     int64_t dcanc, int64_t dpend);
#define hwt_assert_rest_unload() hwt_assert_rest_unload_at(__FILE__, __LINE__)
void hwt_assert_rest_unload_at(const char *file, int line);

/* ---- registration arguments (no asserts) ----
 * The device's calls themselves are the library's (hwevent_register(),
 * hwevent_register_queue(), hwevent_cancel(), hwevent_wait(), ...);
 * hwt_ioctl() and hwt_read_raw() are for the calls malformed on purpose. */

/* Fill @r: @type, due, period, cookie, eventfd; everything else 0. */
void hwt_reg_arg(struct hwevent_register *r, uint32_t type, uint64_t due_ns,
		 uint64_t period_ns, uint64_t cookie, int efd);
/* Register a (periodic if @period_ns) EVENTFD notification. */
int hwt_register_efd(int fd, int efd, uint64_t due_ns, uint64_t period_ns,
		     uint64_t cookie, uint64_t *id);
/* read(2) of @count bytes: the byte count or -errno. */
ssize_t hwt_read_raw(int fd, void *buf, size_t count);

/* Register a QUEUE or periodic EVENTFD notification; return the id
 * (asserts). */
uint64_t hwt_reg_queue(int fd, uint64_t due_ns, uint64_t period_ns,
		       uint64_t cookie);
uint64_t hwt_reg_periodic_efd(int fd, int efd, uint64_t due_ns,
			      uint64_t period_ns);
/* Wait up to @timeout_ms for @fd to be readable (POLLIN). */
bool hwt_readable(int fd, int timeout_ms);
/* Wait up to @timeout_ms for a record and read up to @n records into @m:
 * returns how many (0 on timeout) (asserts: the read gives whole
 * records). */
unsigned int hwt_read_msgs(int fd, struct hwevent_msg *m, unsigned int n,
			   int timeout_ms);
/* Read records until @want arrived or @timeout_ms passed; returns how
 * many (asserts, as hwt_read_msgs()). */
unsigned int hwt_collect_msgs(int fd, struct hwevent_msg *m,
			      unsigned int want, int timeout_ms);
/* Write the queue_len parameter (asserts). */
void hwt_set_queue_len(uint64_t v);
/* Write the max_pending parameter (asserts). */
void hwt_set_max_pending(uint64_t v);
/* Assert flags and reserved are 0. */
#define hwt_assert_msg_clean(m) hwt_assert_msg_clean_at(__FILE__, __LINE__, (m))
void hwt_assert_msg_clean_at(const char *file, int line,
			     const struct hwevent_msg *m);

/*
 * Job control must be invisible to a blocked call: fork a child that runs
 * @fn(@arg) and exits with what it returns (0 for success); when
 * @want_pending registrations are pending and the child sleeps in system
 * call @sysno, stop it with SIGSTOP for @stop_ms, then SIGCONT.  Returns
 * the child's exit status (asserts it exited normally).  Should the
 * child's event come before the stop, which is right but tests nothing,
 * it tries again, up to 5 times: *@tries says how many children ran.
 */
int hwt_stop_cont_child(int (*fn)(void *), void *arg, uint64_t want_pending,
			long sysno, unsigned int stop_ms, unsigned int *tries);

/*
 * @n iterations of a race test, scaled by HWEVENT_ITER_PERCENT (default
 * 100, at least 1): the debug kernels, ten times slower per call under
 * KASAN, lockdep and kmemleak, run a quarter (tests/guest-suite.sh).
 */
unsigned int hwt_iters(unsigned int n);

/* ---- io_uring ---- */

/* Set up a ring of @entries (asserts). */
void hwt_ring_init(struct io_uring *ring, unsigned int entries);
/* A free SQE (asserts). */
struct io_uring_sqe *hwt_sqe(struct io_uring *ring);
/* Submit everything queued (asserts: @n were submitted). */
void hwt_ring_submit(struct io_uring *ring, int n);
/* Wait up to @timeout_ms for one CQE: stores res and user_data and
 * consumes it; false on timeout (asserts: no other error). */
bool hwt_ring_wait(struct io_uring *ring, int timeout_ms, int *res,
		   uint64_t *user_data);

void hwt_sleep_ms(unsigned int ms);
/* Busy-wait @ns nanoseconds (for sub-scheduler-tick delays). */
void hwt_spin_ns(uint64_t ns);

/*
 * Wait up to @timeout_ms until thread @tid (of this process, or a child)
 * sleeps (interruptibly) in the system call @sysno, e.g. SYS_ioctl: the moment a
 * test may signal or cancel what it waits for, known rather than guessed
 * with a sleep.  Asserts that it happens.
 */
void hwt_wait_blocked(pid_t tid, long sysno, int timeout_ms);

/*
 * A thread that sends @sig to the thread that started it, once that thread
 * sleeps in system call @sysno: a signal that comes during the wait by
 * construction, however slow the machine.  hwt_kick_join(), once the call
 * returned, stops it if it has not kicked yet (the call ended first, as a
 * short wait may on a slow kernel) and says whether it kicked.
 */
struct hwt_kicker {
	pthread_t target, thread;
	pid_t tid;
	long sysno;
	int sig;
	atomic_bool done, kicked;
};
void hwt_kick_when_blocked(struct hwt_kicker *k, int sig, long sysno);
bool hwt_kick_join(struct hwt_kicker *k);
/* @sig with a handler that does nothing; @flags 0 or e.g. SA_RESTART. */
void hwt_catch_signal(int sig, int flags);

/*
 * Run @argv[0] with @argv, its stdout captured into @out and its stderr
 * into @err (each NUL-terminated, truncated to HWT_OUT_MAX - 1), stdin
 * /dev/null.  If @uid is not (uid_t)-1 the child drops to that uid/gid
 * (and no supplementary groups) before exec.  Returns the exit status,
 * 128 + signal if killed, or -1 on timeout or failure to start.
 * @elapsed_ns, if not NULL, gets the run time.
 */
#define HWT_OUT_MAX (128 * 1024)
struct hwt_output {
	char out[HWT_OUT_MAX];
	char err[HWT_OUT_MAX];
};
int hwt_run(char *const argv[], uid_t uid, struct hwt_output *o,
	    int timeout_s, uint64_t *elapsed_ns);

/* Make a fresh 0755 directory under /tmp (asserts); returns its canonical
 * path in a static buffer. */
const char *hwt_mktempdir(void);
/* Copy file @src to @dst with mode @mode (asserts). */
void hwt_copy_file(const char *src, const char *dst, mode_t mode);
/* rm -rf of a directory made by hwt_mktempdir() (best effort). */
void hwt_rmtree(const char *dir);

/* Case-insensitive substring search. */
bool hwt_contains(const char *hay, const char *needle);
/* Count lines of @s containing @needle (case-insensitive). */
int hwt_count_lines(const char *s, const char *needle);

/*
 * ---- The node under test ----
 * The suite runs against /dev/hwevent, or against the node that env
 * HWEVENT_TEST_NODE names (e.g. hwevent-edu0: the suite's rerun on an edu
 * device, tests/guest-suite.sh).  The library's calls and names that mean
 * /dev/hwevent are redirected here to that node, in the test files only.
 */
const char *hwt_node(void);
const char *hwt_dev_path(void);
const char *hwt_counters_dir(void);
int hwt_node_open(int flags);
int hwt_node_read_counters(struct hwevent_counters *c);
int hwt_node_wait_for_device(int timeout_ms);
#undef HWEVENT_DEV_PATH
#define HWEVENT_DEV_PATH		hwt_dev_path()
#undef HWEVENT_COUNTERS_DIR
#define HWEVENT_COUNTERS_DIR		hwt_counters_dir()
#define hwevent_open			hwt_node_open
#define hwevent_read_counters		hwt_node_read_counters
#define hwevent_wait_for_device		hwt_node_wait_for_device

#endif /* HWTEST_H */
