// SPDX-License-Identifier: GPL-2.0
/*
 * Surprise removal of the edu device while applications wait on it.
 *
 * The device goes away through QEMU's device_del, which the host's hotplug
 * agent carries out on the guest's request (edutest.h), or through an
 * unbind of the driver in sysfs: both end in the driver's remove(), with
 * every model pending.  Then (include/uapi/linux/hwevent.h,
 * HWEVENT_IOC_INFO):
 * - every pending request fails with ENODEV (or completed if it fired);
 * - poll(2) reports EPOLLHUP | EPOLLERR; SIGIO is sent;
 * - read(2) returns what was queued, then ENODEV;
 * - every new call, io_uring's too, fails with ENODEV;
 * - close(2) works, the node disappears, nothing keeps the module;
 * - device_add (or bind) brings a new node that works.
 * And the same with random timing, over many removals: every call ends
 * with success or ENODEV, none hangs, and the kernel log stays clean
 * (KASAN, lockdep and kmemleak watch on the debug kernel).
 *
 * Env: HWEVENT_HOTPLUG_ITER (removals in hotplug_random, default 60),
 * HWEVENT_HOTPLUG_QMP_EVERY (every Nth of them through QMP, the others by
 * unbind; default 6; 1 = all through QMP).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edutest.h"
#include "textfile.h"
#include "libhwevent-uring.h"

#define JOIN_MS		SOON_MS

enum how { BY_QMP, BY_UNBIND };

/*
 * Take the device away (@away), returning once the driver's remove() ran,
 * or bring it back, returning once its node is there.  Returns how long
 * the node took to go or come, in ms.
 */
static unsigned int plug_edu(int ch, enum how how, const char *bus, bool away)
{
	uint64_t t0 = now_ns();
	char err[256];
	int ret;

	if (how == BY_QMP) {
		ret = hp_request(ch, away ? "del " EDU_QEMU_ID :
				 "add " EDU_QEMU_ID " " EDU_QEMU_BUS, err,
				 sizeof(err), HOTPLUG_MS);
	} else {
		ret = write_text(away ? EDU_DRIVER_DIR "/unbind" :
				 EDU_DRIVER_DIR "/bind", bus);
		snprintf(err, sizeof(err), "%s", strerror(-ret));
	}
	ck_assert_msg(ret == 0, "%s %s by %s: %s", away ? "removing" : "adding",
		      EDU_QEMU_ID, how == BY_QMP ? "QMP" : "sysfs", err);
	if (!away)
		edu_assert_back();
	else
		ck_assert_msg(edu_wait_path(EDU_DEV, false, HOTPLUG_MS),
			      "%s still exists after the removal", EDU_DEV);
	return (unsigned int)((now_ns() - t0) / NS_PER_MS);
}

/* The channel (QMP) and the device's address (unbind), or skip. */
static bool prepare(int *ch, char *bus, size_t len)
{
	*ch = hp_open();
	if (*ch < 0)
		return false;
	hp_ensure_edu(*ch);
	ck_assert_msg(edu_bus_id(bus, len), "no edu device in sysfs");
	return true;
}

/* A new instance works: an eventfd event fires on it. */
static void assert_edu_works(void)
{
	int fd = edu_open(), efd = hwt_eventfd(), ret;
	struct hwevent_info info;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(edu_info(fd, &info), 0);
	ck_assert_uint_eq(info.source, HWEVENT_SOURCE_EDU);
	ret = hwt_register_efd(fd, efd, NS_PER_MS, 0, 1, NULL);
	ck_assert_msg(ret == 0, "register on the new node: %s", strerror(-ret));
	ck_assert_uint_eq(hwt_efd_wait(efd, SOON_MS), 1);
	close(efd);
	close(fd);
}

/* ---- one removal, every model waiting ---- */

struct waiter {
	pthread_t thread;
	int fd;
	int kind;
	int result;		/* what the blocked call returned */
	short revents;		/* poll */
	atomic_bool started;
};

