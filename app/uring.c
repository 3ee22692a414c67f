// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 2, pending requests through io_uring: the analog of overlapped
 * DeviceIoControl calls.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhwevent-uring.h"
#include "clock.h"
#include "event.h"

/* How long cancelled io_uring requests may take to complete. */
#define CANCEL_TIMEOUT_MS	5000
/* A submission the kernel refused for now (EAGAIN, EBUSY) is made again
 * after reaping, or, with nothing in flight to reap, after this pause;
 * this many refusals in a row fail the run. */
#define RETRY_NS		(1 * NS_PER_MS)
#define RETRY_MAX		1000

/*
 * Mode 2: pending requests as io_uring commands on the device, the analog
 * of overlapped DeviceIoControl calls: up to --inflight of them at once
 * from one ring, each completion printed as its CQE arrives and replaced
 * by a new request.  Without a period each request is a registration of
 * its own; with one, the first request registers and the others are
 * HWEVENT_IOC_WAIT commands on that registration, which the firings
 * complete one by one, in order.  Standard input and standard output are
 * watched with poll requests on the same ring, and signals are unblocked
 * only inside io_uring_enter(), like ppoll().
 *
 * A request is free, queued (its SQE written, not yet taken by the
 * kernel) or in flight.  io_uring_submit() may take some of the queued
 * ones, in order, or none: EAGAIN and EBUSY ask to reap completions and
 * submit again; any other error ends the run, and what was only queued
 * is freed, not waited for.
 *
 * To stop, every registration still in flight is cancelled by id: on
 * kernels before 6.7 io_uring cannot cancel a driver's commands, and they
 * would keep the device (and the module) busy until their events fired.
 * Their CQEs (ECANCELED) are reaped before the ring is closed.
 */
#define UD_STDIN	UINT64_MAX
#define UD_STDOUT	(UINT64_MAX - 1)

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_INFLIGHT };

struct uring_slot {
	union {
		struct hwevent_register reg;	/* a REGISTER command */
		struct hwevent_wait wait;	/* a WAIT command */
	};
	uint64_t t0;		/* when its registration was made */
	uint64_t cookie;
	enum slot_state state;
	bool is_wait;
};

struct uring_run {
	struct run *r;
	struct io_uring ring;
	struct uring_slot *slots;
	unsigned int busy;	/* slots queued or in flight */
	unsigned int inflight;	/* slots in flight */
	/* What was queued since the last submission, in order: slots, and
	 * the polls (UD_STDIN, UD_STDOUT). */
	uint64_t *queued;
	unsigned int nqueued;
	bool stdin_armed, stdout_armed;	/* their polls queued or in flight */
	unsigned int refused;	/* submissions refused in a row */
	bool quitting;		/* reaping: no more events or errors */
	uint64_t cookie;	/* the last one used */
	/* With a period: the one registration, its id once known. */
	bool registered;
	uint64_t id;
	uint64_t t0;
};

/* Requests to keep in flight: never more than events still wanted. */
static unsigned int uring_wanted(const struct uring_run *u)
{
	const struct run *r = u->r;
	uint64_t left;

	if (stopping())
		return 0;
	if (!r->o->count)
		return r->o->inflight;
	left = r->o->count - r->n;
	return left < r->o->inflight ? (unsigned int)left : r->o->inflight;
}

/* Queue a new request in a free slot, if any is wanted; false if none. */
static bool uring_queue_one(struct uring_run *u)
{
	const struct opts *o = u->r->o;
	struct uring_slot *s = NULL;
	struct io_uring_sqe *sqe;
	unsigned int i;

	/* While stdout lags, no new requests. */
	if (u->busy >= uring_wanted(u) || out_full())
		return false;
	/* A WAIT needs the registration's id, which its submission writes. */
	if (o->period_ns && u->registered && !u->id)
		return false;
	for (i = 0; i < o->inflight; i++) {
		if (u->slots[i].state == SLOT_FREE) {
			s = &u->slots[i];
			break;
		}
	}
	/* The ring has room for every slot and the two polls. */
	sqe = s ? io_uring_get_sqe(&u->ring) : NULL;
	if (!sqe)
		return false;

	if (o->period_ns && u->registered) {
		memset(&s->wait, 0, sizeof(s->wait));
		s->wait.id = u->id;
		s->t0 = u->t0;
		s->cookie = u->cookie;
		s->is_wait = true;
		hwevent_uring_prep_wait(sqe, u->r->fd, &s->wait);
	} else {
		s->t0 = now_ns();
		s->cookie = ++u->cookie;
		s->is_wait = false;
		hwevent_register_init(&s->reg, HWEVENT_TYPE_REQUEST, o->due_ns,
				      o->period_ns, s->cookie);
		hwevent_uring_prep_register(sqe, u->r->fd, &s->reg);
		if (o->period_ns) {
			u->registered = true;
			u->t0 = s->t0;
		}
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(s - u->slots));
	s->state = SLOT_QUEUED;
	u->busy++;
	u->queued[u->nqueued++] = (uint64_t)(s - u->slots);
	return true;
}

