// SPDX-License-Identifier: GPL-2.0
/*
 * hwfuzz: a purpose-built randomized stress/fuzz test of /dev/hwevent.
 *
 *   hwfuzz [--seconds S] [--procs P] [--seed N] [--no-unload] [--verbose]
 *
 * P worker processes loop over random actions for S seconds: open, close,
 * dup of descriptors; valid and mutated HWEVENT_IOC_REGISTER (every type,
 * random flags/pad/reserved/due/period/eventfd), random ioctl numbers and
 * bad pointers; io_uring REGISTER/WAIT commands (valid, mutated, random
 * cmd_op, bad addresses, buffers unmapped while in flight); CANCEL of real
 * and random ids; WAIT; read/poll; O_ASYNC toggles; fork (the children run
 * a few actions, then exit, get SIGKILLed by their parent or kill
 * themselves); a worker may also exit or SIGKILL itself, and is then
 * replaced.  Every blocking call runs under a short one-shot itimer.
 *
 * Each result is checked against what the uAPI documents (an "oracle");
 * a mismatch is reported.  Afterwards the parent waits for the device's
 * counters to show nothing pending and unloads the module with
 * delete_module(2) (unless --no-unload).  The module must be loaded and
 * the caller root (run it in the test VM: tests/fuzz/run-fuzz.sh).
 *
 * Output is TAP; the exit status is 0 only if every test passed.  The
 * action sequence of each process is a function of --seed (timing makes
 * the interleaving, and so the exact results, vary).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "libhwevent.h"
#include "libhwevent-uring.h"
#include "clock.h"
#include "module.h"


#define MAX_FDS		6
#define MAX_IDS		48
#define MAX_CHILDREN	3
#define NSLOTS		24
#define MAX_PROCS	64
#define MAX_REPORTS	20
#define MAX_GROUPS	100000

/* Shared between all processes (MAP_SHARED). */
struct shared {
	atomic_ulong actions;
	atomic_ulong ops[32];
	atomic_ulong mismatches;
	atomic_ulong forks;
	atomic_ulong uring_cqes;
	atomic_ulong reg_ok;
	atomic_ulong msgs_read;
	atomic_ulong sigio;
	atomic_int reports;
};

static struct shared *sh;
static uint64_t deadline_ns;
static bool verbose;

/* --- xorshift PRNG, per process ---------------------------------------- */
static uint64_t rs;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return rn(100) < pct;
}

/* --- per-process state ----------------------------------------------- */
struct idref {
	int slot;
	unsigned int gen;	/* generation of the slot's open file */
	uint64_t id;
	uint32_t type;
	bool periodic;
};

struct uslot {
	void *page;		/* one page, or NULL while unmapped */
	bool busy;
	bool is_wait;
	bool bad_op;		/* cmd_op or reserved mutated */
	uint64_t cookie;
};

static int fds[MAX_FDS];
static unsigned int fdgen[MAX_FDS];
static int efds[2] = { -1, -1 };
static struct idref ids[MAX_IDS];
static unsigned int nids;
static struct io_uring ring;
static bool have_ring;
static unsigned int ring_inflight;
static struct uslot uslots[NSLOTS];
static pid_t children[MAX_CHILDREN];
static bool is_child;
static void *ro_page;		/* PROT_READ: copy_to_user fails */
static void *bad_page;		/* PROT_NONE */
static volatile sig_atomic_t got_alarm;
static pid_t self_pid;

static void report(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	atomic_fetch_add(&sh->mismatches, 1);
	if (atomic_fetch_add(&sh->reports, 1) >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One write, so lines of several processes do not mix. */
	dprintf(STDOUT_FILENO, "# MISMATCH [pid %d seed-state %#" PRIx64 "]: %s\n",
		(int)getpid(), rs, buf);
}

static void on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
}

static void on_sigio(int sig)
{
	(void)sig;
	atomic_fetch_add(&sh->sigio, 1);
}

static void set_alarm_handler(bool restart)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

