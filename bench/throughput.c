// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench phase 2, throughput.  Every model driven by one periodic
 * registration, at 1 kHz and at saturation (the smallest period the
 * driver takes, 10 us: 100 kHz), each run TP_REPEATS times, in a fresh
 * random order of (model, rate) every repeat, next to a periodic
 * timerfd.  Reported per model and rate, as medians over the repeats:
 *
 *  - delivered events per second: what the application got, counts
 *    included (a timerfd or eventfd read of 5 is 5 events);
 *  - the guest's CPU time per delivered event: busy time of all CPUs from
 *    /proc/stat over the runs, divided by their events (summed over the
 *    repeats: /proc/stat counts clock ticks);
 *  - the share of events on time, by one rule for every model: event k
 *    (the k-th period after the arming call at t_arm) is late when
 *    wake - (t_arm + k * period) > TP_LATE_NS, and an event the model
 *    dropped (a queue's or a request's lost count) is never on time.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <liburing.h>

#include "hwbench.h"
#include "libhwevent-uring.h"

static const uint64_t tp_rates[] = { 1000, 100000 };
#define NR_RATES ((int)(sizeof(tp_rates) / sizeof(tp_rates[0])))
#define TP_REPEATS_MAX	10
#define TP_LATE_NS	NS_PER_MS
/* io_uring: WAIT commands kept in flight. */
#define TP_URING_DEPTH 8

/* One run: what the application saw, and what it cost. */
struct tp_run {
	uint64_t t_arm, period;
	uint64_t k;		/* periods accounted: delivered + dropped */
	uint64_t events;	/* delivered */
	uint64_t dropped;	/* reported lost by the driver */
	uint64_t late;		/* delivered later than TP_LATE_NS */
	uint64_t wakes;
	uint64_t expected;	/* periods by the clock, arm to stop */
	uint64_t busy_ns;	/* guest CPU busy time over the run */
	uint64_t elapsed_ns;
	int err;
};

/*
 * @n events delivered at @wake, after @dropped the driver dropped: they
 * are periods k+dropped+1 ... k+dropped+n; those due before wake - late
 * bound are late.
 */
static void tp_account(struct tp_run *r, uint64_t wake, uint64_t dropped,
		       uint64_t n)
{
	uint64_t first = r->k + dropped + 1, on_time_from;

	r->dropped += dropped;
	r->events += n;
	r->k += dropped + n;
	/* Periods k with t_arm + k * period >= wake - TP_LATE_NS are on time. */
	if (wake < r->t_arm + TP_LATE_NS)
		return;
	on_time_from = (wake - TP_LATE_NS - r->t_arm + r->period - 1) /
		       r->period;
	if (on_time_from > first)
		r->late += (on_time_from < first + n ? on_time_from : first + n) -
			   first;
}

static int tp_timerfd(struct tp_run *r, uint64_t dur)
{
	struct itimerspec its = {
		.it_value = ns_to_timespec(r->period),
		.it_interval = ns_to_timespec(r->period),
	};
	struct itimerspec off = { 0 };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	uint64_t end, v;
	int ret = 0;

	if (tfd < 0)
		return -errno;
	r->t_arm = now_ns();
	end = r->t_arm + dur;
	timerfd_settime(tfd, 0, &its, NULL);
	while (now_ns() < end) {
		if (read(tfd, &v, sizeof(v)) != sizeof(v)) {
			ret = -errno;
			break;
		}
		tp_account(r, now_ns(), 0, v);
		r->wakes++;
	}
	timerfd_settime(tfd, 0, &off, NULL);
	r->expected = (now_ns() - r->t_arm) / r->period;
	close(tfd);
	return ret;
}