enum { W_SYNC, W_WAIT, W_READ, W_POLL, W_NR };

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct hwevent_msg m;
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	atomic_store(&w->started, true);
	switch (w->kind) {
	case W_SYNC: {
		struct hwevent_register r;

		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 1, 0);
		w->result = hwevent_register(w->fd, &r);
		break;
	}
	case W_WAIT: {
		struct hwevent_register r;

		/* The first event comes at once, the next in a minute. */
		hwt_reg_arg(&r, HWEVENT_TYPE_REQUEST, NS_PER_MS, LONG_DUE_NS, 2, 0);
		w->result = hwevent_register(w->fd, &r);
		if (!w->result)
			w->result = hwevent_wait(w->fd, r.id, &m);
		break;
	}
	case W_READ:
		w->result = (int)hwt_read_raw(w->fd, &m, sizeof(m));
		break;
	case W_POLL:
		w->result = poll(&p, 1, 6 * SOON_MS);
		w->revents = p.revents;
		break;
	}
	return NULL;
}

static atomic_int sigio_hup;

static void on_sigio(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_code == POLL_HUP)
		atomic_fetch_add(&sigio_hup, 1);
}

static void remove_while_waiting(enum how how)
{
	struct waiter ws[W_NR] = { 0 };
	struct hwevent_register ur, r;
	struct hwevent_msg m[2];
	struct sigaction sa = { .sa_sigaction = on_sigio,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct hwevent_info info;
	struct io_uring ring;
	sigset_t sigio;
	char bus[64];
	uint64_t qid;
	int ch, fq, fe, efd, res;

	if (!prepare(&ch, bus, sizeof(bus)))
		return;

	/* A file with a record queued before the removal, and SIGIO. */
	fq = edu_open();
	ck_assert_int_eq(hwevent_register_queue(fq, NS_PER_MS, 0, 77, NULL), 0);
	ck_assert_msg(hwt_readable(fq, SOON_MS), "the first record never came");
	ck_assert_int_eq(hwevent_register_queue(fq, LONG_DUE_NS, 0, 78, &qid), 0);
	atomic_store(&sigio_hup, 0);
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGIO, &sa, NULL), 0);
	ck_assert_int_eq(fcntl(fq, F_SETOWN, getpid()), 0);
	ck_assert_int_eq(fcntl(fq, F_SETSIG, SIGIO), 0);
	ck_assert_int_eq(fcntl(fq, F_SETFL, fcntl(fq, F_GETFL) | O_ASYNC), 0);

	/* An eventfd registration and an io_uring request, pending. */
	fe = edu_open();
	efd = hwt_eventfd();
	ck_assert_int_eq(hwt_register_efd(fe, efd, LONG_DUE_NS, 0, 3, NULL), 0);
	hwt_ring_init(&ring, 4);
	hwt_reg_arg(&ur, HWEVENT_TYPE_REQUEST, LONG_DUE_NS, 0, 4, 0);
	hwevent_uring_prep_register(hwt_sqe(&ring), fe, &ur);
	hwt_ring_submit(&ring, 1);

	/* Threads blocked in the ioctl, WAIT, read and poll; not for SIGIO. */
	sigemptyset(&sigio);
	sigaddset(&sigio, SIGIO);
	pthread_sigmask(SIG_BLOCK, &sigio, NULL);
	for (int i = 0; i < W_NR; i++) {
		ws[i].kind = i;
		ws[i].fd = edu_open();
		if (i == W_READ || i == W_POLL)
			ck_assert_int_eq(hwevent_register_queue(ws[i].fd, LONG_DUE_NS,
							    0, 5, NULL), 0);
		ck_assert_int_eq(pthread_create(&ws[i].thread, NULL, waiter_fn,
						&ws[i]), 0);
	}
	pthread_sigmask(SIG_UNBLOCK, &sigio, NULL);
	/* Each blocks (the registrations are due in a minute). */
	for (int i = 0; i < W_NR; i++)
		while (!atomic_load(&ws[i].started))
			hwt_sleep_ms(1);
	hwt_sleep_ms(200);

	plug_edu(ch, how, bus, true);

	for (int i = 0; i < W_NR; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += JOIN_MS / 1000;
		ck_assert_msg(pthread_timedjoin_np(ws[i].thread, NULL, &ts) == 0,
			      "waiter %d still blocked after the removal", i);
	}
	ck_assert_msg(ws[W_SYNC].result == -ENODEV, "blocked REGISTER: %s",
		      strerror(-ws[W_SYNC].result));
	ck_assert_msg(ws[W_WAIT].result == -ENODEV, "blocked WAIT: %s",
		      strerror(-ws[W_WAIT].result));
	ck_assert_msg(ws[W_READ].result == -ENODEV, "blocked read: %d (%s)",
		      ws[W_READ].result, strerror(-ws[W_READ].result));
	ck_assert_msg(ws[W_POLL].result == 1 &&
		      (ws[W_POLL].revents & (POLLHUP | POLLERR)) == (POLLHUP | POLLERR),
		      "poll returned %d, revents %#x", ws[W_POLL].result,
		      ws[W_POLL].revents);

	ck_assert_msg(hwt_ring_wait(&ring, SOON_MS, &res, NULL),
		      "the io_uring request did not complete");
	ck_assert_msg(res == -ENODEV, "io_uring request: %s", strerror(-res));

	/* What was queued is read, then the end. */
	ck_assert_int_eq(hwt_read_raw(fq, m, sizeof(m)), (ssize_t)sizeof(m[0]));
	ck_assert_uint_eq(m[0].cookie, 77);
	ck_assert_int_eq(hwt_read_raw(fq, m, sizeof(m)), -ENODEV);
	ck_assert_int_eq(fcntl(fq, F_SETFL, fcntl(fq, F_GETFL) | O_NONBLOCK), 0);
	ck_assert_int_eq(hwt_read_raw(fq, m, sizeof(m)), -ENODEV);
	{
		struct pollfd p = { .fd = fq, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 0), 1);
		ck_assert_msg(p.revents == (POLLHUP | POLLERR),
			      "revents %#x after the queue drained", p.revents);
	}
	ck_assert_msg(atomic_load(&sigio_hup) >= 1, "no SIGIO with POLL_HUP");

	/* Every new call fails with ENODEV; the eventfd was never signalled. */
	hwt_reg_arg(&r, HWEVENT_TYPE_QUEUE, NS_PER_MS, 0, 6, 0);
	ck_assert_int_eq(hwevent_register(fq, &r), -ENODEV);
	ck_assert_int_eq(hwevent_cancel(fq, qid), -ENODEV);
	ck_assert_int_eq(hwevent_wait(fq, qid, NULL), -ENODEV);
	ck_assert_int_eq(edu_info(fe, &info), -ENODEV);
	ck_assert_int_eq(hwt_register_efd(fe, efd, NS_PER_MS, 0, 7, NULL), -ENODEV);
	hwt_reg_arg(&ur, HWEVENT_TYPE_REQUEST, NS_PER_MS, 0, 8, 0);
	hwevent_uring_prep_register(hwt_sqe(&ring), fe, &ur);
	hwt_ring_submit(&ring, 1);
	ck_assert(hwt_ring_wait(&ring, SOON_MS, &res, NULL));
	ck_assert_msg(res == -ENODEV, "new io_uring request: %s", strerror(-res));
	ck_assert_msg(!hwt_efd_ready(efd), "the eventfd was signalled");

	/* close works; then nothing holds the module. */
	io_uring_queue_exit(&ring);
	for (int i = 0; i < W_NR; i++)
		ck_assert_int_eq(close(ws[i].fd), 0);
	ck_assert_int_eq(close(fq), 0);
	ck_assert_int_eq(close(fe), 0);
	close(efd);
	signal(SIGIO, SIG_DFL);

	plug_edu(ch, how, bus, false);
	assert_edu_works();
	ck_assert_msg(hwt_unload_retry(SOON_MS) == 0,
		      "the module cannot be unloaded after the removal");
	close(ch);
}

