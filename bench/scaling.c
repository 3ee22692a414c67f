// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench phase 3, scaling and memory.  The cost of HWEVENT_IOC_REGISTER
 * + HWEVENT_IOC_CANCEL with 1 ... 100,000 other registrations pending on
 * the file, next to arming and disarming a timerfd at the same depth: at
 * each level as many timer_create(SIGEV_NONE) timers are armed as there
 * are registrations, so that the floor's own timer queue grows too, and
 * the target is the driver's growth over the floor's.  Every interval has
 * the cost of one clock read taken off.  Then the memory a pending
 * registration takes (memory cgroup, slab, /proc/meminfo), and closing
 * the file with 100,000 pending, each next to 100,000 armed timerfds.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "hwbench.h"
#include "module.h"
#include "textfile.h"

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
	uint64_t tfd_close_ns;	/* closing tfd_count armed timerfds */
	unsigned int floor_timers;	/* SIGEV_NONE timers armed at the top */
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

/* Arm posix timers (SIGEV_NONE) up to @n, far in the future: the floor's
 * own timer queue at the registrations' depth.  How many it holds. */
static unsigned int floor_fill(timer_t *t, unsigned int have, unsigned int n,
			       uint64_t *rng)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	for (; have < n; have++) {
		struct itimerspec its = {
			.it_value = ns_to_timespec(far_due(rng)),
		};

		if (timer_create(CLOCK_MONOTONIC, &sev, &t[have]))
			break;
		if (timer_settime(t[have], 0, &its, NULL)) {
			timer_delete(t[have]);
			break;
		}
	}
	return have;
}

/* t1 - t0 without the clock read it includes. */
static int64_t interval(uint64_t t0, uint64_t t1)
{
	return (int64_t)(t1 - t0) - (int64_t)env.clock_read_ns;
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

/*
 * The floor of memory and of close(): SCALE_MAX armed timerfds, each a
 * file and a context, then all closed, timed.
 */
static void scaling_timerfd_floor(void)
{
	const unsigned int n = SCALE_MAX;
	struct rlimit rl = { n + 1024, n + 1024 };
	struct itimerspec its = { .it_value = { 3600, 0 } };
	int *fds = xcalloc(n, sizeof(int));
	unsigned int made = 0;
	int64_t m0 = 0;
	uint64_t t0;
	int hi;

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		warnx("scaling: RLIMIT_NOFILE %u: %s", n + 1024,
		      strerror(errno));
		free(fds);
		return;
	}
	/* Grow the descriptor table before the baseline. */
	hi = dup2(0, (int)n + 1000);
	if (hi >= 0)
		close(hi);
	sleep_ns(100 * NS_PER_MS);
	if (sc.memcg)
		m0 = memcg_current();
	for (; made < n; made++) {
		fds[made] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (fds[made] < 0)
			break;
		if (timerfd_settime(fds[made], 0, &its, NULL)) {
			close(fds[made]);
			break;
		}
	}
	sleep_ns(100 * NS_PER_MS);
	if (sc.memcg)
		sc.tfd_memcg_delta = memcg_current() - m0;
	sc.tfd_count = made;
	t0 = now_ns();
	for (unsigned int i = 0; i < made; i++)
		close(fds[i]);
	sc.tfd_close_ns = now_ns() - t0;
	free(fds);
}

static void scaling_run(void)
{
	const unsigned int cycles = opt.scale_cycles;
	int64_t *a[6];
	uint64_t rng = opt.seed ^ 0x5ca1ab1e, old_max = 0;
	unsigned int filled = 0;
	int hfd, efd, tfd, ret = 0;
	int64_t mc0 = 0, ms0 = 0, slab0, avail0, ro0, xo0;
	struct itimerspec off = { 0 };
	timer_t *floor_t = xcalloc(SCALE_MAX, sizeof(timer_t));
	/* Each posix timer holds a sigqueue, counted as a pending signal. */
	struct rlimit sigs = { SCALE_MAX + 1024, SCALE_MAX + 1024 };
	unsigned int floor_n = 0;

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
	if (setrlimit(RLIMIT_SIGPENDING, &sigs))
		warnx("scaling: RLIMIT_SIGPENDING %u: %s", SCALE_MAX + 1024,
		      strerror(errno));

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
		/* After the memory figures: they are charged to us too. */
		floor_n = floor_fill(floor_t, floor_n, target, &rng);

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
				a[what][i] = interval(t0, t1);
				a[3 + what][i] = interval(t1, t2);
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
	sc.floor_timers = floor_n;
	while (floor_n)
		timer_delete(floor_t[--floor_n]);
	free(floor_t);
	scaling_timerfd_floor();
	if (sc.memcg)
		memcg_leave();
	module_param_write("max_pending", old_max);
	for (int i = 0; i < 6; i++)
		free(a[i]);
}