static int tp_eventfd(struct tp_run *r, uint64_t dur)
{
	struct hwevent_register reg;
	int hfd = hwevent_open(0), efd = eventfd(0, EFD_CLOEXEC);
	uint64_t end, v;
	int ret;

	if (hfd < 0 || efd < 0) {
		ret = hfd < 0 ? hfd : -errno;
		goto out;
	}
	hwevent_register_init(&reg, HWEVENT_TYPE_EVENTFD, r->period, r->period,
			      1);
	reg.eventfd = efd;
	r->t_arm = now_ns();
	end = r->t_arm + dur;
	ret = hwevent_register(hfd, &reg);
	while (!ret && now_ns() < end) {
		if (read(efd, &v, sizeof(v)) != sizeof(v)) {
			ret = -errno;
			break;
		}
		tp_account(r, now_ns(), 0, v);
		r->wakes++;
	}
	if (!ret)
		ret = hwevent_cancel(hfd, reg.id);
	r->expected = (now_ns() - r->t_arm) / r->period;
out:
	if (efd >= 0)
		close(efd);
	if (hfd >= 0)
		close(hfd);
	return ret;
}

static int tp_queue(struct tp_run *r, uint64_t dur)
{
	struct hwevent_msg msgs[64];
	uint64_t end, id = 0;
	int hfd = hwevent_open(0), n, ret;

	if (hfd < 0)
		return hfd;
	r->t_arm = now_ns();
	end = r->t_arm + dur;
	ret = hwevent_register_queue(hfd, r->period, r->period, 1, &id);
	while (!ret && now_ns() < end) {
		uint64_t wake;

		n = hwevent_read_msgs(hfd, msgs, 64);
		wake = now_ns();
		if (n < 0) {
			ret = n;
			break;
		}
		for (int i = 0; i < n; i++)
			tp_account(r, wake, msgs[i].lost, 1);
		r->wakes++;
	}
	if (!ret)
		ret = hwevent_cancel(hfd, id);
	r->expected = (now_ns() - r->t_arm) / r->period;
	close(hfd);
	return ret;
}

static int tp_request_wait(struct tp_run *r, uint64_t dur)
{
	struct hwevent_register reg;
	struct hwevent_msg m;
	uint64_t end;
	int hfd = hwevent_open(0), ret;

	if (hfd < 0)
		return hfd;
	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, r->period, r->period,
			      1);
	r->t_arm = now_ns();
	end = r->t_arm + dur;
	ret = hwevent_register(hfd, &reg);	/* returns at the first firing */
	if (!ret) {
		tp_account(r, now_ns(), reg.msg.lost, 1);
		r->wakes++;
	}
	while (!ret && now_ns() < end) {
		ret = hwevent_wait(hfd, reg.id, &m);
		if (!ret) {
			tp_account(r, now_ns(), m.lost, 1);
			r->wakes++;
		}
	}
	if (!ret)
		ret = hwevent_cancel(hfd, reg.id);
	r->expected = (now_ns() - r->t_arm) / r->period;
	close(hfd);
	return ret;
}

/* Queue WAIT number @slot of the io_uring model. */
static void tp_uring_wait(struct io_uring *ring, int hfd,
			  struct hwevent_wait *w, uint64_t id, uint64_t slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	memset(w, 0, sizeof(*w));
	w->id = id;
	hwevent_uring_prep_wait(sqe, hfd, w);
	io_uring_sqe_set_data64(sqe, slot);
}

