// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: every allocation of every driver entry point fails in
 * turn, through the kernel's fail-nth (Documentation/fault-injection/), and
 * the driver must turn each failure into a clean error and leave nothing
 * behind.  Only on the debug kernel (vm/debug-kernel.sh: CONFIG_FAILSLAB,
 * CONFIG_FAULT_INJECTION_DEBUG_FS); test_device runs this suite when
 * HWEVENT_DEBUG_KERNEL=1 and fails it when fail-nth is missing.
 *
 * For one operation (open, each way to register, WAIT) the walk writes
 * N = 1, 2, ... to /proc/thread-self/fail-nth before it, so that the
 * Nth slab allocation of this thread fails, wherever it is: the VFS,
 * io_uring, sysfs or the driver.  After each try:
 *   - the operation either succeeded, and then does what it should (the
 *     event arrives), or failed with ENOMEM (io_uring's submit may also
 *     say EAGAIN when it could not allocate its request);
 *   - nothing stays registered: the counters are back at rest once the
 *     file is closed, and a failed registration counted nothing (or,
 *     failed after it registered, counted as cancelled);
 * and the walk ends at the first N the operation did not reach.
 *
 * Which allocation failed is read from the stack the failslab attribute
 * dumps into the kernel log (verbose=2): the first frame of the module is
 * the driver function, the frame below it the allocator it called.  Each
 * test lists the driver's allocation sites its operation goes through and
 * asserts that every one of them was failed and that the operation then
 * returned ENOMEM.  A synchronous request allocates only when a signal
 * parks it: that walk has a thread signal the caller as soon as it blocks
 * (with SA_RESTART, so the call resumes).  The one site fail-nth cannot
 * reach, the xarray node (two failures in a row), is failed through
 * failslab's space and task-filter attributes instead.  Those stack
 * dumps are expected: common/kernel-log.sh leaves them out of its check.
 * kmemleak (tests/guest-suite.sh) and KASAN watch the error paths
 * meanwhile.
 *
 * Loading the module is not walked: on 6.1, failing the allocations of
 * the module loader and of the slab and trace event set-up it calls trips
 * bugs of the kernel's own (a WARNING in event_define_fields(), kobject
 * names leaked by sysfs_slab_add(), and kmem_cache_create() failing with
 * EINVAL from then on), which hide anything the driver's two error exits
 * in hwevent_init() could show.  See docs/design.md.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hwtest.h"
#include "libhwevent-uring.h"

#define FAILSLAB_DIR	"/sys/kernel/debug/failslab"
/* Far more allocations than any of these operations makes. */
#define MAX_NTH		4000
#define MAX_SITES	32
#define OK_COOKIE	0xfa17edULL

/* A driver allocation site: the driver function and the allocator it
 * called, as the stack dump names them. */
struct fault_site {
	char fn[64];
	char callee[64];
	unsigned int tries;	/* times it was the failed allocation */
	unsigned int enomem;	/* ... and the operation said ENOMEM */
};

struct fault_walk {
	struct fault_site sites[MAX_SITES];
	unsigned int nsites;
	unsigned int steps;	/* failures injected */
	int kmsg;
};

/* What one operation needs: state made by setup, used by the rest. */
struct fault_ctx {
	int fd;
	int efd;
	struct io_uring ring;
	bool ring_ready;
	uint64_t periodic_id;
	struct hwevent_register reg;
	struct hwevent_wait wait;
	bool submitted;
	struct hwt_kicker kick;
	bool kicking;
};

struct fault_op {
	const char *name;
	void (*setup)(struct fault_ctx *c);
	/* The operation itself: 0 or -errno.  Nothing else may enter the
	 * kernel while it runs (the Nth allocation must be its own), not
	 * even a passing ck_assert: Check writes each one to a file. */
	int (*run)(struct fault_ctx *c);
	/* After run(): completes it (an io_uring CQE); 0 or -errno. */
	int (*finish)(struct fault_ctx *c);
	/* After success: asserts that the operation did its job. */
	void (*check_ok)(struct fault_ctx *c);
	void (*teardown)(struct fault_ctx *c);
	bool registers;		/* success counts one registration */
	/* ENOMEM may also come after it registered, counted cancelled. */
	bool late_enomem;
};

