// SPDX-License-Identifier: GPL-2.0
/*
 * The edu source: /dev/hwevent-edu0 is bound to QEMU's edu PCI device, and
 * each event there is one of the device's interrupts (docs/edu.md).
 *
 * - the node says which device it is (HWEVENT_IOC_INFO), and checks the
 *   argument as every ioctl does;
 * - every notification model fires there, each event with an interrupt of
 *   the device behind it, counted by the driver and by /proc/interrupts;
 * - the same with the delivery in the threaded handler (edu_irq_thread=1);
 * - the latency from the due time to the application's wake-up, on the
 *   timer node and on edu from the hard and from the threaded handler, in
 *   the same run (printed; bounded generously).
 *
 * The rest of the device suite reruns on the node too (tests/guest-suite.sh,
 * HWEVENT_TEST_NODE); the removal of the device is test_hotplug.c's.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edutest.h"
#include "libhwevent-uring.h"

#define EDU_DUE_NS	(2 * NS_PER_MS)

/* Booted with pci=nomsi: the driver falls back to INTx. */
static bool msi_off(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(cmdline, sizeof(cmdline), f));
	fclose(f);
	return strstr(cmdline, "pci=nomsi") != NULL;
}

/* The node describes its device; the timer node its own kind. */
START_TEST(edu_info_says_which_device)
{
	struct hwevent_info info;
	char path[256];
	struct stat st;
	int fd, tfd, ret;

	fd = edu_open();
	if (fd < 0)
		return;
	ret = edu_info(fd, &info);
	ck_assert_msg(ret == 0, "HWEVENT_IOC_INFO: %s", strerror(-ret));
	ck_assert_uint_eq(info.source, HWEVENT_SOURCE_EDU);
	ck_assert_uint_eq(info.vendor, 0x1234);
	ck_assert_uint_eq(info.device, 0x11e8);
	ck_assert_msg((info.hw_version & 0xff) == 0xed,
		      "identification %#x", info.hw_version);
	/* QEMU's edu has MSI, which the driver prefers to INTx. */
	ck_assert_uint_eq(info.irq_mode, msi_off() ? HWEVENT_IRQ_INTX :
			  HWEVENT_IRQ_MSI);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.pad, 0);
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_eq(info.reserved[i], 0);
	ck_assert_msg(info.bus_id[0] && memchr(info.bus_id, 0, sizeof(info.bus_id)),
		      "bus_id empty or not terminated");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
		 info.bus_id);
	ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(access("/sys/class/misc/" EDU_NODE "/counters/fired", R_OK) == 0,
		      "the edu node has no counters");

	/* Input checked as everywhere: flags and reserved must be 0. */
	memset(&info, 0, sizeof(info));
	info.flags = 1;
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_INFO, &info), -EINVAL);
	memset(&info, 0, sizeof(info));
	info.reserved[3] = 1;
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_INFO, &info), -EINVAL);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_INFO, NULL), -EFAULT);

	tfd = open("/dev/" HWEVENT_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(edu_info(tfd, &info), 0);
	ck_assert_uint_eq(info.source, HWEVENT_SOURCE_TIMER);
	ck_assert_uint_eq(info.irq_mode, HWEVENT_IRQ_NONE);
	ck_assert_uint_eq(info.vendor, 0);
	ck_assert_uint_eq(info.bus_id[0], 0);
	close(tfd);
	close(fd);
}
END_TEST

/* Check one delivered event of the edu node. */
static void check_msg(const struct hwevent_msg *m, uint32_t type,
		      uint64_t cookie, uint64_t t0)
{
	ck_assert_uint_eq(m->type, type);
	ck_assert_uint_eq(m->cookie, cookie);
	ck_assert_uint_ne(m->seq, 0);
	ck_assert_msg(m->fired_ns >= t0 + EDU_DUE_NS,
		      "fired %" PRIu64 " ns after the registration, due %" PRIu64,
		      (uint64_t)(m->fired_ns - t0), (uint64_t)EDU_DUE_NS);
}

/*
 * Each model, once, on the edu node: six events (two periodic ones fire
 * twice each: eight firings), each from an interrupt of the device.
 */