static void scaling_json(FILE *f)
{
	if (!sc.nr_levels && !sc.err[0]) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"cycles_per_level\": %u, \"levels_pending\": [",
		opt.scale_cycles);
	for (int l = 0; l < NR_LEVELS; l++)
		fprintf(f, "%s%u", l ? ", " : "", scale_levels[l]);
	fprintf(f, "], \"error\": ");
	if (sc.err[0])
		json_str(f, sc.err);
	else
		fprintf(f, "null");
	fprintf(f, ", \"floor\": \"timerfd_settime arm / disarm\", \"levels\": [\n");
	for (int l = 0; l < sc.nr_levels; l++) {
		const struct scale_level *lv = &sc.lv[l];

		fprintf(f, "  {\"pending\": %u, \"fill_ns_per_reg\": %.3f,\n   ",
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
	fprintf(f, " \"floor_timers_at_top\": %u, \"timerfds_closed\": %u, "
		"\"timerfds_close_ns\": %" PRIu64 ", \"clock_read_ns_subtracted\": "
		"%.1f,\n", sc.floor_timers, sc.tfd_count, sc.tfd_close_ns,
		env.clock_read_ns);
	fprintf(f, " \"memory\": {\"registrations\": %u, \"memcg\": %s, "
		"\"memcg_current_delta\": %" PRId64 ", \"memcg_slab_delta\": %" PRId64
		", \"meminfo_slab_delta\": %" PRId64 ", \"meminfo_memavailable_drop\": %" PRId64
		", \"reg_cache\": \"%s\", \"reg_object_size\": %" PRId64 ", \"reg_slab_size\": %" PRId64
		", \"reg_objects_delta\": %" PRId64 ", \"xarray_node_slab_size\": %" PRId64
		", \"xarray_nodes_delta\": %" PRId64 ", \"bytes_per_reg_memcg\": %.1f"
		", \"timerfd_count\": %u, \"timerfd_memcg_delta\": %" PRId64
		", \"bytes_per_timerfd_memcg\": %.1f}}",
		sc.mem_regs, sc.memcg ? "true" : "false", sc.memcg_delta,
		sc.memcg_slab_delta, sc.meminfo_slab_delta,
		sc.meminfo_avail_delta, sc.reg_cache, sc.reg_object_size,
		sc.reg_slab_size, sc.reg_objects_delta, sc.xa_slab_size,
		sc.xa_objects_delta,
		sc.mem_regs ? (double)sc.memcg_delta / sc.mem_regs : 0,
		sc.tfd_count, sc.tfd_memcg_delta,
		sc.tfd_count ? (double)sc.tfd_memcg_delta / sc.tfd_count : 0);
}

/* scaling.dat for plot.gp. */
static void scaling_dat(void)
{
	FILE *f;

	if (!sc.nr_levels)
		return;
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

static void scaling_targets(void)
{
	const struct scale_level *a = &sc.lv[0], *b = &sc.lv[NR_LEVELS - 1];
	char name[96];

	if (sc.nr_levels != NR_LEVELS)
		return;
	/* The driver's growth from 1 to SCALE_MAX over the floor's own. */
	snprintf(name, sizeof(name),
		 "register EVENTFD growth 1 -> %u pending / timerfd arm's",
		 b->pending);
	add_target(name, ratio(ratio(b->reg_efd.p50, a->reg_efd.p50),
			       ratio(b->tfd_arm.p50, a->tfd_arm.p50)), 1.25);
	snprintf(name, sizeof(name),
		 "register QUEUE growth 1 -> %u pending / timerfd arm's",
		 b->pending);
	add_target(name, ratio(ratio(b->reg_queue.p50, a->reg_queue.p50),
			       ratio(b->tfd_arm.p50, a->tfd_arm.p50)), 1.25);
}

const struct phase phase_scaling = {
	.name = "scaling",
	.run = scaling_run,
	.json = scaling_json,
	.dat = scaling_dat,
	.targets = scaling_targets,
};