/* ---- fail-nth and failslab ---- */

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, s, strlen(s)) == (ssize_t)strlen(s),
		      "write %s to %s: %s", s, path, strerror(errno));
	close(fd);
}

static int fail_nth_fd = -1;
static char saved_printk[8];

/*
 * Fail slab allocations that may sleep too (failslab skips them by
 * default: ignore-gfp-wait), dump the stack of each injected failure, and
 * keep those dumps off the slow serial console.
 */
static void fault_setup(void)
{
	struct stat st;
	int fd;
	ssize_t n;

	if (stat(FAILSLAB_DIR, &st) < 0)
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ck_assert_msg(stat(FAILSLAB_DIR, &st) == 0,
		      "no %s: not the debug kernel (CONFIG_FAILSLAB, "
		      "CONFIG_FAULT_INJECTION_DEBUG_FS)", FAILSLAB_DIR);
	write_file(FAILSLAB_DIR "/ignore-gfp-wait", "N");
	write_file(FAILSLAB_DIR "/verbose", "2");
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ck_assert_msg(fail_nth_fd >= 0, "open /proc/thread-self/fail-nth: %s",
		      strerror(errno));

	fd = open("/proc/sys/kernel/printk", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	n = read(fd, saved_printk, sizeof(saved_printk) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	saved_printk[strcspn(saved_printk, " \t\n")] = '\0';
	write_file("/proc/sys/kernel/printk", "4");
}

static void fault_restore(void)
{
	if (saved_printk[0])
		write_file("/proc/sys/kernel/printk", saved_printk);
}

/*
 * Arm (or, with 0, disarm) a failure of this thread's @n-th allocation.
 * Nothing may run between arming and the operation that allocates: a
 * passing ck_assert() records its place (a strdup(), which may have ASan
 * map memory, whose kernel allocations would take the failure and abort
 * the test as out of memory), so only a failed write asserts.
 */
static void fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		ck_abort_msg("write fail-nth: %s", strerror(errno));
}

/* Whether the armed failure was injected (the count reached 0); disarms. */
static bool fail_nth_hit(void)
{
	char buf[16] = "";
	ssize_t n = pread(fail_nth_fd, buf, sizeof(buf) - 1, 0);

	fail_nth_set(0);
	ck_assert_msg(n > 0, "read fail-nth: %s", strerror(errno));
	return strtoul(buf, NULL, 10) == 0;
}

/* ---- which allocation failed: the stack failslab dumped ---- */

/* "  kmalloc_trace+0x2d/0x90" -> "kmalloc_trace"; false for what is not a
 * reliable frame ("? foo+0x1/0x2", "<TASK>"); *mod: " [hwevent]". */
static bool parse_frame(const char *line, char *fn, size_t len, bool *mod)
{
	const char *p = line + strspn(line, " ");
	size_t n = strcspn(p, "+ ");

	if (p[n] != '+' || !n || n >= len)
		return false;
	memcpy(fn, p, n);
	fn[n] = '\0';
	*mod = strstr(p, " [hwevent]") != NULL;
	return true;
}

/*
 * The names of a site that do not depend on the compiler or the kernel
 * line: "hwevent_register.isra.0" is hwevent_register, and an allocator
 * entry point goes by its family ("kmalloc_trace" on 6.1 and
 * "__kmalloc_cache_noprof" on 6.12 are both kmalloc).
 */
static void site_fn_name(char *fn)
{
	fn[strcspn(fn, ".")] = '\0';
}

static void site_callee_name(char *fn, size_t len)
{
	static const struct {
		const char *prefix, *family;
	} families[] = {
		{ "kmalloc", "kmalloc" },
		{ "__kmalloc", "kmalloc" },
		{ "kvmalloc", "kvmalloc" },
		{ "__kvmalloc", "kvmalloc" },
		{ "kmem_cache_alloc", "kmem_cache_alloc" },
	};
	size_t n;

	site_fn_name(fn);
	n = strlen(fn);
	if (n > strlen("_noprof") && !strcmp(fn + n - strlen("_noprof"), "_noprof"))
		fn[n - strlen("_noprof")] = '\0';
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strncmp(fn, families[i].prefix, strlen(families[i].prefix))) {
			snprintf(fn, len, "%s", families[i].family);
			return;
		}
}