/* Arm a one-shot timer of 20 us .. 20 ms before a call that may block. */
static void arm(void)
{
	struct itimerval it = { 0 };
	uint64_t us = chance(30) ? 20 + rn(300) : 300 + rn(20000);

	got_alarm = 0;
	it.it_value.tv_usec = us;
	/*
	 * Repeating: a signal that lands before the call went to sleep would
	 * leave it blocked for good.
	 */
	it.it_interval.tv_usec = 2000 + rn(8000);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int pick_fd(void)
{
	int i = rn(MAX_FDS);

	for (int k = 0; k < MAX_FDS; k++, i = (i + 1) % MAX_FDS)
		if (fds[i] >= 0)
			return i;
	return -1;
}

static void add_id(int slot, uint64_t id, uint32_t type, bool periodic)
{
	struct idref r = { slot, fdgen[slot], id, type, periodic };

	if (nids < MAX_IDS) {
		ids[nids++] = r;
		return;
	}
	/* Full: cancel the oldest, so periodic timers do not pile up. */
	struct idref *o = &ids[0];
	if (fds[o->slot] >= 0 && fdgen[o->slot] == o->gen) {
		struct hwevent_cancel c = { .id = o->id };

		ioctl(fds[o->slot], HWEVENT_IOC_CANCEL, &c);
	}
	memmove(&ids[0], &ids[1], sizeof(ids[0]) * (MAX_IDS - 1));
	ids[MAX_IDS - 1] = r;
}

static void close_slot(int i)
{
	if (fds[i] < 0)
		return;
	close(fds[i]);
	fds[i] = -1;
	fdgen[i]++;
}

/* --- random values ------------------------------------------------------ */
static uint64_t valid_due(void)
{
	switch (rn(4)) {
	case 0:
		return 1 + rn(1000);			/* 1 ns .. 1 us */
	case 1:
		return 1 + rn(100 * NS_PER_US);
	default:
		return 1 + rn(2 * NS_PER_MS);		/* .. 2 ms */
	}
}

static uint64_t valid_period(void)
{
	if (chance(1))
		return 10 * NS_PER_US;
	return 100 * NS_PER_US + rn(900 * NS_PER_US);	/* 100 us .. 1 ms */
}

static uint64_t interesting64(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 9999, 10000, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, HWEVENT_DUE_MAX_NS, HWEVENT_DUE_MAX_NS + 1,
		INT64_MAX, (uint64_t)INT64_MIN, UINT64_MAX, UINT64_MAX - 1,
	};

	if (chance(20))
		return rnd();
	if (chance(20))
		return 1ULL << rn(64);
	return v[rn(sizeof(v) / sizeof(v[0]))];
}

/* A user pointer that is not a writable buffer of @size. */
static void *bad_ptr(void)
{
	switch (rn(6)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return bad_page;
	case 3:
		return ro_page;
	case 4:
		return (void *)0xffff888000000000ULL;	/* kernel address */
	default:
		return (void *)(uintptr_t)(rnd() | 1);
	}
}

/* --- the uAPI's rules, for the oracle ---------------------------------- */

/* What HWEVENT_IOC_REGISTER must fail with before it does anything, or 0. */
static int expect_register(const struct hwevent_register *r)
{
	if (r->flags || r->pad || r->reserved[0] || r->reserved[1] ||
	    r->reserved[2])
		return EINVAL;
	if (r->due_ns < HWEVENT_DUE_MIN_NS || r->due_ns > HWEVENT_DUE_MAX_NS)
		return EINVAL;
	if (r->period_ns && (r->period_ns < HWEVENT_PERIOD_MIN_NS ||
			     r->period_ns > HWEVENT_PERIOD_MAX_NS))
		return EINVAL;
	switch (r->type) {
	case HWEVENT_TYPE_REQUEST:
	case HWEVENT_TYPE_QUEUE:
		return r->eventfd ? EINVAL : 0;
	case HWEVENT_TYPE_EVENTFD:
		return 0;	/* EBADF / EINVAL depend on the descriptor */
	default:
		return EINVAL;
	}
}

static void build_register(struct hwevent_register *r, bool mutate)
{
	memset(r, 0, sizeof(*r));
	r->type = rn(3);
	r->due_ns = valid_due();
	r->period_ns = chance(40) ? valid_period() : 0;
	r->cookie = rnd();
	if (r->type == HWEVENT_TYPE_EVENTFD)
		r->eventfd = efds[rn(2)];
	/* Garbage in the output fields must not matter. */
	if (chance(30))
		memset(&r->id, 0xa5, sizeof(*r) - offsetof(struct hwevent_register, id));
	if (!mutate)
		return;
	for (int n = 1 + rn(3); n--;) {
		switch (rn(9)) {
		case 0:
			r->type = chance(50) ? rn(5) : (uint32_t)rnd();
			break;
		case 1:
			r->flags = 1U << rn(32);
			break;
		case 2:
			r->due_ns = interesting64();
			break;
		case 3:
			r->period_ns = interesting64();
			break;
		case 4:
			r->pad = chance(50) ? 1 : (uint32_t)rnd();
			break;
		case 5:
			r->reserved[rn(3)] = 1ULL << rn(64);
			break;
		case 6: {
			static const int cand[] = { -1, 0, 1, 2, 1000, INT32_MAX, INT32_MIN };

			r->eventfd = chance(50) ? cand[rn(7)] :
				     chance(50) ? fds[rn(MAX_FDS)] : efds[rn(2)];
			break;
		}
		case 7:
			/* A valid, long registration, of a type that does not block. */
			if (r->type != HWEVENT_TYPE_REQUEST) {
				r->due_ns = HWEVENT_DUE_MAX_NS - rn(1000);
				r->period_ns = chance(50) ? 0 : HWEVENT_PERIOD_MAX_NS;
			}
			break;
		default:
			r->due_ns = 1 + rn(100);
			break;
		}
	}
	/*
	 * A REQUEST that is valid must not outlive its process by a day: an
	 * io_uring command then waits for it (see the uAPI on SQPOLL).
	 */
	if (r->type == HWEVENT_TYPE_REQUEST && !expect_register(r)) {
		if (r->due_ns > 2 * NS_PER_MS)
			r->due_ns = 1 + rn(2 * NS_PER_MS);
		if (r->period_ns > NS_PER_MS)
			r->period_ns = valid_period();
	}
}

static bool efd_is_eventfd(int fd)
{
	return fd >= 0 && (fd == efds[0] || fd == efds[1]);
}