static int tp_request_uring(struct tp_run *r, uint64_t dur)
{
	struct hwevent_wait waits[TP_URING_DEPTH];
	struct hwevent_register reg;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint64_t end;
	int hfd = hwevent_open(0), ret, inflight;
	bool stopping = false;

	if (hfd < 0)
		return hfd;
	ret = io_uring_queue_init(2 * TP_URING_DEPTH, &ring, 0);
	if (ret) {
		close(hfd);
		return ret;
	}
	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, r->period, r->period,
			      1);
	sqe = io_uring_get_sqe(&ring);
	hwevent_uring_prep_register(sqe, hfd, &reg);
	io_uring_sqe_set_data64(sqe, TP_URING_DEPTH);
	r->t_arm = now_ns();
	end = r->t_arm + dur;
	/* The driver wrote reg.id at submission: the WAITs can name it. */
	ret = io_uring_submit(&ring);
	if (ret != 1) {
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	for (int i = 0; i < TP_URING_DEPTH; i++)
		tp_uring_wait(&ring, hfd, &waits[i], reg.id, i);
	ret = io_uring_submit(&ring);
	if (ret != TP_URING_DEPTH) {
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	inflight = TP_URING_DEPTH + 1;
	ret = 0;
	while (inflight) {
		unsigned int head, seen = 0, resubmit = 0;
		uint64_t wake;
		int w;

		if (!stopping && now_ns() >= end) {
			/* The pending WAITs complete with ECANCELED. */
			stopping = true;
			ret = hwevent_cancel(hfd, reg.id);
			r->expected = (now_ns() - r->t_arm) / r->period;
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
		wake = now_ns();
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
				ret = ret ?: cqe->res;
				continue;
			}
			tp_account(r, wake, m->lost, 1);
			if (!stopping && slot < TP_URING_DEPTH) {
				tp_uring_wait(&ring, hfd, &waits[slot], reg.id,
					      slot);
				resubmit++;
			}
		}
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
	return ret;
}

struct tp_model {
	const char *name;
	const char *desc;
	int (*fn)(struct tp_run *r, uint64_t dur);
	struct tp_run runs[NR_RATES][TP_REPEATS_MAX];
	int nr_runs[NR_RATES];
};

static struct tp_model tp_models[] = {
	{ .name = "timerfd", .desc = "timerfd with it_interval, read()",
	  .fn = tp_timerfd },
	{ .name = "eventfd", .desc = "EVENTFD periodic, read() on the eventfd",
	  .fn = tp_eventfd },
	{ .name = "queue", .desc = "QUEUE periodic, read() up to 64 records",
	  .fn = tp_queue },
	{ .name = "request-wait", .desc = "REQUEST periodic, HWEVENT_IOC_WAIT in a loop",
	  .fn = tp_request_wait },
	{ .name = "request-uring", .desc = "REQUEST periodic, io_uring WAIT, 8 in flight",
	  .fn = tp_request_uring },
};
#define NR_TP ((int)(sizeof(tp_models) / sizeof(tp_models[0])))

static int tp_repeats(void)
{
	return opt.quick ? 3 : TP_REPEATS_MAX;
}

/* Busy time of all CPUs so far, from the "cpu" line of /proc/stat. */
static uint64_t cpu_busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);
	int n;

	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8 || hz <= 0)
		return 0;
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (NS_PER_SEC /
							  (uint64_t)hz);
}

static void throughput_run(void)
{
	int order[NR_TP * NR_RATES], reps = tp_repeats();
	uint64_t rng = opt.seed ^ 0x7470, b0;

	for (int i = 0; i < NR_TP * NR_RATES; i++)
		order[i] = i;
	warnx("throughput: %d models at %d rates, %.2f s each, %d repeats in random order",
	      NR_TP, NR_RATES, (double)opt.tp_dur_ns / NS_PER_SEC, reps);
	for (int rep = 0; rep < reps; rep++) {
		shuffle(order, NR_TP * NR_RATES, &rng);
		for (int i = 0; i < NR_TP * NR_RATES; i++) {
			struct tp_model *tm = &tp_models[order[i] / NR_RATES];
			int k = order[i] % NR_RATES;
			struct tp_run *r = &tm->runs[k][tm->nr_runs[k]++];
			uint64_t t0;

			r->period = NS_PER_SEC / tp_rates[k];
			/* Let the reap work and the emulator settle. */
			sleep_ns(50 * NS_PER_MS);
			b0 = cpu_busy_ns();
			t0 = now_ns();
			r->err = tm->fn(r, opt.tp_dur_ns);
			r->elapsed_ns = now_ns() - t0;
			r->busy_ns = cpu_busy_ns() - b0;
			if (r->err)
				warnx("throughput: %s at %" PRIu64 "/s: %s",
				      tm->name, tp_rates[k], strerror(-r->err));
		}
		warnx("throughput: repeat %d/%d", rep + 1, reps);
	}
}

/* The median of @what over the runs of @tm at rate @k that did not fail. */
static double tp_median(const struct tp_model *tm, int k,
			double (*what)(const struct tp_run *r))
{
	double v[TP_REPEATS_MAX];
	int n = 0;

	for (int i = 0; i < tm->nr_runs[k]; i++)
		if (!tm->runs[k][i].err)
			v[n++] = what(&tm->runs[k][i]);
	return median_of(v, n);
}

static double events_per_s(const struct tp_run *r)
{
	return (double)r->events * NS_PER_SEC / (double)r->elapsed_ns;
}