static void every_model_fires(int fd, bool thread)
{
	struct hwevent_info i0, i1;
	struct hwevent_register r, ur;
	struct hwevent_wait w;
	struct hwevent_msg m[4];
	struct io_uring ring;
	uint64_t t0, id, p0, n = 0;
	int efd, res, ret;

	ck_assert_int_eq(edu_info(fd, &i0), 0);
	ck_assert_msg(!!(i0.flags & HWEVENT_INFO_IRQ_THREAD) == thread,
		      "info flags %#x, expected the %s handler", i0.flags,
		      thread ? "threaded" : "hard");
	p0 = edu_proc_interrupts();

	/* REQUEST, synchronous. */
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, EDU_DUE_NS, 0, 11, 0);
	t0 = now_ns();
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "REQUEST: %s", strerror(-ret));
	check_msg(&r.msg, HWEVENT_TYPE_REQUEST, 11, t0);
	n++;

	/* REQUEST, through io_uring. */
	hwt_ring_init(&ring, 4);
	hwt_reg_arg(&ur, HWEVENT_TYPE_REQUEST, EDU_DUE_NS, 0, 12, 0);
	hwevent_uring_prep_register(hwt_sqe(&ring), fd, &ur);
	t0 = now_ns();
	hwt_ring_submit(&ring, 1);
	ck_assert_msg(hwt_ring_wait(&ring, SOON_MS, &res, NULL), "no CQE");
	ck_assert_msg(res == 0, "io_uring REQUEST: %s", strerror(-res));
	check_msg(&ur.msg, HWEVENT_TYPE_REQUEST, 12, t0);
	io_uring_queue_exit(&ring);
	n++;

	/* EVENTFD. */
	efd = hwt_eventfd();
	ret = hwt_register_efd(fd, efd, EDU_DUE_NS, 0, 13, NULL);
	ck_assert_msg(ret == 0, "EVENTFD: %s", strerror(-ret));
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	n++;

	/* QUEUE, single and periodic (two firings, then cancelled). */
	t0 = now_ns();
	ck_assert_int_eq(hwevent_register_queue(fd, EDU_DUE_NS, 0, 14, NULL), 0);
	ck_assert_uint_eq(hwt_collect_msgs(fd, m, 1, SOON_MS), 1);
	check_msg(&m[0], HWEVENT_TYPE_QUEUE, 14, t0);
	n++;
	t0 = now_ns();
	ck_assert_int_eq(hwevent_register_queue(fd, EDU_DUE_NS, EDU_DUE_NS, 15, &id), 0);
	ck_assert_uint_eq(hwt_collect_msgs(fd, m, 2, SOON_MS), 2);
	ck_assert_int_eq(hwevent_cancel(fd, id), 0);
	check_msg(&m[0], HWEVENT_TYPE_QUEUE, 15, t0);
	ck_assert_uint_gt(m[1].seq, m[0].seq);
	n += 2;

	/* Periodic REQUEST: two WAITs, then cancelled. */
	hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, EDU_DUE_NS, EDU_DUE_NS, 16, 0);
	t0 = now_ns();
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "periodic REQUEST: %s", strerror(-ret));
	check_msg(&r.msg, HWEVENT_TYPE_REQUEST, 16, t0);
	ret = hwevent_wait(fd, r.id, &w.msg);
	ck_assert_msg(ret == 0, "WAIT: %s", strerror(-ret));
	ck_assert_uint_eq(w.msg.cookie, 16);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	n += 2;

	ck_assert_int_eq(edu_info(fd, &i1), 0);
	/* Events due together may share one interrupt: these were apart. */
	ck_assert_msg(i1.irqs - i0.irqs >= n, "%" PRIu64 " events, but the "
		      "driver counted %" PRIu64 " interrupts", n,
		      (uint64_t)(i1.irqs - i0.irqs));
	ck_assert_msg(edu_proc_interrupts() - p0 >= n,
		      "%" PRIu64 " events, /proc/interrupts counted %" PRIu64,
		      n, edu_proc_interrupts() - p0);
	hwt_diag("%" PRIu64 " events, %" PRIu64 " interrupts (%s handler)", n,
		 (uint64_t)(i1.irqs - i0.irqs), thread ? "threaded" : "hard");
	close(efd);
}

START_TEST(edu_every_model_fires_from_the_interrupt)
{
	int fd = edu_open();

	if (fd < 0)
		return;
	every_model_fires(fd, false);
	close(fd);
	ck_assert(hwt_wait_pending(0, SOON_MS));
}
END_TEST

/*
 * The CPU the edu interrupt goes to.  Under TCG an interrupt sent to a
 * halted vCPU waits for that vCPU's next tick (about 2 ms), which would
 * hide what the handlers cost: the test runs there, as a latency-minded
 * application sets its CPU next to its device's interrupt.
 */
static int edu_irq_and_cpu(int *cpup)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char line[1024], path[64];
	int irq = -1, cpu = -1;

	ck_assert_ptr_nonnull(f);
	while (irq < 0 && fgets(line, sizeof(line), f))
		if (strstr(line, " " EDU_NODE "\n"))
			irq = atoi(line);
	fclose(f);
	ck_assert_msg(irq > 0, "no interrupt of %s", EDU_NODE);
	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", irq);
	f = fopen(path, "re");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%d", &cpu), 1);
	fclose(f);
	if (cpup)
		*cpup = cpu;
	return irq;
}