START_TEST(hotplug_device_del_while_every_model_waits)
{
	remove_while_waiting(BY_QMP);
}
END_TEST

START_TEST(hotplug_unbind_while_every_model_waits)
{
	remove_while_waiting(BY_UNBIND);
}
END_TEST

/* ---- many removals, at random times ---- */

enum { R_SYNC, R_URING, R_EFD, R_QUEUE, R_WAIT, R_POLL, R_NR };
static const char *const r_names[R_NR] = {
	"sync", "io_uring", "eventfd", "queue", "wait", "poll"
};

struct runner {
	pthread_t thread;
	int kind;
	int fd;
	uint64_t rng;
	uint64_t ok;		/* calls that succeeded */
	int bad;		/* an outcome other than success or ENODEV */
	char what[96];
};

static uint64_t rand_due(struct runner *r)
{
	return 50 * NS_PER_US + hwt_rand(&r->rng) % (3 * NS_PER_MS);
}

static void *runner_fn(void *arg)
{
	struct runner *r = arg;
	struct hwevent_register reg;
	struct hwevent_msg m;
	struct io_uring ring;
	int efd = -1, ret = 0, res;
	uint64_t id = 0;

	if (r->kind == R_URING && io_uring_queue_init(4, &ring, 0)) {
		snprintf(r->what, sizeof(r->what), "io_uring_queue_init");
		r->bad = 1;
		return NULL;
	}
	if (r->kind == R_EFD)
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->kind == R_WAIT) {
		hwt_reg_arg(&reg, HWEVENT_TYPE_REQUEST, rand_due(r),
			    100 * NS_PER_US + rand_due(r), 0, 0);
		ret = hwevent_register(r->fd, &reg);
		id = reg.id;
	} else if (r->kind == R_POLL) {
		ret = hwevent_register_queue(r->fd, rand_due(r),
					 100 * NS_PER_US + rand_due(r), 0, NULL);
	}
	while (!ret) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };

		switch (r->kind) {
		case R_SYNC:
			hwt_reg_arg(&reg, HWEVENT_TYPE_REQUEST, rand_due(r), 0, 0, 0);
			ret = hwevent_register(r->fd, &reg);
			break;
		case R_URING:
			hwt_reg_arg(&reg, HWEVENT_TYPE_REQUEST, rand_due(r), 0, 0, 0);
			hwevent_uring_prep_register(io_uring_get_sqe(&ring), r->fd, &reg);
			if (io_uring_submit(&ring) != 1) {
				ret = -EIO;
				break;
			}
			{
				struct io_uring_cqe *cqe;

				ret = io_uring_wait_cqe(&ring, &cqe);
				res = ret ? ret : cqe->res;
				if (!ret)
					io_uring_cqe_seen(&ring, cqe);
				ret = res;
			}
			break;
		case R_EFD:
			ret = hwt_register_efd(r->fd, efd, rand_due(r), 0, 0, NULL);
			if (!ret) {
				struct pollfd e = { .fd = efd, .events = POLLIN };
				uint64_t v;

				/* A removal cancels it: then the next call says so. */
				if (poll(&e, 1, 50) == 1 &&
				    read(efd, &v, sizeof(v)) != sizeof(v))
					ret = -EIO;
			}
			break;
		case R_QUEUE:
			ret = hwevent_register_queue(r->fd, rand_due(r), 0, 0, NULL);
			if (!ret) {
				ssize_t n = hwt_read_raw(r->fd, &m, sizeof(m));

				ret = n == sizeof(m) ? 0 : n < 0 ? (int)n : -EIO;
			}
			break;
		case R_WAIT:
			ret = hwevent_wait(r->fd, id, &m);
			break;
		case R_POLL:
			if (poll(&p, 1, 5000) != 1) {
				ret = -ETIMEDOUT;
			} else if (p.revents & POLLIN) {
				ssize_t n = hwt_read_raw(r->fd, &m, sizeof(m));

				ret = n == sizeof(m) ? 0 : n < 0 ? (int)n : -EIO;
			} else if (p.revents == (POLLHUP | POLLERR)) {
				ret = -ENODEV;
			} else {
				ret = -EIO;
			}
			break;
		}
		if (!ret)
			r->ok++;
	}
	if (ret != -ENODEV) {
		snprintf(r->what, sizeof(r->what), "%s ended with %d (%s)",
			 r_names[r->kind], ret, strerror(-ret));
		r->bad = 1;
	}
	if (r->kind == R_URING)
		io_uring_queue_exit(&ring);
	if (efd >= 0)
		close(efd);
	return NULL;
}