/* --- actions -------------------------------------------------------------- */
enum op {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_REG, OP_REG_MUT, OP_IOCTL_RANDOM,
	OP_IOCTL_BADPTR, OP_CANCEL, OP_CANCEL_MUT, OP_WAIT, OP_URING,
	OP_URING_MUT, OP_URING_REAP, OP_READ, OP_POLL, OP_ASYNC, OP_EVENTFD,
	OP_FORK, OP_REAP_CHILD, OP_UNMAP_SLOT, OP_EXIT, OP_NR
};

static void do_open(void)
{
	for (int i = 0; i < MAX_FDS; i++) {
		if (fds[i] < 0) {
			int fd = open(HWEVENT_DEV_PATH,
				      O_RDWR | (chance(50) ? O_NONBLOCK : 0) |
				      (chance(50) ? O_CLOEXEC : 0));
			if (fd < 0) {
				if (errno != EMFILE && errno != ENOMEM)
					report("open: %s", strerror(errno));
				return;
			}
			fds[i] = fd;
			fdgen[i]++;
			return;
		}
	}
}

static void do_dup(void)
{
	int s = pick_fd();

	if (s < 0)
		return;
	for (int i = 0; i < MAX_FDS; i++) {
		if (fds[i] < 0) {
			/* The same open file under another descriptor: same ids. */
			fds[i] = dup(fds[s]);
			fdgen[i] = fdgen[s];
			return;
		}
	}
}

static void check_msg(const struct hwevent_msg *m, const char *what,
		      uint64_t cookie, uint64_t id, uint32_t type)
{
	if (m->cookie != cookie || m->id != id || m->type != type ||
	    m->flags || m->reserved || !m->seq || !m->fired_ns)
		report("%s: bad msg cookie %#" PRIx64 "/%#" PRIx64 " id %" PRIu64
		       "/%" PRIu64 " type %u/%u flags %u reserved %" PRIu64
		       " seq %" PRIu64, what, m->cookie, cookie, m->id, id,
		       m->type, type, m->flags, m->reserved, m->seq);
}

static void do_register(bool mutate)
{
	struct hwevent_register r;
	int s = pick_fd();
	int ret, err, exp;
	uint64_t cookie;

	if (s < 0)
		return;
	build_register(&r, mutate);
	exp = expect_register(&r);
	cookie = r.cookie;
	if (r.type == HWEVENT_TYPE_REQUEST) {
		set_alarm_handler(chance(10) && !exp);
		arm();
	}
	ret = ioctl(fds[s], HWEVENT_IOC_REGISTER, &r);
	err = ret ? errno : 0;
	disarm();
	if (exp) {
		if (err != exp)
			report("REGISTER type %u flags %#x due %" PRIu64 " period %"
			       PRIu64 " efd %d pad %#x: got %d (%s), expected %s",
			       r.type, r.flags, r.due_ns, r.period_ns, r.eventfd,
			       r.pad, ret, strerror(err), strerror(exp));
		return;
	}
	if (r.type == HWEVENT_TYPE_EVENTFD && !efd_is_eventfd(r.eventfd)) {
		/* EBADF for a closed one, EINVAL for another kind of file. */
		if (err != EBADF && err != EINVAL)
			report("REGISTER eventfd=%d (not an eventfd): got %s",
			       r.eventfd, strerror(err));
		return;
	}
	if (err && err != ENOSPC && err != EBUSY && err != EINTR &&
	    err != ECANCELED &&
	    err != ENOMEM && !(r.type == HWEVENT_TYPE_EVENTFD && err == EBADF)) {
		report("valid REGISTER type %u due %" PRIu64 " period %" PRIu64
		       ": %s", r.type, r.due_ns, r.period_ns, strerror(err));
		return;
	}
	if (err)
		return;
	atomic_fetch_add(&sh->reg_ok, 1);
	if (!r.id || r.id > UINT32_MAX)
		report("REGISTER returned id %" PRIu64, r.id);
	if (r.type == HWEVENT_TYPE_REQUEST)
		check_msg(&r.msg, "REGISTER", cookie, r.id, r.type);
	else if (memcmp(&r.msg, &(struct hwevent_msg){ 0 }, sizeof(r.msg)))
		report("REGISTER type %u: msg not zeroed", r.type);
	if (r.type != HWEVENT_TYPE_REQUEST || r.period_ns)
		add_id(s, r.id, r.type, r.period_ns);
}