static int edu_irq_cpu(void)
{
	int cpu;

	edu_irq_and_cpu(&cpu);
	return cpu;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Voluntary switches of the edu interrupt's thread (irq/N-hwevent-...). */
static long irq_thread_switches(int irq)
{
	char comm[64], want[32], path[300], line[256];
	long v = -1;
	DIR *d = opendir("/proc");
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	snprintf(want, sizeof(want), "irq/%d-hwevent-", irq);
	while (v < 0 && (e = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, want, strlen(want))) {
			fclose(f);
			snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
			f = fopen(path, "re");
			ck_assert_ptr_nonnull(f);
			while (fgets(line, sizeof(line), f))
				sscanf(line, "voluntary_ctxt_switches: %ld", &v);
		}
		fclose(f);
	}
	closedir(d);
	ck_assert_msg(v >= 0, "no thread %s...", want);
	return v;
}

/*
 * Many registrations due at the same time: all fire.  The timers expire on
 * the other CPU than the interrupt's, so that many are raised before the
 * interrupt is handled; the hard handler fires EDU_HARD_BUDGET (32) and
 * wakes the threaded one for the rest.  Whether interrupts pile up is the
 * scheduler's to say (the host's, under TCG): a round where each was
 * handled before the next came proves nothing, so up to five rounds, and
 * the threaded handler must have run in one of them.
 */
static bool many_due_round(int fd, int efd, int irq)
{
	enum { N = 300 };
	struct hwevent_info i0, i1;
	long sw0, sw;
	uint64_t at;
	int ret;

	sw0 = irq_thread_switches(irq);
	ck_assert_int_eq(edu_info(fd, &i0), 0);
	/* Room for a slow kernel (KASAN under TCG) to make them all. */
	at = now_ns() + 2 * NS_PER_SEC;
	for (int i = 0; i < N; i++) {
		uint64_t now = now_ns();

		ck_assert_msg(now < at, "registering %d took over 2 s", N);
		ret = hwt_register_efd(fd, efd, at - now, 0, i, NULL);
		ck_assert_msg(ret == 0, "registration %d: %s", i, strerror(-ret));
	}
	ck_assert_msg(now_ns() < at, "registering took too long");
	ck_assert_uint_eq(hwt_efd_collect(efd, N, SOON_MS), N);
	ck_assert_int_eq(edu_info(fd, &i1), 0);
	sw = irq_thread_switches(irq) - sw0;
	hwt_diag("%d events due at the same time came with %" PRIu64
		 " interrupts; the IRQ thread ran %ld times", N,
		 (uint64_t)(i1.irqs - i0.irqs), sw);
	ck_assert(hwt_wait_pending(0, SOON_MS));
	return sw > 0;
}

START_TEST(edu_many_due_together)
{
	int fd = edu_open(), efd, irq, round;

	if (fd < 0)
		return;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		close(fd);
		hwt_skip("needs 2 CPUs: the timers must expire on another CPU "
			 "than the interrupt's");
		return;
	}
	irq = edu_irq_and_cpu(NULL);
	pin_to(edu_irq_cpu() == 0 ? 1 : 0);
	efd = hwt_eventfd();
	for (round = 0; round < 5 && !many_due_round(fd, efd, irq); round++)
		;
	ck_assert_msg(round < 5, "the threaded handler never ran in 5 rounds: "
		      "no batch beyond the budget");
	close(efd);
	close(fd);
}
END_TEST

/* Load the module with @params and open the edu node. */
static int load_with(const char *params)
{
	int ret = module_load(hwt_ko_path(), params);

	ck_assert_msg(ret == 0, "loading %s %s: %s", hwt_ko_path(), params,
		      strerror(-ret));
	return edu_open();
}

START_TEST(edu_every_model_fires_from_the_threaded_handler)
{
	int fd = load_with("edu_irq_thread=1");

	if (fd < 0)
		return;
	every_model_fires(fd, true);
	close(fd);
	ck_assert_int_eq(hwt_unload_retry(SOON_MS), 0);
}
END_TEST

#define LAT_N	500

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * @n synchronous REQUEST events due 1 ms on @path: the median and 99th
 * percentile of due time to wake-up, and of firing to wake-up, in us.
 */