static unsigned int env_uint(const char *name, unsigned int def)
{
	const char *s = getenv(name);

	return s && *s ? (unsigned int)strtoul(s, NULL, 0) : def;
}

START_TEST(hotplug_random)
{
	unsigned int iters = env_uint("HWEVENT_HOTPLUG_ITER", 60);
	unsigned int qmp_every = env_uint("HWEVENT_HOTPLUG_QMP_EVERY", 6);
	uint64_t rng = hwt_seed(), ok[R_NR] = { 0 }, t0 = now_ns();
	unsigned int by_qmp = 0, slowest[2][2] = { { 0 } };	/* [how][away] */
	char bus[64];
	int ch;

	if (!prepare(&ch, bus, sizeof(bus)))
		return;
	for (unsigned int it = 0; it < iters; it++) {
		struct runner rs[R_NR] = { 0 };
		unsigned int ms;
		enum how how = qmp_every && it % qmp_every == 0 ? BY_QMP : BY_UNBIND;

		for (int i = 0; i < R_NR; i++) {
			rs[i].kind = i;
			rs[i].fd = edu_open();
			rs[i].rng = rng + ((uint64_t)it << 8) + (uint64_t)i + 1;
			ck_assert_int_eq(pthread_create(&rs[i].thread, NULL,
							runner_fn, &rs[i]), 0);
		}
		hwt_sleep_ms(hwt_rand(&rng) % 30);
		ms = plug_edu(ch, how, bus, true);
		slowest[how][1] = MAX(slowest[how][1], ms);
		by_qmp += how == BY_QMP;
		for (int i = 0; i < R_NR; i++) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += JOIN_MS / 1000;
			ck_assert_msg(pthread_timedjoin_np(rs[i].thread, NULL, &ts) == 0,
				      "removal %u: the %s runner still runs",
				      it, r_names[i]);
			ck_assert_msg(!rs[i].bad, "removal %u (%s): %s", it,
				      how == BY_QMP ? "device_del" : "unbind",
				      rs[i].what);
			ok[i] += rs[i].ok;
			ck_assert_int_eq(close(rs[i].fd), 0);
		}
		ms = plug_edu(ch, how, bus, false);
		slowest[how][0] = MAX(slowest[how][0], ms);
	}
	hwt_diag("slowest removal and return: by device_del %u and %u ms, by unbind %u and %u ms",
		 slowest[BY_QMP][1], slowest[BY_QMP][0],
		 slowest[BY_UNBIND][1], slowest[BY_UNBIND][0]);
	hwt_diag("%u removals (%u by device_del, the others by unbind) in %.1f s;"
		 " calls completed before them: sync %" PRIu64 ", io_uring %"
		 PRIu64 ", eventfd %" PRIu64 ", queue %" PRIu64 ", wait %" PRIu64
		 ", poll %" PRIu64, iters, by_qmp,
		 (double)(now_ns() - t0) / 1e9, ok[R_SYNC], ok[R_URING],
		 ok[R_EFD], ok[R_QUEUE], ok[R_WAIT], ok[R_POLL]);
	assert_edu_works();
	ck_assert_msg(hwt_unload_retry(SOON_MS) == 0,
		      "the module cannot be unloaded after the removals");
	close(ch);
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(hotplug_device_del_while_every_model_waits, HWT_LOADED, 120),
	HWT_CASE(hotplug_unbind_while_every_model_waits, HWT_LOADED, 120),
	HWT_CASE(hotplug_random, HWT_LOADED, 3600),
};

const struct hwt_suite hwt_suite_hotplug = HWT_SUITE("hotplug", cases);
