// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench phase 2, throughput.  A periodic registration at rising rates
 * (1k ... 100k events/s) for a fixed time; the highest rate each model
 * sustains without loss, next to a periodic timerfd's.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <liburing.h>

#include "hwbench.h"
#include "libhwevent-uring.h"

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

static void throughput_run(void)
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

static void throughput_json(FILE *f)
{
	if (!tp_models[0].nr_runs) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"seconds_per_rate\": %.3f, \"max_attempts_per_rate\": %d, "
		"\"tolerance\": %.3f, \"floor\": \"timerfd\", \"rates\": [",
		(double)opt.tp_dur_ns / NS_PER_SEC, TP_ATTEMPTS, TP_TOLERANCE);
	for (int k = 0; k < NR_RATES; k++)
		fprintf(f, "%s%" PRIu64, k ? ", " : "", tp_rates[k]);
	fprintf(f, "], \"models\": [\n");
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
				", \"pass_within_tolerance\": %s, \"count_ok\": %s"
				", \"missed\": %" PRIu64 ", \"events\": %" PRIu64
				", \"wakes\": %" PRIu64 ", \"expected\": %" PRIu64 ", \"lost\": %" PRIu64
				", \"gaps\": %" PRIu64 ", \"coalesced_wakes\": %" PRIu64
				", \"device_lost_delta\": %" PRIu64 ", \"error\": ",
				r->rate, r->attempt, r->pass ? "true" : "false",
				r->pass_tol ? "true" : "false",
				r->count_ok ? "true" : "false", r->missed,
				r->events, r->wakes, r->expected, r->lost, r->gaps,
				r->coalesced, r->overruns);
			json_err(f, r->err);
			fprintf(f, "}%s\n", i + 1 < tm->nr_runs ? "," : "");
		}
		fprintf(f, "  ]}%s\n", m + 1 < NR_TP ? "," : "");
	}
	fprintf(f, " ]}");
}

/* throughput.dat for plot.gp. */
static void throughput_dat(void)
{
	FILE *f;

	if (!tp_models[0].nr_runs)
		return;
	f = out_file("throughput.dat");
	fprintf(f, "# index model sustained_per_s sustained_within_tolerance_per_s\n");
	for (int m = 0; m < NR_TP; m++)
		fprintf(f, "%d %s %" PRIu64 " %" PRIu64 "\n", m,
			tp_models[m].name, tp_models[m].sustained,
			tp_models[m].sustained_tol);
	fclose(f);
}

const struct phase phase_throughput = {
	.name = "throughput",
	.run = throughput_run,
	.json = throughput_json,
	.dat = throughput_dat,
};