static void kmsg_skip_to_end(struct fault_walk *w)
{
	ck_assert_msg(lseek(w->kmsg, 0, SEEK_END) >= 0, "seek /dev/kmsg: %s",
		      strerror(errno));
}

/* The driver site of the failure dumped since kmsg_skip_to_end(), if the
 * failed allocation was the driver's: its index in w->sites, else -1. */
static int kmsg_driver_site(struct fault_walk *w)
{
	char rec[1024], prev[64] = "", fn[64];
	bool in_dump = false, mod;
	ssize_t n;

	for (;;) {
		n = read(w->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return -1;
		rec[n] = '\0';
		char *text = strchr(rec, ';');

		if (!text)
			continue;
		text++;
		text[strcspn(text, "\n")] = '\0';
		if (strstr(text, "FAULT_INJECTION: forcing a failure")) {
			in_dump = true;
			prev[0] = '\0';
			continue;
		}
		if (!in_dump)
			continue;
		if (strstr(text, "</TASK>"))
			in_dump = false;
		if (!parse_frame(text, fn, sizeof(fn), &mod))
			continue;
		if (!mod) {
			snprintf(prev, sizeof(prev), "%s", fn);
			site_callee_name(prev, sizeof(prev));
			continue;
		}
		site_fn_name(fn);
		/* The first frame of the module: this is the site. */
		for (unsigned int i = 0; i < w->nsites; i++)
			if (!strcmp(w->sites[i].fn, fn) &&
			    !strcmp(w->sites[i].callee, prev))
				return (int)i;
		ck_assert_msg(w->nsites < MAX_SITES, "too many sites");
		struct fault_site *s = &w->sites[w->nsites];

		snprintf(s->fn, sizeof(s->fn), "%s", fn);
		snprintf(s->callee, sizeof(s->callee), "%s", prev);
		return (int)w->nsites++;
	}
}

/* ---- the walk ---- */

/* One try of @op with its @nth allocation failing: whether it got there. */
static bool fault_try(const struct fault_op *op, struct fault_walk *w,
		      unsigned int nth)
{
	struct fault_ctx c;
	struct hwevent_counters c0, c1;
	bool hit, late;
	int ret, site;

	memset(&c, 0, sizeof(c));
	c.fd = c.efd = -1;
	if (op->setup)
		op->setup(&c);
	c0 = hwt_counters();
	kmsg_skip_to_end(w);

	fail_nth_set(nth);
	ret = op->run(&c);
	hit = fail_nth_hit();

	if (!ret && op->finish)
		ret = op->finish(&c);
	site = hit ? kmsg_driver_site(w) : -1;
	ck_assert_msg(ret == 0 || ret == -ENOMEM ||
		      (ret == -EAGAIN && !c.submitted),
		      "%s, allocation %u failed%s%s: got %s, expected "
		      "success or ENOMEM", op->name, nth,
		      site >= 0 ? " in " : "",
		      site >= 0 ? w->sites[site].fn : "",
		      strerror(-ret));
	if (getenv("HWEVENT_FAULT_TRACE"))
		hwt_diag("%s: allocation %u: %s, result %d, site %s",
			 op->name, nth, hit ? "failed" : "not reached",
			 ret, site >= 0 ? w->sites[site].fn : "-");
	if (site >= 0) {
		w->sites[site].tries++;
		if (ret == -ENOMEM)
			w->sites[site].enomem++;
	}
	w->steps += hit;

	c1 = hwt_counters();
	late = op->late_enomem && ret == -ENOMEM &&
	       c1.registered == c0.registered + 1;
	ck_assert_msg(late ? c1.cancelled == c0.cancelled + 1 :
		      c1.registered == c0.registered +
		      (op->registers && !ret),
		      "%s, allocation %u failed: registered went from "
		      "%" PRIu64 " to %" PRIu64 ", cancelled from %"
		      PRIu64 " to %" PRIu64 " (result %d)", op->name,
		      nth, c0.registered, c1.registered, c0.cancelled,
		      c1.cancelled, ret);
	if (!ret && op->check_ok)
		op->check_ok(&c);
	if (op->teardown)
		op->teardown(&c);
	ck_assert_msg(hwt_wait_pending(0, SOON_MS),
		      "%s, allocation %u failed: registrations left "
		      "pending after close", op->name, nth);
	return hit;
}

/*
 * Fail allocation N = 1, 2, ... of @op, each @repeats times in a row,
 * until no try reaches N.
 */
static void fault_walk(const struct fault_op *op, struct fault_walk *w,
		       unsigned int repeats)
{
	unsigned int nth, r;
	bool reached = true;

	w->steps = 0;
	w->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(w->kmsg >= 0, "open /dev/kmsg: %s", strerror(errno));
	fault_setup();

	for (nth = 1; reached && nth <= MAX_NTH; nth++)
		for (reached = false, r = 0; r < repeats; r++)
			reached |= fault_try(op, w, nth);
	fault_restore();
	close(w->kmsg);
	close(fail_nth_fd);
	ck_assert_msg(!reached, "%s still allocates after %u allocations",
		      op->name, MAX_NTH);
	hwt_diag("%s: %u allocations failed in turn (each N tried %u times), "
		 "%u of them the driver's:", op->name, w->steps, repeats,
		 w->nsites);
	for (unsigned int i = 0; i < w->nsites; i++)
		hwt_diag("  %s <- %s: failed %u times, ENOMEM %u",
			 w->sites[i].fn, w->sites[i].callee,
			 w->sites[i].tries, w->sites[i].enomem);
}

/*
 * The site "driver_fn<-allocator" in @w, or NULL.  driver_fn may be
 * "a|b": the allocation's own helper (a) where the compiler kept it a
 * function, or its caller (b) where it inlined it, which differs between
 * kernel lines and compilers.
 */
static const struct fault_site *find_site(const struct fault_walk *w,
					  const char *e)
{
	const char *arrow = strstr(e, "<-");

	ck_assert(arrow);
	for (unsigned int i = 0; i < w->nsites; i++) {
		const struct fault_site *s = &w->sites[i];
		const char *fn = e;

		if (strcmp(s->callee, arrow + 2))
			continue;
		while (fn < arrow) {
			size_t len = strcspn(fn, "|<");

			if (strlen(s->fn) == len && !strncmp(s->fn, fn, len))
				return s;
			fn += len + (fn[len] == '|');
		}
	}
	return NULL;
}

static bool all_sites_seen(const struct fault_walk *w,
			   const char *const *expected)
{
	for (; *expected; expected++)
		if (!find_site(w, *expected))
			return false;
	return true;
}

/*
 * Allocations a walk may or may not fail, so that they are neither
 * expected nor unexpected: the xarray node of a registration, which the
 * xarray allocates again without its lock when the first try fails, so
 * that one failure does not reach the driver (fault_register_xa_node
 * fails both).
 */
static const char *const optional_sites[] = {
	"hwevent_register<-__xa_alloc_cyclic",
	NULL
};

/*
 * Each of @expected ("driver_fn<-allocator", NULL-terminated) was failed
 * and the operation then said ENOMEM; and no other driver site was seen,
 * but for optional_sites[] (a new allocation must be added here, with its
 * test).
 */
static void assert_sites(const struct fault_walk *w,
			 const char *const *expected)
{
	unsigned int nexp = 0, nopt = 0;

	for (; expected[nexp]; nexp++) {
		const struct fault_site *s = find_site(w, expected[nexp]);

		ck_assert_msg(s, "the allocation %s was never failed",
			      expected[nexp]);
		ck_assert_msg(s->enomem > 0, "failing %s never made the "
			      "operation return ENOMEM", expected[nexp]);
	}
	for (const char *const *o = optional_sites; *o; o++) {
		bool listed = false;

		for (unsigned int i = 0; i < nexp; i++)
			listed |= !strcmp(expected[i], *o);
		nopt += !listed && find_site(w, *o);
	}
	ck_assert_msg(w->nsites == nexp + nopt,
		      "%u driver allocation sites failed, %u expected (see "
		      "the list above)", w->nsites, nexp + nopt);
}

/*
 * Walk @op and check that it went through exactly @sites.  Allocations of
 * the kernel's own come and go between tries, ahead of the driver's
 * (untraced: they leave no dump; likely a new slab's memcg vector, or
 * io_uring requests that a closed ring's worker frees later).  The
 * io_uring WAIT submit makes 13 or 14 allocations, mostly in turn, so a
 * walk that tries each N once can step over the driver's every time.  A
 * walk that missed a site is followed by one that tries each N twice,
 * then three times: each N then meets both counts.
 */
static void fault_test(const struct fault_op *op, const char *const *sites)
{
	struct fault_walk w;

	memset(&w, 0, sizeof(w));
	for (unsigned int repeats = 1; repeats <= 3; repeats++) {
		fault_walk(op, &w, repeats);
		if (all_sites_seen(&w, sites))
			break;
	}
	assert_sites(&w, sites);
}

/* ---- the operations ---- */

static void setup_open(struct fault_ctx *c)
{
	c->fd = hwt_open();
}

static void setup_open_efd(struct fault_ctx *c)
{
	c->fd = hwt_open();
	c->efd = hwt_eventfd();
}

static void setup_ring(struct fault_ctx *c)
{
	c->fd = hwt_open();
	hwt_ring_init(&c->ring, 4);
	c->ring_ready = true;
}

static void teardown_all(struct fault_ctx *c)
{
	if (c->kicking)
		hwt_kick_join(&c->kick);
	if (c->ring_ready)
		io_uring_queue_exit(&c->ring);
	if (c->fd >= 0)
		close(c->fd);
	if (c->efd >= 0)
		close(c->efd);
}

static int run_open(struct fault_ctx *c)
{
	c->fd = open(HWEVENT_DEV_PATH, O_RDWR | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static void check_open(struct fault_ctx *c)
{
	struct hwevent_msg m;

	hwt_reg_queue(c->fd, NS_PER_MS, 0, OK_COOKIE);
	ck_assert_uint_eq(hwt_collect_msgs(c->fd, &m, 1, SOON_MS), 1);
	ck_assert_uint_eq(m.cookie, OK_COOKIE);
}

static int run_register_efd(struct fault_ctx *c)
{
	hwt_reg_arg(&c->reg, HWEVENT_TYPE_EVENTFD, NS_PER_MS, 0, OK_COOKIE,
		    c->efd);
	return hwevent_register(c->fd, &c->reg);
}

static void check_efd(struct fault_ctx *c)
{
	ck_assert_uint_eq(hwt_efd_collect(c->efd, 1, SOON_MS), 1);
}

/* Periodic: the file also watches the eventfd's reads. */
static int run_register_efd_periodic(struct fault_ctx *c)
{
	hwt_reg_arg(&c->reg, HWEVENT_TYPE_EVENTFD, NS_PER_MS, NS_PER_MS,
		    OK_COOKIE, c->efd);
	return hwevent_register(c->fd, &c->reg);
}

/* It goes on firing while the eventfd is read. */
static void check_efd_periodic(struct fault_ctx *c)
{
	ck_assert_uint_ge(hwt_efd_collect(c->efd, 3, SOON_MS), 3);
}

static int run_register_queue(struct fault_ctx *c)
{
	hwt_reg_arg(&c->reg, HWEVENT_TYPE_QUEUE, NS_PER_MS, 0, OK_COOKIE, 0);
	return hwevent_register(c->fd, &c->reg);
}

static void check_queue(struct fault_ctx *c)
{
	struct hwevent_msg m;

	ck_assert_uint_eq(hwt_collect_msgs(c->fd, &m, 1, SOON_MS), 1);
	ck_assert_uint_eq(m.cookie, OK_COOKIE);
	ck_assert_uint_eq(m.id, c->reg.id);
}

static int run_register_request(struct fault_ctx *c)
{
	hwt_reg_arg(&c->reg, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, OK_COOKIE, 0);
	return hwevent_register(c->fd, &c->reg);
}

/*
 * An open file, and a thread that sends SIGUSR2, whose handler does
 * nothing and restarts the call, as soon as this one blocks in ioctl().
 */
static void setup_open_kick(struct fault_ctx *c)
{
	hwt_catch_signal(SIGUSR2, SA_RESTART);
	c->fd = hwt_open();
	hwt_kick_when_blocked(&c->kick, SIGUSR2, SYS_ioctl);
	c->kicking = true;
}

/* Due late enough that the signal comes first, and parks the request. */
static int run_register_request_kicked(struct fault_ctx *c)
{
	hwt_reg_arg(&c->reg, HWEVENT_TYPE_REQUEST, 500 * NS_PER_MS, 0,
		    OK_COOKIE, 0);
	return hwevent_register(c->fd, &c->reg);
}

/* The synchronous REQUEST returns with its message. */
static void check_request(struct fault_ctx *c)
{
	ck_assert_uint_eq(c->reg.msg.cookie, OK_COOKIE);
	ck_assert_uint_eq(c->reg.msg.id, c->reg.id);
}

/* Submit one prepared SQE: 0, or the submit's error (nothing queued). */
static int ring_submit_one(struct fault_ctx *c)
{
	int ret = io_uring_submit(&c->ring);

	if (ret == 1) {
		c->submitted = true;
		return 0;
	}
	return ret < 0 ? ret : -EIO;
}

/*
 * The SQE is taken here, not by hwt_sqe(): run() is called with a failure
 * armed, and Check records each passing assertion by writing to a file,
 * so an allocation failed there ends the test ("early exit").
 */
static int run_uring_register(struct fault_ctx *c)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

	if (!sqe)
		return -EBUSY;
	hwt_reg_arg(&c->reg, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, OK_COOKIE, 0);
	hwevent_uring_prep_register(sqe, c->fd, &c->reg);
	return ring_submit_one(c);
}

/* The CQE's res: what the command returned. */
static int finish_uring(struct fault_ctx *c)
{
	int res;

	ck_assert_msg(hwt_ring_wait(&c->ring, SOON_MS, &res, NULL),
		      "no CQE for the submitted command");
	return res;
}

static void setup_periodic_request(struct fault_ctx *c)
{
	struct hwevent_register r;

	setup_ring(c);
	/* The REGISTER returns at the first firing; WAIT gets the next. */
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 2 * NS_PER_MS,
		    OK_COOKIE, 0);
	ck_assert_int_eq(hwevent_register(c->fd, &r), 0);
	c->periodic_id = r.id;
}

static int run_uring_wait(struct fault_ctx *c)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

	if (!sqe)
		return -EBUSY;	/* no assertion while armed: see above */
	memset(&c->wait, 0, sizeof(c->wait));
	c->wait.id = c->periodic_id;
	hwevent_uring_prep_wait(sqe, c->fd, &c->wait);
	return ring_submit_one(c);
}

