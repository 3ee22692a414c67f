// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench: latency, throughput and scaling of every hwevent notification
 * model, each next to the kernel's own floor measured in the same run.
 *
 * It runs where the module is loaded (the test VM: see run-bench.sh and
 * bench/guest.sh) and writes into its output folder:
 *
 *   results.json      every figure, machine-readable (times in ns);
 *                     bench/report.py makes results.md, the tables, of it
 *   lat-<model>.dat   the sorted wake-minus-due latencies of each model
 *                     (us, CDF, 1-CDF), for bench/plot.gp
 *   scaling.dat, clients.dat, throughput.dat, models.txt   for the plot
 *
 * Four phases, one file each (hwbench.h): latency.c, throughput.c,
 * scaling.c, clients.c.  This file: the options, the environment, and
 * results.json.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hwbench.h"
#include "module.h"
#include "parse.h"
#include "textfile.h"

struct bench_opts opt = {
	.out = "build/bench",
	.pin_cpu = -2,		/* -2: the last CPU */
	.seed = 1,
};
struct bench_env env;

/* The phases, in the order they run. */
static const struct phase *const phases[] = {
	&phase_latency, &phase_throughput, &phase_scaling, &phase_clients,
};
#define NR_PHASES	(sizeof(phases) / sizeof(phases[0]))

/* Seconds each phase ran, and all of them. */
static double elapsed[NR_PHASES], elapsed_total;

static void read_env(void)
{
	struct utsname u;
	char path[PATH_MAX], buf[4096];

	uname(&u);
	snprintf(env.kernel, sizeof(env.kernel), "%s", u.release);
	env.cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!read_text("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		       buf, sizeof(buf))) {
		chomp(buf);
		scopy(env.clocksource, sizeof(env.clocksource), buf);
	}
	if (!read_text("/proc/cmdline", buf, sizeof(buf))) {
		chomp(buf);
		scopy(env.cmdline, sizeof(env.cmdline), buf);
	}
	/* The last slub_debug= on the command line wins; "-" turns it off. */
	{
		const char *p = env.cmdline, *last = NULL;

		while ((p = strstr(p, "slub_debug"))) {
			last = p;
			p++;
		}
		env.slub_debug = last && strncmp(last, "slub_debug=-", 12) != 0;
	}
	/* With the hpet clocksource each read is a trip to the emulator. */
	{
		uint64_t t0 = now_ns();

		for (int i = 0; i < 1000; i++)
			now_ns();
		env.clock_read_ns = (double)(now_ns() - t0) / 1001;
	}
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	{
		FILE *f = fopen(path, "r");

		if (f) {
			while (fgets(buf, sizeof(buf), f))
				if (!strncmp(buf, "CONFIG_HZ=", 10))
					env.hz = atoi(buf + 10);
			fclose(f);
		}
	}
}

static void write_json(void)
{
	FILE *f = out_file("results.json");

	fprintf(f, "{\n\"tool\": \"hwbench\", \"format\": 3, \"mode\": \"%s\",\n",
		opt.quick ? "quick" : "full");
	fprintf(f, "\"units\": \"ns of CLOCK_MONOTONIC in the emulated VM unless named otherwise\",\n");
	fprintf(f, "\"env\": {\"kernel\": ");
	json_str(f, env.kernel);
	fprintf(f, ", \"cpus\": %d, \"clocksource\": ", env.cpus);
	json_str(f, env.clocksource);
	fprintf(f, ", \"hz\": %d, \"clock_read_ns\": %.3f, \"cmdline\": ",
		env.hz, env.clock_read_ns);
	json_str(f, env.cmdline);
	fprintf(f, ", \"slub_debug\": %s, \"timer_slack_ns\": %" PRIu64
		", \"pinned_cpu\": %d, \"seed\": %" PRIu64 "},\n",
		env.slub_debug ? "true" : "false", env.slack_ns, opt.pin_cpu,
		opt.seed);
	fprintf(f, "\"elapsed_s\": {");
	for (size_t i = 0; i < NR_PHASES; i++)
		fprintf(f, "\"%s\": %.3f, ", phases[i]->name, elapsed[i]);
	fprintf(f, "\"total\": %.3f},\n", elapsed_total);
	for (size_t i = 0; i < NR_PHASES; i++) {
		fprintf(f, "\"%s\": ", phases[i]->name);
		phases[i]->json(f);
		fprintf(f, ",\n");
	}
	fprintf(f, "\"targets\": ");
	json_targets(f);
	fprintf(f, "\n}\n");
	fclose(f);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("hwbench: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr,
		"usage: hwbench [--quick] [--out DIR] [--n N] [--pin CPU|-1] [--seed S]\n"
		"               [--phases latency,throughput,scaling,clients]\n"
		"       hwbench [--out DIR] [--seed S] --pool RUN --pool RUN ...\n"
		"Runs where the hwevent module is loaded (the test VM: run-bench.sh).\n"
		"--pool: the latency phase from the lat-raw.dat of earlier runs\n"
		"(fresh VM boots, each its own folder), measuring nothing.\n");
	exit(2);
}

/* --n, --seed: a positive decimal number, digits only, of @max at most. */
static uint64_t parse_positive(const char *opt_name, const char *s,
			       uint64_t max)
{
	uint64_t v;

	if (parse_count(s, &v) || v > max)
		usage("invalid %s: '%s' (1 to %" PRIu64 ")", opt_name, s, max);
	return v;
}