static void do_ioctl_random(void)
{
	int s = pick_fd();
	unsigned int cmd;
	uint8_t buf[512];
	int ret;

	if (s < 0)
		return;
	switch (rn(4)) {
	case 0: /* our magic, another number, direction or size */
		cmd = _IOC(rn(4), HWEVENT_IOC_MAGIC, rn(8), rn(1 << 14));
		break;
	case 1: /* the real numbers with another size */
		cmd = (unsigned int)HWEVENT_IOC_REGISTER ^ (1U << (16 + rn(14)));
		break;
	default:
		cmd = (uint32_t)rnd();
		/* Generic ioctls the VFS handles itself: not ours to judge. */
		if ((cmd >> 8 & 0xff) != HWEVENT_IOC_MAGIC)
			cmd = _IOC(_IOC_DIR(cmd), HWEVENT_IOC_MAGIC, _IOC_NR(cmd),
				   _IOC_SIZE(cmd));
		break;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = chance(70) ? 0 : rnd();
	if (cmd == HWEVENT_IOC_REGISTER || cmd == HWEVENT_IOC_CANCEL ||
	    cmd == HWEVENT_IOC_WAIT)
		return;
	ret = ioctl(fds[s], cmd, chance(80) ? (void *)buf : bad_ptr());
	if (ret != -1 || errno != ENOTTY)
		report("ioctl %#x: got %d (%s), expected ENOTTY", cmd, ret,
		       strerror(errno));
}

/* The real commands with a pointer that cannot be read, or written. */
static void do_ioctl_badptr(void)
{
	static const unsigned long cmds[] = {
		HWEVENT_IOC_REGISTER, HWEVENT_IOC_CANCEL, HWEVENT_IOC_WAIT,
	};
	unsigned long cmd = cmds[rn(3)];
	int s = pick_fd();
	void *p = bad_ptr();
	int ret, err;

	if (s < 0)
		return;
	if (p == ro_page && cmd != HWEVENT_IOC_CANCEL) {
		/* Readable but not writable: a valid argument, then EFAULT. */
		if (cmd == HWEVENT_IOC_REGISTER) {
			struct hwevent_register r;

			build_register(&r, false);
			r.type = chance(50) ? HWEVENT_TYPE_QUEUE : HWEVENT_TYPE_REQUEST;
			r.eventfd = 0;
			mprotect(ro_page, 4096, PROT_READ | PROT_WRITE);
			memcpy(ro_page, &r, sizeof(r));
			mprotect(ro_page, 4096, PROT_READ);
		} else {
			struct hwevent_wait w = { 0 };

			if (nids)
				w.id = ids[rn(nids)].id;
			mprotect(ro_page, 4096, PROT_READ | PROT_WRITE);
			memcpy(ro_page, &w, sizeof(w));
			mprotect(ro_page, 4096, PROT_READ);
		}
	}
	set_alarm_handler(false);
	arm();
	ret = ioctl(fds[s], cmd, p);
	err = errno;
	disarm();
	if (p == ro_page) {
		/* CANCEL only reads: it may succeed or say ENOENT. */
		if (cmd == HWEVENT_IOC_CANCEL ? (ret && err != ENOENT && err != EINVAL)
					      : (ret != -1 || err != EFAULT))
			report("ioctl %#lx on a read-only page: %d (%s)", cmd, ret,
			       strerror(err));
		return;
	}
	if (ret != -1 || err != EFAULT)
		report("ioctl %#lx with bad pointer %p: %d (%s)", cmd, p, ret,
		       strerror(err));
}

static void do_cancel(bool mutate)
{
	struct hwevent_cancel c = { 0 };
	int s = pick_fd();
	int ret, err, idx = -1;

	if (s < 0)
		return;
	if (nids && chance(80)) {
		idx = rn(nids);
		c.id = ids[idx].id;
		if (fds[ids[idx].slot] >= 0 && chance(80))
			s = ids[idx].slot;
	} else {
		c.id = interesting64();
	}
	if (mutate) {
		if (chance(50))
			c.flags = 1U << rn(32);
		else
			c.pad = (uint32_t)rnd() | 1;
	}
	ret = ioctl(fds[s], HWEVENT_IOC_CANCEL, &c);
	err = ret ? errno : 0;
	if (mutate) {
		if (err != EINVAL)
			report("CANCEL flags %#x pad %#x: %d (%s)", c.flags, c.pad,
			       ret, strerror(err));
		return;
	}
	if (err && err != ENOENT)
		report("CANCEL id %" PRIu64 ": %s", c.id, strerror(err));
	if (!c.id || c.id > UINT32_MAX) {
		if (err != ENOENT)
			report("CANCEL of impossible id %" PRIu64 ": %d", c.id, ret);
	}
	if (idx >= 0 && chance(70)) {
		memmove(&ids[idx], &ids[idx + 1], sizeof(ids[0]) * (nids - idx - 1));
		nids--;
	}
}

static void do_wait(void)
{
	struct hwevent_wait w = { 0 };
	int s = pick_fd();
	int ret, err, exp = 0;
	bool known = false;

	if (s < 0)
		return;
	if (nids && chance(85)) {
		struct idref *r = &ids[rn(nids)];

		w.id = r->id;
		if (fds[r->slot] >= 0) {
			s = r->slot;
			known = fdgen[s] == r->gen;
		}
	} else {
		w.id = interesting64();
	}
	if (chance(15)) {
		switch (rn(3)) {
		case 0: w.flags = 1U << rn(32); break;
		case 1: w.pad = 1; break;
		default: w.reserved[rn(2)] = 1ULL << rn(64); break;
		}
		exp = EINVAL;
	}
	if (chance(20))
		memset(&w.msg, 0x5a, sizeof(w.msg));
	set_alarm_handler(chance(10));
	arm();
	ret = ioctl(fds[s], HWEVENT_IOC_WAIT, &w);
	err = ret ? errno : 0;
	disarm();
	if (exp) {
		if (err != exp)
			report("WAIT with flags %#x pad %#x: %d (%s)", w.flags, w.pad,
			       ret, strerror(err));
		return;
	}
	if (err && err != ENOENT && err != EINVAL && err != EINTR &&
	    err != ECANCELED)
		report("WAIT id %" PRIu64 ": %s", w.id, strerror(err));
	if (!err && known)
		check_msg(&w.msg, "WAIT", w.msg.cookie, w.id, HWEVENT_TYPE_REQUEST);
	(void)known;
}

/* --- io_uring ------------------------------------------------------------- */
static void reap_cqes(void)
{
	struct io_uring_cqe *cqe;

	while (have_ring && io_uring_peek_cqe(&ring, &cqe) == 0) {
		uint64_t ud = cqe->user_data;
		int res = cqe->res;

		io_uring_cqe_seen(&ring, cqe);
		atomic_fetch_add(&sh->uring_cqes, 1);
		if (ring_inflight)
			ring_inflight--;
		if (ud >= NSLOTS) {
			/* No buffer: a bad address or a mutated command. */
			if (res > 0)
				report("uring cmd with bad args: res %d", res);
			continue;
		}
		struct uslot *u = &uslots[ud];

		u->busy = false;
		if (u->bad_op) {
			if (res != -ENOTTY && res != -EINVAL)
				report("uring bad cmd_op/reserved: res %d", res);
		} else if (res > 0 || (res < 0 && res != -ENOENT && res != -EINVAL &&
				res != -ECANCELED && res != -ENOSPC &&
				res != -EBUSY && res != -ERANGE && res != -ETIME &&
				res != -EFAULT && res != -EBADF && res != -EINTR &&
				res != -ENOMEM && res != -EAGAIN))
			report("uring %s: res %d", u->is_wait ? "WAIT" : "REGISTER",
			       res);
		if (res == -EFAULT && u->page)
			report("uring %s: EFAULT on a mapped buffer",
			       u->is_wait ? "WAIT" : "REGISTER");
		if (!res && u->page && !u->is_wait) {
			struct hwevent_register *r = u->page;

			if (r->type == HWEVENT_TYPE_REQUEST)
				check_msg(&r->msg, "uring REGISTER", u->cookie,
					  r->id, r->type);
		}
		if (!u->page) {
			/* Unmapped while in flight: map it again, same place. */
			u->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (u->page == MAP_FAILED)
				u->page = NULL;
		}
	}
}

static void ring_setup(void)
{
	struct io_uring_params p = { 0 };

	memset(uslots, 0, sizeof(uslots));
	ring_inflight = 0;
	/* No SQPOLL: on 6.1 its thread keeps files open (see the uAPI). */
	if (io_uring_queue_init_params(32, &ring, &p) == 0)
		have_ring = true;
	for (int i = 0; i < NSLOTS; i++) {
		uslots[i].page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (uslots[i].page == MAP_FAILED)
			uslots[i].page = NULL;
	}
}

static void do_uring(bool mutate)
{
	struct io_uring_sqe *sqe;
	struct hwevent_uring_cmd cmd = { 0 };
	uint64_t ud = NSLOTS;
	int s = pick_fd(), slot = -1;
	uint32_t op;
	bool is_wait = chance(35);

	if (s < 0 || !have_ring || ring_inflight >= 28)
		return;
	for (int i = 0; i < NSLOTS; i++)
		if (!uslots[i].busy && uslots[i].page) {
			slot = i;
			break;
		}
	if (slot < 0)
		return;
	sqe = io_uring_get_sqe(&ring);
	if (!sqe)
		return;
	op = is_wait ? HWEVENT_IOC_WAIT : HWEVENT_IOC_REGISTER;
	cmd.addr = (uintptr_t)uslots[slot].page;
	if (!is_wait) {
		struct hwevent_register *r = uslots[slot].page;

		build_register(r, mutate && chance(60));
		uslots[slot].cookie = r->cookie;
	} else {
		struct hwevent_wait *w = uslots[slot].page;

		memset(w, 0, sizeof(*w));
		w->id = nids ? ids[rn(nids)].id : 1 + rn(4);
		if (mutate && chance(30))
			w->flags = 1;
	}
	if (mutate) {
		switch (rn(4)) {
		case 0:
			op = chance(50) ? (uint32_t)rnd() :
			     (uint32_t)HWEVENT_IOC_CANCEL;
			break;
		case 1:
			cmd.reserved = 1ULL << rn(64);
			break;
		case 2:
			cmd.addr = (uintptr_t)bad_ptr();
			break;
		default:
			break;
		}
	}
	if (cmd.addr == (uintptr_t)uslots[slot].page) {
		ud = slot;
		uslots[slot].busy = true;
		uslots[slot].is_wait = is_wait;
		uslots[slot].bad_op = cmd.reserved ||
			(op != HWEVENT_IOC_REGISTER && op != HWEVENT_IOC_WAIT);
	}
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fds[s], NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	if (chance(15))
		sqe->flags |= IOSQE_ASYNC;
	io_uring_sqe_set_data64(sqe, ud);
	if (io_uring_submit(&ring) == 1)
		ring_inflight++;
	else if (ud < NSLOTS)
		uslots[slot].busy = false;
}

static void do_unmap_slot(void)
{
	/* Pull the buffer of a command in flight out from under it. */
	for (int i = 0; i < NSLOTS; i++) {
		if (uslots[i].busy && uslots[i].page && chance(30)) {
			munmap(uslots[i].page, 4096);
			uslots[i].page = NULL;
			return;
		}
	}
}

/* --- read, poll, O_ASYNC ---------------------------------------------------- */
static void do_read(void)
{
	static const size_t sizes[] = { 0, 1, sizeof(struct hwevent_msg) - 1,
		sizeof(struct hwevent_msg), sizeof(struct hwevent_msg) + 1,
		3 * sizeof(struct hwevent_msg), 64 * sizeof(struct hwevent_msg) };
	struct hwevent_msg msgs[64];
	size_t sz = sizes[rn(7)];
	int s = pick_fd();
	ssize_t n;
	int err;
	void *buf = msgs;

	if (s < 0)
		return;
	if (chance(10))
		buf = bad_ptr();
	else if (chance(5))
		/* Straddles a page: the second record faults. */
		buf = (char *)bad_page - sizeof(struct hwevent_msg);
	set_alarm_handler(false);
	arm();
	n = read(fds[s], buf, sz);
	err = errno;
	disarm();
	if (n < 0) {
		/* The VFS checks access_ok() before the driver sees the size. */
		if (sz < sizeof(struct hwevent_msg) ?
		    (err != EINVAL && !(err == EFAULT && buf != msgs)) :
		    (err != EAGAIN && err != EINTR && err != EFAULT))
			report("read %zu: %s", sz, strerror(err));
		if (err == EFAULT && buf == msgs)
			report("read into a good buffer: EFAULT");
		return;
	}
	if (n % sizeof(struct hwevent_msg) || (size_t)n > sz || !n)
		report("read %zu returned %zd", sz, n);
	if (buf != msgs)
		return;
	atomic_fetch_add(&sh->msgs_read, n / sizeof(struct hwevent_msg));
	for (ssize_t i = 0; i < n / (ssize_t)sizeof(struct hwevent_msg); i++)
		if (msgs[i].flags == HWEVENT_MSG_LOST ?
		    msgs[i].type != HWEVENT_TYPE_QUEUE || msgs[i].reserved ||
		    msgs[i].id || msgs[i].seq || !msgs[i].lost :
		    msgs[i].type != HWEVENT_TYPE_QUEUE || msgs[i].reserved ||
		    msgs[i].flags || !msgs[i].id || !msgs[i].seq)
			report("read: bad record type %u id %" PRIu64,
			       msgs[i].type, msgs[i].id);
}

static void do_poll(void)
{
	struct pollfd pf[MAX_FDS + 1];
	int n = 0;

	for (int i = 0; i < MAX_FDS; i++)
		if (fds[i] >= 0 && chance(60))
			pf[n++] = (struct pollfd){ .fd = fds[i],
						   .events = POLLIN | POLLOUT | POLLPRI };
	if (!n)
		return;
	if (poll(pf, n, rn(3)) < 0 && errno != EINTR)
		report("poll: %s", strerror(errno));
	for (int i = 0; i < n; i++)
		if (pf[i].revents & ~(POLLIN | POLLRDNORM))
			report("poll revents %#x", pf[i].revents);
}

static void do_async(void)
{
	int s = pick_fd();
	int fl;

	if (s < 0)
		return;
	switch (rn(4)) {
	case 0:
		fcntl(fds[s], F_SETOWN, chance(80) ? self_pid : -getpgrp());
		break;
	case 1:
		fl = fcntl(fds[s], F_GETFL);
		fcntl(fds[s], F_SETFL, fl ^ O_ASYNC);
		break;
	case 2:
		fl = fcntl(fds[s], F_GETFL);
		fcntl(fds[s], F_SETFL, fl ^ O_NONBLOCK);
		break;
	default:
		fcntl(fds[s], F_SETSIG, chance(50) ? 0 : SIGUSR1);
		break;
	}
}

static void do_eventfd(void)
{
	int i = rn(2);
	uint64_t v;

	if (chance(30)) {
		/* The driver holds its own reference: closing is fine. */
		close(efds[i]);
		efds[i] = chance(80) ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
		return;
	}
	if (efds[i] >= 0 && read(efds[i], &v, sizeof(v)) == sizeof(v) && !v)
		report("eventfd read 0");
}

/* --- processes ------------------------------------------------------------ */
static void run_actions(long max_actions);

static void reap_children(bool block)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		int st;

		if (children[i] <= 0)
			continue;
		if (waitpid(children[i], &st, block ? 0 : WNOHANG) == children[i]) {
			children[i] = 0;
			/* 0: done; SIGKILL: killed; 3: mismatch (counted). */
			if (WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
			    WEXITSTATUS(st) != 3)
				report("child exited with status %d (sanitizer?)",
				       WEXITSTATUS(st));
			if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
				report("child died of signal %d", WTERMSIG(st));
		}
	}
}