static void check_wait(struct fault_ctx *c)
{
	ck_assert_uint_eq(c->wait.msg.id, c->periodic_id);
	ck_assert_uint_eq(c->wait.msg.cookie, OK_COOKIE);
}

/* ---- the tests ---- */

/* The driver's allocation sites, by operation. */
/* Allocator families as site_callee_name() names them. */
#define SITE_REG	"hwevent_register<-kmem_cache_alloc"
/*
 * An io_uring request's waiter (REGISTER of a request, WAIT); a
 * synchronous one is on the caller's stack and allocates nothing.
 */
#define SITE_WAITER_REG	"hwevent_waiter_new|hwevent_register<-kmalloc"
#define SITE_WAITER_WAIT "hwevent_waiter_new|hwevent_wait<-kmalloc"
/* The file's watch of a periodic registration's eventfd. */
#define SITE_EFD_WATCH	"hwevent_efd_watch_get|hwevent_register<-kmalloc"
/* The heap copy of a synchronous request that a signal parks. */
#define SITE_PARK	"hwevent_wait_sync|hwevent_register<-kmalloc"

START_TEST(fault_open)
{
	static const struct fault_op op = {
		.name = "open", .run = run_open, .check_ok = check_open,
		.teardown = teardown_all,
	};
	static const char *const sites[] = {
		"hwevent_open<-kmalloc",
		"hwevent_open<-kvmalloc",
		NULL
	};
	fault_test(&op, sites);
	hwt_assert_rest();
}
END_TEST