/* --pin: -1 (no pinning) or a CPU number, checked against the CPUs once
 * they are known. */
static int parse_pin(const char *s)
{
	uint64_t v;

	if (!strcmp(s, "-1"))
		return -1;
	if (!strcmp(s, "0"))
		return 0;
	if (parse_count(s, &v) || v >= CPU_SETSIZE)
		usage("invalid --pin: '%s' (a CPU number, or -1)", s);
	return (int)v;
}

/* --phases: names of the table, comma-separated, each once at most. */
static unsigned int parse_phases(const char *s)
{
	unsigned int mask = 0;
	const char *p = s;
	size_t i, len;

	for (;;) {
		len = strcspn(p, ",");
		for (i = 0; i < NR_PHASES; i++) {
			if (strlen(phases[i]->name) == len &&
			    !strncmp(p, phases[i]->name, len))
				break;
		}
		if (i == NR_PHASES || (mask & (1U << i)))
			usage("invalid --phases: '%s'", s);
		mask |= 1U << i;
		if (!p[len])
			return mask;
		p += len + 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' },
		{ "n", required_argument, NULL, 'n' },
		{ "pin", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "phases", required_argument, NULL, 'P' },
		{ "pool", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned int n_arg = 0, run_mask = (1U << NR_PHASES) - 1;
	uint64_t t_all, t;
	sigset_t sigio;
	int c;

	while ((c = getopt_long(argc, argv, "qo:n:p:s:P:L:h", lo, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = true;
			break;
		case 'o':
			if (!*optarg)
				usage("invalid --out: ''");
			opt.out = optarg;
			break;
		case 'n':
			n_arg = (unsigned int)parse_positive("--n", optarg,
							     10000000);
			break;
		case 'p':
			opt.pin_cpu = parse_pin(optarg);
			break;
		case 's':
			/* Odd: xorshift's state must not be 0. */
			opt.seed = parse_positive("--seed", optarg,
						  UINT64_MAX) | 1;
			break;
		case 'P':
			run_mask = parse_phases(optarg);
			break;
		case 'L':
			if (opt.npool == MAX_POOL)
				usage("more than %d --pool runs", MAX_POOL);
			opt.pool[opt.npool++] = optarg;
			break;
		case 'h':
			usage(NULL);
		default:
			/* getopt_long() already said what was wrong. */
			usage(NULL);
		}
	}
	if (optind != argc)
		usage("unexpected argument: '%s'", argv[optind]);
	if (opt.quick) {
		opt.n = 150;
		opt.tp_dur_ns = 200 * NS_PER_MS;
		opt.scale_cycles = 200;
		opt.cl_dur_ns = 300 * NS_PER_MS;
	} else {
		opt.n = 3000;
		opt.tp_dur_ns = NS_PER_SEC;
		opt.scale_cycles = 2000;
		opt.cl_dur_ns = 2 * NS_PER_SEC;
	}
	if (n_arg)
		opt.n = n_arg;
	if (mkdir(opt.out, 0755) && errno != EEXIST)
		errx(1, "mkdir %s: %s", opt.out, strerror(errno));

	/*
	 * SIGIO and SIGRTMIN blocked in every thread (threads inherit the
	 * mask): the queue-sigio and timer-signal models collect them with
	 * sigwaitinfo(), and no other thread takes them instead.
	 */
	sigemptyset(&sigio);
	sigaddset(&sigio, SIGIO);
	sigaddset(&sigio, SIGRTMIN);
	pthread_sigmask(SIG_BLOCK, &sigio, NULL);

	if (opt.npool) {
		if (opt.npool < 2)
			usage("--pool needs two runs or more");
		run_mask = 1U << 0;	/* phases[0]: latency, from the runs */
	} else if (device_wait_node(5000))
		errx(1, "%s is not there: load the module first (insmod build/hwevent.ko)",
		     HWEVENT_DEV_PATH);
	read_env();
	if (opt.pin_cpu == -2)
		opt.pin_cpu = env.cpus - 1;
	if (opt.pin_cpu >= env.cpus)
		errx(2, "--pin %d: there are CPUs 0 to %d", opt.pin_cpu,
		     env.cpus - 1);
	env.slack_ns = set_slack();
	pin_self(opt.pin_cpu);
	warnx("kernel %s, %d CPUs, clocksource %s, slack %" PRIu64 " ns, pinned to CPU %d, %s mode",
	      env.kernel, env.cpus, env.clocksource, env.slack_ns, opt.pin_cpu,
	      opt.quick ? "quick" : "full");

	t_all = now_ns();
	for (size_t i = 0; i < NR_PHASES; i++) {
		if (!(run_mask & (1U << i)))
			continue;
		t = now_ns();
		phases[i]->run();
		elapsed[i] = (double)(now_ns() - t) / NS_PER_SEC;
	}
	elapsed_total = (double)(now_ns() - t_all) / NS_PER_SEC;

	for (size_t i = 0; i < NR_PHASES; i++) {
		if (phases[i]->targets)
			phases[i]->targets();
	}
	write_json();
	for (size_t i = 0; i < NR_PHASES; i++)
		phases[i]->dat();
	warnx("done in %.0f s: %s/results.json", elapsed_total, opt.out);
	return 0;
}