/* Queue a poll of stdin or stdout if it is wanted and not there yet. */
static void uring_queue_poll(struct uring_run *u, uint64_t ud)
{
	bool in = ud == UD_STDIN;
	bool *armed = in ? &u->stdin_armed : &u->stdout_armed;
	struct io_uring_sqe *sqe;

	if (*armed || (in ? !input_watch(u->r) : !out_pending()))
		return;
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return;
	if (in)
		io_uring_prep_poll_add(sqe, STDIN_FILENO, POLLIN | POLLRDHUP);
	else
		io_uring_prep_poll_add(sqe, out_fd(), POLLOUT);
	io_uring_sqe_set_data64(sqe, ud);
	*armed = true;
	u->queued[u->nqueued++] = ud;
}

/* The first @n queued went to the kernel: in flight now. */
static void uring_submitted(struct uring_run *u, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (u->queued[i] < u->r->o->inflight) {
			u->slots[u->queued[i]].state = SLOT_INFLIGHT;
			u->inflight++;
		}
	}
	memmove(u->queued, u->queued + n,
		(u->nqueued - n) * sizeof(*u->queued));
	u->nqueued -= n;
}

/* What is only queued will never be submitted: free it. */
static void uring_unqueue(struct uring_run *u)
{
	for (unsigned int i = 0; i < u->nqueued; i++) {
		if (u->queued[i] == UD_STDIN) {
			u->stdin_armed = false;
		} else if (u->queued[i] == UD_STDOUT) {
			u->stdout_armed = false;
		} else {
			u->slots[u->queued[i]].state = SLOT_FREE;
			u->busy--;
		}
	}
	u->nqueued = 0;
}

/*
 * Fill the free slots with requests, the polls that are wanted, and
 * submit them.  0, also when the kernel asked to try again later
 * (u->refused then counts), or -1.
 */
static int uring_top_up(struct uring_run *u)
{
	unsigned int i;
	int ret;

	for (;;) {
		while (uring_queue_one(u))
			;
		uring_queue_poll(u, UD_STDIN);
		uring_queue_poll(u, UD_STDOUT);
		if (!u->nqueued)
			return 0;
		ret = io_uring_submit(&u->ring);
		if (ret == -EAGAIN || ret == -EBUSY) {
			/* Short of memory, or completions to reap first. */
			if (++u->refused < RETRY_MAX)
				return 0;
			warnx("cannot submit to io_uring: %s, %d times",
			      strerror(-ret), RETRY_MAX);
			uring_unqueue(u);
			return -1;
		}
		if (ret < 0) {
			warnx("cannot submit to io_uring: %s", strerror(-ret));
			uring_unqueue(u);
			return -1;
		}
		u->refused = 0;
		uring_submitted(u, (unsigned int)ret < u->nqueued ?
				(unsigned int)ret : u->nqueued);
		/*
		 * The driver wrote the REGISTER's id during the submission.
		 * Still 0 if it failed at once: its CQE then says why.
		 */
		if (!u->r->o->period_ns || u->id)
			return 0;
		for (i = 0; i < u->r->o->inflight; i++) {
			if (u->slots[i].state == SLOT_INFLIGHT &&
			    !u->slots[i].is_wait)
				u->id = u->slots[i].reg.id;
		}
		if (!u->id)
			return 0;
	}
}

/* A CQE, copied out of the ring to be sorted. */
struct uring_done {
	uint64_t idx;		/* slot, or UD_STDIN, UD_STDOUT */
	uint64_t seq;		/* of its event: the sort key */
	int res;
};

static struct uring_slot *uring_slot(struct uring_run *u, uint64_t idx)
{
	if (idx >= u->r->o->inflight ||
	    u->slots[idx].state != SLOT_INFLIGHT) {
		warnx("unexpected io_uring completion %" PRIu64, idx);
		return NULL;
	}
	return &u->slots[idx];
}

/* One completed request; 0, or -1 to fail the run. */
static int uring_complete(struct uring_run *u, uint64_t idx, int res)
{
	struct uring_slot *s = uring_slot(u, idx);
	struct hwevent_msg msg;

	if (!s)
		return -1;
	s->state = SLOT_FREE;
	u->busy--;
	u->inflight--;
	if (u->quitting || stopping())
		return 0;
	if (res < 0) {
		warnx("cannot %s: %s", s->is_wait ? "wait" : "register",
		      strerror(-res));
		return -1;
	}
	if (!s->is_wait && u->r->o->period_ns && !u->id)
		u->id = s->reg.id;
	msg = s->is_wait ? s->wait.msg : s->reg.msg;
	/* Every request in flight makes one event: none past the count. */
	if (!more(u->r))
		return 0;
	return event_msg(u->r, &msg, s->cookie, s->t0);
}

/* A completion of a poll of stdin or stdout. */
static int uring_polled(struct uring_run *u, uint64_t ud, int res)
{
	if (ud == UD_STDOUT) {
		u->stdout_armed = false;
		return res > 0 ? out_flush_ready() : 0;
	}
	u->stdin_armed = false;
	if (res > 0)
		input_ready(u->r, (short)res);
	else if (res < 0 && res != -ECANCELED)
		request_stop(STOP_ERROR);
	return 0;
}