START_TEST(fault_register_eventfd)
{
	static const struct fault_op op = {
		.name = "REGISTER eventfd", .setup = setup_open_efd,
		.run = run_register_efd, .check_ok = check_efd,
		.teardown = teardown_all, .registers = true,
	};
	static const char *const sites[] = { SITE_REG, NULL };
	fault_test(&op, sites);
	hwt_assert_rest();
}
END_TEST

START_TEST(fault_register_eventfd_periodic)
{
	static const struct fault_op op = {
		.name = "REGISTER periodic eventfd", .setup = setup_open_efd,
		.run = run_register_efd_periodic,
		.check_ok = check_efd_periodic,
		.teardown = teardown_all, .registers = true,
	};
	/* The registration, and the file's watch of the eventfd. */
	static const char *const sites[] = { SITE_REG, SITE_EFD_WATCH, NULL };
	fault_test(&op, sites);
	/* Periodic firings: registered != fired + cancelled from now on. */
	hwt_assert_rest_unload();
}
END_TEST

START_TEST(fault_register_queue)
{
	static const struct fault_op op = {
		.name = "REGISTER queue", .setup = setup_open,
		.run = run_register_queue, .check_ok = check_queue,
		.teardown = teardown_all, .registers = true,
	};
	static const char *const sites[] = { SITE_REG, NULL };
	fault_test(&op, sites);
	hwt_assert_rest();
}
END_TEST