static void do_fork(void)
{
	int i;
	pid_t pid;
	uint64_t cseed = rnd();

	for (i = 0; i < MAX_CHILDREN && children[i] > 0; i++)
		;
	if (i == MAX_CHILDREN || is_child)
		return;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		is_child = true;
		rs = cseed | 1;
		self_pid = getpid();
		memset(children, 0, sizeof(children));
		/* The ring is the parent's: let go of it, make our own. */
		if (have_ring && chance(70)) {
			io_uring_queue_exit(&ring);
			have_ring = false;
			ring_setup();
		} else {
			have_ring = false;
		}
		run_actions(1 + rn(60));
		if (chance(20))
			kill(getpid(), SIGKILL);
		_exit(0);
	}
	atomic_fetch_add(&sh->forks, 1);
	children[i] = pid;
	if (chance(40)) {
		usleep(rn(3000));
		kill(pid, SIGKILL);
	}
}

static void do_reap_child(void)
{
	reap_children(chance(20));
}

static void run_actions(long max_actions)
{
	while (max_actions-- > 0 && now_ns() < deadline_ns) {
		unsigned int op = rn(100);

		atomic_fetch_add(&sh->actions, 1);
		/* Weighted choice. */
		if (op < 4) op = OP_OPEN;
		else if (op < 7) op = OP_CLOSE;
		else if (op < 9) op = OP_DUP;
		else if (op < 25) op = OP_REG;
		else if (op < 35) op = OP_REG_MUT;
		else if (op < 38) op = OP_IOCTL_RANDOM;
		else if (op < 41) op = OP_IOCTL_BADPTR;
		else if (op < 49) op = OP_CANCEL;
		else if (op < 51) op = OP_CANCEL_MUT;
		else if (op < 56) op = OP_WAIT;
		else if (op < 66) op = OP_URING;
		else if (op < 71) op = OP_URING_MUT;
		else if (op < 75) op = OP_URING_REAP;
		else if (op < 83) op = OP_READ;
		else if (op < 87) op = OP_POLL;
		else if (op < 90) op = OP_ASYNC;
		else if (op < 93) op = OP_EVENTFD;
		else if (op < 95) op = OP_FORK;
		else if (op < 98) op = OP_REAP_CHILD;
		else if (op < 99) op = OP_UNMAP_SLOT;
		else op = OP_EXIT;
		atomic_fetch_add(&sh->ops[op], 1);

		switch (op) {
		case OP_OPEN: do_open(); break;
		case OP_CLOSE: {
			int s = pick_fd();

			if (chance(15)) {
				/* Drops every registration of the files. */
				for (int i = 0; i < MAX_FDS; i++)
					close_slot(i);
				nids = 0;
			} else if (s >= 0) {
				close_slot(s);
			}
			break;
		}
		case OP_DUP: do_dup(); break;
		case OP_REG: do_register(false); break;
		case OP_REG_MUT: do_register(true); break;
		case OP_IOCTL_RANDOM: do_ioctl_random(); break;
		case OP_IOCTL_BADPTR: do_ioctl_badptr(); break;
		case OP_CANCEL: do_cancel(false); break;
		case OP_CANCEL_MUT: do_cancel(true); break;
		case OP_WAIT: do_wait(); break;
		case OP_URING: do_uring(false); break;
		case OP_URING_MUT: do_uring(true); break;
		case OP_URING_REAP: break;
		case OP_READ: do_read(); break;
		case OP_POLL: do_poll(); break;
		case OP_ASYNC: do_async(); break;
		case OP_EVENTFD: do_eventfd(); break;
		case OP_FORK: do_fork(); break;
		case OP_REAP_CHILD: do_reap_child(); break;
		case OP_UNMAP_SLOT: do_unmap_slot(); break;
		case OP_EXIT:
			/* Rarely: leave everything behind for the kernel. */
			if (chance(10)) {
				if (chance(50))
					kill(getpid(), SIGKILL);
				_exit(0);
			}
			break;
		}
		reap_cqes();
	}
}