static void latency(const char *path, const char *what, uint64_t *due_med)
{
	static uint64_t due[LAT_N], fire[LAT_N];
	struct hwevent_register r;
	int fd = open(path, O_RDWR | O_CLOEXEC), ret;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	for (int i = 0; i < LAT_N; i++) {
		uint64_t t0, t1;

		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, i, 0);
		t0 = now_ns();
		ret = hwevent_register(fd, &r);
		t1 = now_ns();
		ck_assert_msg(ret == 0, "%s: %s", path, strerror(-ret));
		due[i] = t1 - t0 - NS_PER_MS;
		fire[i] = t1 - r.msg.fired_ns;
	}
	close(fd);
	qsort(due, LAT_N, sizeof(due[0]), cmp_u64);
	qsort(fire, LAT_N, sizeof(fire[0]), cmp_u64);
	hwt_diag("latency %-22s due->wake median %6" PRIu64 " us, p99 %6"
		 PRIu64 " us; fired->wake median %6" PRIu64 " us, p99 %6"
		 PRIu64 " us (%d events)", what, due[LAT_N / 2] / 1000,
		 due[LAT_N * 99 / 100] / 1000, fire[LAT_N / 2] / 1000,
		 fire[LAT_N * 99 / 100] / 1000, LAT_N);
	*due_med = due[LAT_N / 2];
}

/*
 * The measurement behind docs/edu.md's choice of handler, in one run:
 * the timer node, then edu delivering from the hard handler, then from
 * the threaded one.  Bounds are generous: the VM's times are noisy.
 */
START_TEST(edu_latency_timer_hard_thread)
{
	uint64_t timer, hard, thread;
	int fd = load_with(NULL);

	if (fd < 0)
		return;
	close(fd);
	pin_to(edu_irq_cpu());
	latency("/dev/" HWEVENT_DEVICE_NAME, "timer (softirq)", &timer);
	latency(EDU_DEV, "edu, hard handler", &hard);
	ck_assert_int_eq(hwt_unload_retry(SOON_MS), 0);
	fd = load_with("edu_irq_thread=1");
	close(fd);
	pin_to(edu_irq_cpu());
	latency(EDU_DEV, "edu, threaded handler", &thread);
	ck_assert_int_eq(hwt_unload_retry(SOON_MS), 0);
	ck_assert_msg(timer < 50 * NS_PER_MS && hard < 50 * NS_PER_MS &&
		      thread < 50 * NS_PER_MS, "a median latency above 50 ms");
}
END_TEST

/*
 * The app on the edu node, each <type>: it loads the module, waits for
 * the node the PCI probe makes, says which device it is on, and gets its
 * events from the device's interrupt.  A device that is not there is
 * named as such.
 */
START_TEST(edu_app_runs_on_the_edu_node)
{
	char *bad[] = { (char *)hwt_app_path(), "--device", "edu7",
			"--count", "1", "0.001", "0", NULL };
	struct hwt_output o;
	int st;

	if (!edu_expected()) {
		hwt_skip("no edu device promised: HWEVENT_EDU is not 1 "
			 "(vm/run-in-vm.sh attaches one)");
		return;
	}
	for (char t = '0'; t <= '4'; t++) {
		char type[2] = { t, '\0' };
		char *argv[] = { (char *)hwt_app_path(), "--device", "edu0",
				 "--count", "2", "0.001", type, NULL };

		st = hwt_run(argv, (uid_t)-1, &o, 60, NULL);
		ck_assert_msg(st == 0, "type %s: exit %d; stderr: %s", type, st,
			      o.err);
		ck_assert_msg(hwt_count_lines(o.out, "event ") == 2,
			      "type %s: not 2 event lines: %s", type, o.out);
		ck_assert_msg(hwt_contains(o.err, EDU_DEV ": edu device "
					   "1234:11e8 at "),
			      "type %s: it does not say which device: %s",
			      type, o.err);
		ck_assert_msg(!module_loaded(), "type %s: the app left the "
			      "module loaded", type);
	}
	st = hwt_run(bad, (uid_t)-1, &o, 60, NULL);
	ck_assert_msg(st == 1 && hwt_contains(o.err, "no such edu device"),
		      "edu7: exit %d; stderr: %s", st, o.err);
	ck_assert_msg(!module_loaded(), "edu7: the app left the module loaded");
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(edu_info_says_which_device, HWT_LOADED, 30),
	HWT_CASE(edu_every_model_fires_from_the_interrupt, HWT_LOADED, 60),
	HWT_CASE(edu_many_due_together, HWT_LOADED, 120),
	HWT_CASE(edu_every_model_fires_from_the_threaded_handler, HWT_UNLOADED, 60),
	HWT_CASE(edu_latency_timer_hard_thread, HWT_UNLOADED, 120),
	HWT_CASE(edu_app_runs_on_the_edu_node, HWT_UNLOADED, 120),
};

const struct hwt_suite hwt_suite_edu = HWT_SUITE("edu", cases);