START_TEST(fault_register_request)
{
	static const struct fault_op op = {
		.name = "REGISTER request", .setup = setup_open,
		.run = run_register_request, .check_ok = check_request,
		.teardown = teardown_all, .registers = true,
	};
	static const char *const sites[] = { SITE_REG, NULL };
	fault_test(&op, sites);
	hwt_assert_rest();
}
END_TEST

START_TEST(fault_register_request_parked)
{
	static const struct fault_op op = {
		.name = "REGISTER request, parked by a signal",
		.setup = setup_open_kick, .run = run_register_request_kicked,
		.check_ok = check_request, .teardown = teardown_all,
		.registers = true, .late_enomem = true,
	};
	static const char *const sites[] = { SITE_REG, SITE_PARK, NULL };
	fault_test(&op, sites);
	hwt_assert_rest();
}
END_TEST

START_TEST(fault_uring_register)
{
	static const struct fault_op op = {
		.name = "io_uring REGISTER request", .setup = setup_ring,
		.run = run_uring_register, .finish = finish_uring,
		.check_ok = check_request, .teardown = teardown_all,
		.registers = true,
	};
	static const char *const sites[] = { SITE_WAITER_REG, SITE_REG, NULL };
	fault_test(&op, sites);
	hwt_assert_rest();
}
END_TEST