static double wakes_per_s(const struct tp_run *r)
{
	return (double)r->wakes * NS_PER_SEC / (double)r->elapsed_ns;
}

/*
 * CPU time per event over all the runs of @tm at rate @k together: a
 * run's busy time is counted in clock ticks (USER_HZ), too coarse for
 * one run at 1 kHz.
 */
static double tp_cpu_ns_per_event(const struct tp_model *tm, int k)
{
	uint64_t busy = 0, events = 0;

	for (int i = 0; i < tm->nr_runs[k]; i++)
		if (!tm->runs[k][i].err) {
			busy += tm->runs[k][i].busy_ns;
			events += tm->runs[k][i].events;
		}
	return events ? (double)busy / (double)events : 0;
}

/* Of the periods accounted (delivered or dropped), the share on time. */
static double on_time_share(const struct tp_run *r)
{
	uint64_t all = r->events + r->dropped;

	return all ? (double)(r->events - r->late) / (double)all : 0;
}

static double dropped_share(const struct tp_run *r)
{
	uint64_t all = r->events + r->dropped;

	return all ? (double)r->dropped / (double)all : 0;
}

static void throughput_json(FILE *f)
{
	if (!tp_models[0].nr_runs[0]) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"seconds_per_run\": %.3f, \"repeats\": %d, \"late_ns\": %" PRIu64
		", \"floor\": \"timerfd\", \"rates\": [",
		(double)opt.tp_dur_ns / NS_PER_SEC, tp_repeats(),
		(uint64_t)TP_LATE_NS);
	for (int k = 0; k < NR_RATES; k++)
		fprintf(f, "%s%" PRIu64, k ? ", " : "", tp_rates[k]);
	fprintf(f, "], \"models\": [\n");
	for (int m = 0; m < NR_TP; m++) {
		const struct tp_model *tm = &tp_models[m];

		fprintf(f, "  {\"name\": \"%s\", \"description\": ", tm->name);
		json_str(f, tm->desc);
		fprintf(f, ", \"at\": [\n");
		for (int k = 0; k < NR_RATES; k++) {
			int errs = 0, first_err = 0;

			for (int i = 0; i < tm->nr_runs[k]; i++)
				if (tm->runs[k][i].err && !errs++)
					first_err = tm->runs[k][i].err;
			fprintf(f, "   {\"rate\": %" PRIu64 ", \"runs\": %d, \"failed\": %d"
				", \"events_per_s\": %.1f, \"wakes_per_s\": %.1f"
				", \"cpu_ns_per_event\": %.1f, \"on_time_share\": %.5f"
				", \"dropped_share\": %.5f, \"error\": ",
				tp_rates[k], tm->nr_runs[k], errs,
				tp_median(tm, k, events_per_s),
				tp_median(tm, k, wakes_per_s),
				tp_cpu_ns_per_event(tm, k),
				tp_median(tm, k, on_time_share),
				tp_median(tm, k, dropped_share));
			json_err(f, first_err);
			fprintf(f, "}%s\n", k + 1 < NR_RATES ? "," : "");
		}
		fprintf(f, "  ]}%s\n", m + 1 < NR_TP ? "," : "");
	}
	fprintf(f, " ]}");
}

/* throughput.dat for plot.gp. */
static void throughput_dat(void)
{
	FILE *f;

	if (!tp_models[0].nr_runs[0])
		return;
	f = out_file("throughput.dat");
	fprintf(f, "# index model rate events_per_s cpu_ns_per_event on_time_share (medians)\n");
	for (int m = 0; m < NR_TP; m++)
		for (int k = 0; k < NR_RATES; k++)
			fprintf(f, "%d %s %" PRIu64 " %.1f %.1f %.5f\n", m,
				tp_models[m].name, tp_rates[k],
				tp_median(&tp_models[m], k, events_per_s),
				tp_cpu_ns_per_event(&tp_models[m], k),
				tp_median(&tp_models[m], k, on_time_share));
	fclose(f);
}

const struct phase phase_throughput = {
	.name = "throughput",
	.run = throughput_run,
	.json = throughput_json,
	.dat = throughput_dat,
};