/* Cancel what is in flight and reap it; the ring is unusable after. */
static void uring_cancel_all(struct uring_run *u)
{
	const struct opts *o = u->r->o;
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct io_uring_cqe *cqe;
	uint64_t deadline, ud;
	unsigned int i;
	int ret;

	u->quitting = true;
	/* Never submitted: nothing to wait for. */
	uring_unqueue(u);
	/* ENOENT: it fired meanwhile, and its CQE is on the way. */
	if (o->period_ns && u->id)
		hwevent_cancel(u->r->fd, u->id);
	for (i = 0; !o->period_ns && i < o->inflight; i++) {
		if (u->slots[i].state == SLOT_INFLIGHT && u->slots[i].reg.id)
			hwevent_cancel(u->r->fd, u->slots[i].reg.id);
	}

	deadline = now_ns() + CANCEL_TIMEOUT_MS * NS_PER_MS;
	while (u->inflight) {
		ret = io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
		if (ret == -EINTR)
			continue;
		if (ret == -ETIME && now_ns() < deadline)
			continue;
		if (ret) {
			warnx("%u io_uring requests did not complete: %s",
			      u->inflight, strerror(-ret));
			return;
		}
		ud = io_uring_cqe_get_data64(cqe);
		if (ud != UD_STDIN && ud != UD_STDOUT)
			uring_complete(u, ud, cqe->res);
		io_uring_cqe_seen(&u->ring, cqe);
	}
}

static int uring_done_cmp(const void *a, const void *b)
{
	const struct uring_done *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Take the CQEs that are there into @done, sorted: failures first, then
 * events in the order they fired (io_uring may post the completions of
 * one batch in another order), the polls last.  Returns how many.
 */
static unsigned int uring_reap(struct uring_run *u, struct uring_done *done)
{
	struct io_uring_cqe *cqe;
	struct uring_slot *s;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		/* At most one per slot and per poll: room for all. */
		if (n >= u->r->o->inflight + 2)
			break;
		done[n].idx = io_uring_cqe_get_data64(cqe);
		done[n].res = cqe->res;
		done[n].seq = 0;
		if (done[n].idx >= UD_STDOUT) {
			done[n].seq = UINT64_MAX;
		} else if (cqe->res >= 0 && done[n].idx < u->r->o->inflight) {
			s = &u->slots[done[n].idx];
			done[n].seq = s->is_wait ? s->wait.msg.seq :
				      s->reg.msg.seq;
		}
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	qsort(done, n, sizeof(*done), uring_done_cmp);
	return n;
}

int run_uring(struct run *r)
{
	const struct opts *o = r->o;
	struct uring_run u = { .r = r };
	struct __kernel_timespec retry = { .tv_nsec = RETRY_NS };
	struct uring_done *done;
	struct io_uring_cqe *cqe;
	sigset_t set, old;
	unsigned int i, n;
	int ret, status = 0;

	/* A slot for each request, one for each poll. */
	u.slots = calloc(o->inflight, sizeof(*u.slots));
	u.queued = calloc(o->inflight + 2, sizeof(*u.queued));
	done = calloc(o->inflight + 2, sizeof(*done));
	if (!u.slots || !u.queued || !done) {
		warn("cannot allocate %u requests", o->inflight);
		status = -1;
		goto out_free;
	}
	ret = io_uring_queue_init(o->inflight + 2, &u.ring, 0);
	if (ret) {
		warnx("cannot set up io_uring: %s", strerror(-ret));
		status = -1;
		goto out_free;
	}
	stop_signals(&set);
	block_signals(r, &set, &old);

	for (;;) {
		take_signals(r);
		if (!more(r))
			break;
		if (uring_top_up(&u)) {
			status = -1;
			break;
		}
		/* Refused with nothing to reap: wait a moment, not for ever. */
		ret = io_uring_wait_cqes(&u.ring, &cqe, 1,
					 u.refused && !u.inflight ? &retry :
					 NULL, &r->waitmask);
		if (ret == -EINTR || ret == -ETIME)
			continue;
		if (ret) {
			warnx("cannot wait for io_uring: %s", strerror(-ret));
			status = -1;
			break;
		}
		n = uring_reap(&u, done);
		for (i = 0; i < n; i++) {
			if (done[i].idx >= UD_STDOUT)
				ret = uring_polled(&u, done[i].idx,
						   done[i].res);
			else
				ret = uring_complete(&u, done[i].idx,
						     done[i].res);
			if (ret) {
				/* The rest only free their slots. */
				status = -1;
				u.quitting = true;
			}
		}
		if (status)
			break;
	}

	uring_cancel_all(&u);
	/* Also cancels the polls. */
	io_uring_queue_exit(&u.ring);
	sigprocmask(SIG_SETMASK, &old, NULL);
out_free:
	free(u.slots);
	free(u.queued);
	free(done);
	return status;
}