START_TEST(fault_uring_wait)
{
	static const struct fault_op op = {
		.name = "io_uring WAIT", .setup = setup_periodic_request,
		.run = run_uring_wait, .finish = finish_uring,
		.check_ok = check_wait, .teardown = teardown_all,
	};
	static const char *const sites[] = { SITE_WAITER_WAIT, NULL };
	fault_test(&op, sites);
	/* Periodic firings: registered != fired + cancelled from now on. */
	hwt_assert_rest_unload();
}
END_TEST

static uint64_t slab_object_size(const char *cache)
{
	char path[128], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/object_size", cache);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_gt(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	return strtoull(buf, NULL, 10);
}

/*
 * The xarray node of a file's first registration: the xarray tries
 * GFP_NOWAIT under the lock first and the caller's gfp without it next,
 * so only two failures in a row reach the driver's error path, and
 * fail-nth fails one.  failslab's own attributes do it: for this task
 * only (make-it-fail), every allocation fails once "space" is used up,
 * and the space lets the registration and its kmemleak record through.
 */
START_TEST(fault_register_xa_node)
{
	static const char *const sites[] = {
		"hwevent_register<-__xa_alloc_cyclic", NULL
	};
	uint64_t space = slab_object_size("hwevent_reg") +
			 slab_object_size("kmemleak_object") + 64;
	struct hwevent_counters c0, c1;
	struct fault_walk w = { 0 };
	char buf[32];
	int fd, mif, ret, site;

	/* Less than a node left once those two went through. */
	ck_assert_uint_lt(64, slab_object_size("radix_tree_node"));
	fault_setup();
	fd = hwt_open();
	w.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(w.kmsg, 0);
	snprintf(buf, sizeof(buf), "%" PRIu64, space);
	write_file(FAILSLAB_DIR "/space", buf);
	write_file(FAILSLAB_DIR "/times", "-1");
	write_file(FAILSLAB_DIR "/interval", "1");
	write_file(FAILSLAB_DIR "/task-filter", "Y");
	write_file(FAILSLAB_DIR "/probability", "100");
	mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(mif, 0);
	c0 = hwt_counters();
	kmsg_skip_to_end(&w);

	/* Opened before: an open while armed would fail itself. */
	ck_assert_int_eq(pwrite(mif, "1", 1, 0), 1);
	ret = hwevent_register_queue(fd, LONG_DUE_NS, 0, 1, NULL);
	ck_assert_int_eq(pwrite(mif, "0", 1, 0), 1);
	close(mif);

	write_file(FAILSLAB_DIR "/probability", "0");
	write_file(FAILSLAB_DIR "/task-filter", "N");
	write_file(FAILSLAB_DIR "/space", "0");
	write_file(FAILSLAB_DIR "/times", "1");
	fault_restore();
	site = kmsg_driver_site(&w);
	close(w.kmsg);
	hwt_diag("REGISTER with the xarray node failing: %s, site %s <- %s",
		 strerror(-ret), site >= 0 ? w.sites[site].fn : "-",
		 site >= 0 ? w.sites[site].callee : "-");
	ck_assert_int_eq(ret, -ENOMEM);
	if (site >= 0)
		w.sites[site].enomem++;
	assert_sites(&w, sites);
	c1 = hwt_counters();
	ck_assert_uint_eq(c1.registered, c0.registered);
	ck_assert_uint_eq(c1.pending, c0.pending);

	/* Nothing half-done: the file registers as before. */
	hwt_reg_queue(fd, NS_PER_MS, 0, OK_COOKIE);
	close(fd);
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(fault_open, HWT_LOADED, 300),
	HWT_CASE(fault_register_eventfd, HWT_LOADED, 300),
	HWT_CASE(fault_register_eventfd_periodic, HWT_LOADED, 300),
	HWT_CASE(fault_register_queue, HWT_LOADED, 300),
	HWT_CASE(fault_register_request, HWT_LOADED, 300),
	HWT_CASE(fault_register_request_parked, HWT_LOADED, 300),
	HWT_CASE(fault_register_xa_node, HWT_LOADED, 120),
	HWT_CASE(fault_uring_register, HWT_LOADED, 300),
	HWT_CASE(fault_uring_wait, HWT_LOADED, 300),
};

const struct hwt_suite hwt_suite_fault = HWT_SUITE("fault", cases);
