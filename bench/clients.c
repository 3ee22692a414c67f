// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench phase 4, concurrent clients.  1 ... 64 threads, each with its
 * own open file, each doing register + wait cycles; notifications/s and
 * latency, next to as many threads doing the same with their own
 * timerfd.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hwbench.h"

static const unsigned int client_counts[] = { 1, 2, 4, 8, 16, 32, 64 };
static const unsigned int client_counts_quick[] = { 1, 4, 16, 64 };
#define MAX_CLIENT_LEVELS 7

struct client {
	pthread_t thread;
	bool floor;		/* timerfd instead of hwevent */
	pthread_barrier_t *start;
	atomic_bool *stop;
	uint64_t *t_stop;
	uint64_t rng;
	int64_t *lat;
	size_t n, cap;
	int err;
};

static void *client_main(void *arg)
{
	struct client *cl = arg;
	int fd;

	set_slack();
	fd = cl->floor ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) :
			 hwevent_open(0);
	if (fd < 0)
		cl->err = cl->floor ? -errno : fd;
	pthread_barrier_wait(cl->start);
	while (!cl->err && !atomic_load(cl->stop) && cl->n < cl->cap) {
		uint64_t due = rng_due(&cl->rng), t0, wake, v;
		int ret = 0;

		if (cl->floor) {
			struct itimerspec its = { .it_value = ns_to_timespec(due) };

			t0 = now_ns();
			if (timerfd_settime(fd, 0, &its, NULL) ||
			    read(fd, &v, sizeof(v)) != sizeof(v))
				ret = -errno;
		} else {
			struct hwevent_register reg;

			hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, due, 0, 1);
			t0 = now_ns();
			ret = hwevent_register(fd, &reg);
		}
		wake = now_ns();
		if (ret) {
			cl->err = ret;
			break;
		}
		/* Count only what was notified within the measured time. */
		if (atomic_load(cl->stop) && wake > *cl->t_stop)
			break;
		cl->lat[cl->n++] = (int64_t)(wake - (t0 + due));
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

struct client_result {
	unsigned int clients;
	double rate;		/* notifications per second */
	struct dist lat;
	int err;
};

static struct {
	struct client_result hw[MAX_CLIENT_LEVELS], tfd[MAX_CLIENT_LEVELS];
	int nr;
} cr;

static struct client_result run_clients(unsigned int nc, bool floor)
{
	struct client_result res = { .clients = nc };
	struct client *cl = xcalloc(nc, sizeof(*cl));
	pthread_barrier_t start;
	atomic_bool stop = false;
	uint64_t t_start, t_stop = UINT64_MAX;
	size_t cap = opt.cl_dur_ns / DUE_MIN_NS + 16, total = 0;
	int64_t *all;
	pthread_attr_t attr;
	cpu_set_t any;

	/* The clients may run on any CPU, whatever the main thread's pinning. */
	CPU_ZERO(&any);
	for (int i = 0; i < env.cpus; i++)
		CPU_SET(i, &any);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(any), &any);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_barrier_init(&start, NULL, nc + 1);
	for (unsigned int i = 0; i < nc; i++) {
		cl[i] = (struct client){
			.floor = floor, .start = &start, .stop = &stop,
			.t_stop = &t_stop, .rng = opt.seed * 7919 + i + 1,
			.lat = xcalloc(cap, sizeof(int64_t)), .cap = cap,
		};
		if (pthread_create(&cl[i].thread, &attr, client_main, &cl[i]))
			errx(1, "pthread_create: %s", strerror(errno));
	}
	pthread_barrier_wait(&start);
	t_start = now_ns();
	sleep_ns(opt.cl_dur_ns);
	t_stop = now_ns();
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < nc; i++) {
		pthread_join(cl[i].thread, NULL);
		total += cl[i].n;
		if (cl[i].err && !res.err)
			res.err = cl[i].err;
	}
	all = xcalloc(total, sizeof(int64_t));
	total = 0;
	for (unsigned int i = 0; i < nc; i++) {
		memcpy(all + total, cl[i].lat, cl[i].n * sizeof(int64_t));
		total += cl[i].n;
		free(cl[i].lat);
	}
	res.rate = (double)total * NS_PER_SEC / (double)(t_stop - t_start);
	res.lat = dist_of(all, total);
	free(all);
	free(cl);
	pthread_barrier_destroy(&start);
	pthread_attr_destroy(&attr);
	return res;
}

static void clients_run(void)
{
	const unsigned int *counts = opt.quick ? client_counts_quick : client_counts;
	int nr = opt.quick ? 4 : 7;

	warnx("clients: %d levels, %.2f s each, hwevent then timerfd", nr,
	     (double)opt.cl_dur_ns / NS_PER_SEC);
	for (int i = 0; i < nr; i++) {
		cr.hw[i] = run_clients(counts[i], false);
		cr.tfd[i] = run_clients(counts[i], true);
		cr.nr = i + 1;
		warnx("clients: %2u: hwevent %.0f/s p99 %.1f us, timerfd %.0f/s p99 %.1f us",
		     counts[i], cr.hw[i].rate, us(cr.hw[i].lat.p99),
		     cr.tfd[i].rate, us(cr.tfd[i].lat.p99));
	}
}

static void clients_json(FILE *f)
{
	if (!cr.nr) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"seconds_per_level\": %.3f, \"floor\": \"timerfd per thread\", \"levels\": [\n",
		(double)opt.cl_dur_ns / NS_PER_SEC);
	for (int i = 0; i < cr.nr; i++) {
		fprintf(f, "  {\"clients\": %u, \"hwevent_per_s\": %.3f, \"timerfd_per_s\": %.3f, "
			"\"ratio_rate\": %.3f, \"ratio_p99\": %.3f, \"hwevent_error\": ",
			cr.hw[i].clients, cr.hw[i].rate, cr.tfd[i].rate,
			ratio(cr.hw[i].rate, cr.tfd[i].rate),
			ratio(cr.hw[i].lat.p99, cr.tfd[i].lat.p99));
		json_err(f, cr.hw[i].err);
		fprintf(f, ", \"timerfd_error\": ");
		json_err(f, cr.tfd[i].err);
		fprintf(f, ",\n   ");
		json_dist(f, "hwevent_wake_minus_due", &cr.hw[i].lat, true);
		fprintf(f, "\n   ");
		json_dist(f, "timerfd_wake_minus_due", &cr.tfd[i].lat, false);
		fprintf(f, "}%s\n", i + 1 < cr.nr ? "," : "");
	}
	fprintf(f, " ]}");
}

/* clients.dat for plot.gp. */
static void clients_dat(void)
{
	FILE *f;

	if (!cr.nr)
		return;
	f = out_file("clients.dat");
	fprintf(f, "# clients hw_rate hw_p50_us hw_p99_us tfd_rate tfd_p50_us tfd_p99_us\n");
	for (int i = 0; i < cr.nr; i++)
		fprintf(f, "%u %.1f %.3f %.3f %.1f %.3f %.3f\n",
			cr.hw[i].clients, cr.hw[i].rate,
			us(cr.hw[i].lat.p50), us(cr.hw[i].lat.p99),
			cr.tfd[i].rate, us(cr.tfd[i].lat.p50),
			us(cr.tfd[i].lat.p99));
	fclose(f);
}

const struct phase phase_clients = {
	.name = "clients",
	.run = clients_run,
	.json = clients_json,
	.dat = clients_dat,
};