static void worker(uint64_t seed)
{
	struct sigaction sa = { .sa_handler = on_sigio };

	rs = seed * 0x9e3779b97f4a7c15ULL + 1;
	self_pid = getpid();
	/* Its own group, so that its children go down with it at the end. */
	setpgid(0, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	set_alarm_handler(false);
	for (int i = 0; i < MAX_FDS; i++)
		fds[i] = -1;
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	efds[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	efds[1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ring_setup();
	run_actions(LONG_MAX);
	/* Orderly end, sometimes: children reaped, everything closed. */
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0 && chance(50))
			kill(children[i], SIGKILL);
	reap_children(true);
	if (chance(50)) {
		for (int i = 0; i < MAX_FDS; i++)
			close_slot(i);
	}
	_exit(0);
}

/* --- parent ----------------------------------------------------------------- */
static int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static void usage(void)
{
	fprintf(stderr, "usage: hwfuzz [--seconds S] [--procs P] [--seed N] "
		"[--no-unload] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const opname[OP_NR] = {
		"open", "close", "dup", "reg", "reg_mut", "ioctl_rand",
		"ioctl_badptr", "cancel", "cancel_mut", "wait", "uring",
		"uring_mut", "uring_reap", "read", "poll", "async", "eventfd",
		"fork", "reap_child", "unmap_slot", "exit",
	};
	unsigned long seconds = 60, procs = 4, gen = 0;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	bool unload = true;
	pid_t pids[MAX_PROCS] = { 0 };
	struct hwevent_counters c0, c;
	uint64_t t;
	unsigned long died = 0, crashed = 0, ngroups = 0;
	static pid_t groups[MAX_GROUPS];
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--procs") && i + 1 < argc)
			procs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-unload"))
			unload = false;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else
			usage();
	}
	if (!procs || procs > MAX_PROCS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# hwfuzz: seed %" PRIu64 ", %lu s, %lu processes\n", seed,
	       seconds, procs);
	if (hwevent_read_counters(&c0)) {
		printf("Bail out! hwevent is not loaded (no counters)\n");
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 2;
	}
	deadline_ns = now_ns() + seconds * NS_PER_SEC;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGIO, SIG_IGN);	/* a worker's F_SETOWN may name our group */
	signal(SIGUSR1, SIG_IGN);

	/* Keep @procs workers running; replace those that exit or die. */
	while (now_ns() < deadline_ns) {
		for (unsigned long i = 0; i < procs; i++) {
			if (pids[i] > 0)
				continue;
			uint64_t wseed = seed + 1000003ULL * (gen++);
			pid_t pid = fork();

			if (pid == 0)
				worker(wseed);
			pids[i] = pid;
			if (pid > 0 && ngroups < MAX_GROUPS) {
				setpgid(pid, pid);
				groups[ngroups++] = pid;
			}
			if (verbose)
				printf("# worker %lu: pid %d seed-gen %lu\n", i, pid,
				       gen - 1);
		}
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		for (unsigned long i = 0; i < procs; i++) {
			if (pid > 0 && pids[i] == pid) {
				pids[i] = 0;
				died++;
				if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL) {
					crashed++;
					printf("# worker pid %d died of signal %d\n",
					       pid, WTERMSIG(st));
				} else if (WIFEXITED(st) && WEXITSTATUS(st)) {
					crashed++;
					printf("# worker pid %d exited %d\n", pid,
					       WEXITSTATUS(st));
				}
			}
		}
	}
	/* The deadline passed: workers end by themselves; wait, then kill. */
	t = now_ns() + 20 * NS_PER_SEC;
	for (;;) {
		bool left = false;

		for (unsigned long i = 0; i < procs; i++) {
			int st;

			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
				pids[i] = 0;
				if ((WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL) ||
				    (WIFEXITED(st) && WEXITSTATUS(st))) {
					crashed++;
					printf("# worker pid %d ended with status %#x\n",
					       pids[i], st);
				}
			} else {
				left = true;
				if (now_ns() > t) {
					printf("# worker pid %d still running after the deadline: killed\n",
					       pids[i]);
					kill(-pids[i], SIGKILL);
					kill(pids[i], SIGKILL);
					crashed++;
				}
			}
		}
		if (!left)
			break;
		usleep(10000);
	}
	/*
	 * Children a worker left behind when it exited or was killed: we are
	 * their subreaper; kill what is left of each worker's group.
	 */
	for (;;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);

		if (p > 0)
			continue;
		if (p < 0)
			break;
		for (unsigned long g = 0; g < ngroups; g++)
			kill(-groups[g], SIGKILL);
		usleep(10000);
	}

	printf("# %lu actions, %lu forks, %lu successful registrations, %lu "
	       "uring CQEs, %lu records read, %lu SIGIO, %lu worker exits\n",
	       atomic_load(&sh->actions), atomic_load(&sh->forks),
	       atomic_load(&sh->reg_ok), atomic_load(&sh->uring_cqes),
	       atomic_load(&sh->msgs_read), atomic_load(&sh->sigio), died);
	printf("#");
	for (int i = 0; i < OP_NR; i++)
		printf(" %s=%lu", opname[i], atomic_load(&sh->ops[i]));
	printf("\n");
	tap(!crashed && atomic_load(&sh->actions) > 0,
	    "hwfuzz: workers ran without crashing (%lu abnormal ends)", crashed);
	tap(!atomic_load(&sh->mismatches),
	    "hwfuzz: results match the uAPI (%lu mismatches)",
	    atomic_load(&sh->mismatches));

	/* At rest: every descriptor closed, so nothing may stay pending. */
	t = now_ns() + 30 * NS_PER_SEC;
	while ((ret = hwevent_read_counters(&c)) == 0 && c.pending &&
	       now_ns() < t)
		usleep(20000);
	printf("# counters: registered %" PRIu64 " (+%" PRIu64 ") fired %" PRIu64
	       " cancelled %" PRIu64 " pending %" PRIu64 " lost %" PRIu64 "\n",
	       c.registered, c.registered - c0.registered, c.fired, c.cancelled,
	       c.pending, c.lost);
	tap(!ret && !c.pending, "hwfuzz: nothing pending at rest (pending %" PRIu64
	    ")", c.pending);
	tap(!ret && c.registered >= c.cancelled + c.pending &&
	    c.registered - c0.registered > 0,
	    "hwfuzz: counters consistent (registered >= cancelled + pending)");
	if (unload) {
		/* The last fput may be deferred (task work, io_uring exit work). */
		t = now_ns() + 30 * NS_PER_SEC;
		while ((ret = syscall(SYS_delete_module, HWEVENT_MODULE_NAME,
				      O_NONBLOCK)) &&
		       (errno == EWOULDBLOCK || errno == EBUSY) && now_ns() < t)
			usleep(50000);
		tap(!ret, "hwfuzz: module unloads%s%s", ret ? ": " : "",
		    ret ? strerror(errno) : "");
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
