// SPDX-License-Identifier: GPL-2.0
/*
 * event: the test application of hwevent, after the "event" program of
 * Microsoft's Hardware Event Sample.
 *
 *   event [--count N] [--period SECONDS] [--inflight N] <delay> <type>
 *
 * Registers for a (simulated) hardware event due in <delay> seconds, waits
 * for it, prints it and registers again, until a key is pressed, Ctrl-C,
 * the end of standard input, or N events.  With --period it registers once
 * for an event every SECONDS after the first one instead.  <type> picks
 * one of the modes below, the ways an application can learn of an event.
 *
 * If /dev/hwevent is absent, it loads hwevent.ko from its own directory and
 * unloads it again on exit (loader.c).
 *
 * This file: the command line, the table of modes, and main().  Event
 * lines go to stdout, one per event; everything else to stderr.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"
#include "parse.h"

/*
 * The <type> argument: how the application learns of an event.  0 and 1
 * are the original sample's, and the driver's types of the same numbers;
 * the others show the driver's other models, with types of their own.
 */
const struct mode modes[] = {
	{ "pending request", HWEVENT_TYPE_REQUEST, NULL, 0, false,
	  run_request },
	{ "eventfd", HWEVENT_TYPE_EVENTFD, NULL, 0, false, run_eventfd },
	{ "io_uring requests", HWEVENT_TYPE_REQUEST, "io_uring", 0, true,
	  run_uring },
	/* The event queue is read without blocking: the waits are ppoll's. */
	{ "event queue with poll", HWEVENT_TYPE_QUEUE, "poll", O_NONBLOCK,
	  false, run_queue },
	{ "event queue with SIGIO", HWEVENT_TYPE_QUEUE, "SIGIO", O_NONBLOCK,
	  false, run_queue },
};
const unsigned int nr_modes = sizeof(modes) / sizeof(modes[0]);

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s [options] <delay> <type>\n",
		program_invocation_short_name);
	fputs("\n", out);
	fputs("Register for a (simulated) hardware event of /dev/hwevent, wait for it,\n", out);
	fputs("print it and register again, until a key is pressed, Ctrl-C, or the end\n", out);
	fputs("of standard input.\n", out);
	fputs("\n", out);
	fputs("Arguments:\n", out);
	fputs(" <delay>          seconds until the event fires, fractions allowed (0.25),\n", out);
	fprintf(out, "                  from 0.000000001 to %llu\n",
		HWEVENT_DUE_MAX_NS / 1000000000ULL);
	fputs(" <type>           how the program learns of the event:\n", out);
	fputs("                  0: pending request (a blocking ioctl returns the event)\n", out);
	fputs("                  1: event-based (the driver signals an eventfd)\n", out);
	fputs("                  2: pending requests through io_uring (a completion\n", out);
	fputs("                     returns the event; see --inflight)\n", out);
	fputs("                  3: event queue, read(2) when poll(2) reports it readable\n", out);
	fputs("                  4: event queue, read(2) when SIGIO arrives (O_ASYNC)\n", out);
	fputs("                  Event lines give the driver's type (HWEVENT_TYPE_*),\n", out);
	fputs("                  and for 2 to 4 how it came: \"type 0 via io_uring\",\n", out);
	fputs("                  \"type 2 via poll\", \"type 2 via SIGIO\".\n", out);
	fputs("\n", out);
	fputs("Options:\n", out);
	fputs(" -c, --count <N>       stop after N events; do not watch standard input\n", out);
	fputs(" -p, --period <secs>   register once: the event fires after <delay>, then\n", out);
	fprintf(out, "                       every <secs> (0.00001 to %llu) until stopped\n",
		HWEVENT_PERIOD_MAX_NS / 1000000000ULL);
	fprintf(out, " -i, --inflight <N>    type 2: keep N requests in flight (1 to %d,\n",
		INFLIGHT_MAX);
	fputs("                       default 1)\n", out);
	fputs(" -d, --device <node>   hwevent (the timer, default), or eduN: the edu PCI\n", out);
	fputs("                       device N, whose interrupt brings the event\n", out);
	fputs(" -h, --help            display this help and exit\n", out);
	fputs("\n", out);
	fputs("With --period, type 0 waits for each later event with HWEVENT_IOC_WAIT,\n", out);
	fputs("type 2 keeps io_uring WAIT commands in flight, and type 1 prints the\n", out);
	fputs("eventfd's count, more than 1 when the program fell behind.  \"lost N\"\n", out);
	fputs("on a line counts the events before it that were not delivered: no\n", out);
	fputs("request was pending, or the event queue was full.  \"late\" is measured\n", out);
	fputs("from the due time, or from the last period boundary.\n", out);
	fputs("\n", out);
	fputs("If /dev/hwevent does not exist, loads hwevent.ko from the program's own\n", out);
	fputs("directory (if it and the directory are root's and nobody else may write\n", out);
	fputs("them) and unloads it again on exit.  Event lines go to stdout, all else\n", out);
	fputs("to stderr.  Exit status: 0 when stopped, 1 on failure, 2 on bad usage;\n", out);
	fputs("stopped by a signal, it dies of that signal after cleaning up.\n", out);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "%s: ", program_invocation_short_name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n\n", stderr);
	}
	usage(stderr);
	exit(EXIT_USAGE);
}

static bool all_digits(const char *s)
{
	return *s && !s[strspn(s, "0123456789")];
}

/* --period: seconds, within the driver's bounds. */
static void parse_period(const char *s, uint64_t *ns)
{
	int ret = parse_seconds(s, ns);

	if (ret == -EINVAL)
		bad_usage("invalid period: '%s'", s);
	if (ret || *ns < HWEVENT_PERIOD_MIN_NS || *ns > HWEVENT_PERIOD_MAX_NS)
		bad_usage("period out of range: '%s' (%llu us to %llu s)", s,
			  HWEVENT_PERIOD_MIN_NS / 1000,
			  HWEVENT_PERIOD_MAX_NS / 1000000000ULL);
}

static unsigned int parse_inflight(const char *s)
{
	uint64_t v;
	int ret = parse_count(s, &v);

	/* 0 is a number, just not one in range. */
	if (ret == -EINVAL && !all_digits(s))
		bad_usage("invalid inflight count: '%s'", s);
	if (ret || v > INFLIGHT_MAX)
		bad_usage("inflight count out of range: '%s' (1 to %d)", s,
			  INFLIGHT_MAX);
	return (unsigned int)v;
}

/*
 * --device: "hwevent" is /dev/hwevent, "eduN" (or "hwevent-eduN") the
 * node of the Nth edu device, /dev/hwevent-eduN.  Names only, never
 * paths: the program may run with root's rights for a user.
 */
static void parse_device(const char *s, struct opts *o)
{
	const char *n = s;

	if (!strcmp(s, HWEVENT_DEVICE_NAME)) {
		snprintf(o->dev_path, sizeof(o->dev_path), "%s",
			 HWEVENT_DEV_PATH);
		return;
	}
	if (!strncmp(n, HWEVENT_DEVICE_NAME "-", strlen(HWEVENT_DEVICE_NAME) + 1))
		n += strlen(HWEVENT_DEVICE_NAME) + 1;
	if (strncmp(n, "edu", 3) || !all_digits(n + 3) || strlen(n + 3) > 3 ||
	    (n[3] == '0' && n[4]))
		bad_usage("invalid device: '%s' (hwevent, or edu0, edu1, ...)",
			  s);
	snprintf(o->dev_path, sizeof(o->dev_path), "/dev/%s%s",
		 HWEVENT_EDU_NAME_PREFIX, n + 3);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "period", required_argument, NULL, 'p' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int inflight = 0;
	const char *type_arg;
	int c, ret;

	memset(o, 0, sizeof(*o));
	snprintf(o->dev_path, sizeof(o->dev_path), "%s", HWEVENT_DEV_PATH);
	while ((c = getopt_long(argc, argv, "c:p:i:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_count(optarg, &o->count))
				bad_usage("invalid count: '%s'", optarg);
			break;
		case 'p':
			parse_period(optarg, &o->period_ns);
			break;
		case 'i':
			inflight = parse_inflight(optarg);
			break;
		case 'd':
			parse_device(optarg, o);
			break;
		case 'h':
			usage(stdout);
			exit(fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS);
		default:
			/* getopt_long() already said what was wrong. */
			bad_usage(NULL);
		}
	}
	if (argc - optind != 2)
		bad_usage(argc - optind < 2 ? "missing arguments" :
			  "too many arguments");

	ret = parse_seconds(argv[optind], &o->due_ns);
	if (ret == -EINVAL)
		bad_usage("invalid delay: '%s'", argv[optind]);
	if (ret || o->due_ns < HWEVENT_DUE_MIN_NS ||
	    o->due_ns > HWEVENT_DUE_MAX_NS)
		bad_usage("delay out of range: '%s' (1 ns to %llu s)",
			  argv[optind], HWEVENT_DUE_MAX_NS / 1000000000ULL);

	/* One digit, nothing else: "01" or " 1" are not types. */
	type_arg = argv[optind + 1];
	if (parse_digit(type_arg, nr_modes - 1, &o->mode))
		bad_usage("invalid type: '%s' (0 to %u)", type_arg,
			  nr_modes - 1);

	if (inflight && !modes[o->mode].inflight)
		bad_usage("--inflight applies to type 2 only");
	o->inflight = inflight ? inflight : 1;
}

/*
 * A closed descriptor 0, 1 or 2 at start would be the next one opened:
 * the device would become standard input (and be watched as such), or
 * take the event lines.  As daemons and coreutils do, /dev/null takes
 * their place.
 */
static void open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free descriptor: this one. */
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			_exit(EXIT_FAILURE);
	}
}

int main(int argc, char **argv)
{
	bool loaded, watch_stdin, tty;
	char period[48], inflight[32], driver_type[24] = "";
	struct run r = { 0 };
	uint64_t n = 0;
	int fd, ret, status = EXIT_SUCCESS, why;
	const struct mode *mode;
	struct opts o;

	open_std_fds();
	parse_args(argc, argv, &o);
	mode = &modes[o.mode];
	ret = setup_signals();
	if (ret)
		errx(EXIT_FAILURE, "cannot set up signals: %s", strerror(-ret));
	out_init();
	fd = open_device(o.dev_path, mode->open_flags, &loaded);
	if (fd < 0)
		return EXIT_FAILURE;
	print_device(fd, o.dev_path);

	watch_stdin = !o.count;
	tty = watch_stdin && isatty(STDIN_FILENO);
	/* Raw while in the foreground: any key ends the run, unseen. */
	if (tty && (ret = term_init()))
		warnx("cannot set up the terminal: %s", strerror(-ret));

	period[0] = inflight[0] = '\0';
	if (o.period_ns)
		snprintf(period, sizeof(period), ", period %" PRIu64 ".%09"
			 PRIu64 " s", o.period_ns / NS_PER_SEC,
			 o.period_ns % NS_PER_SEC);
	if (mode->inflight)
		snprintf(inflight, sizeof(inflight), ", %u in flight",
			 o.inflight);
	if (mode->via)
		snprintf(driver_type, sizeof(driver_type), ", driver type %u",
			 mode->uapi_type);
	warnx("type %u (%s%s), delay %" PRIu64 ".%09" PRIu64 " s%s%s%s",
	      o.mode, mode->what, driver_type, o.due_ns / NS_PER_SEC,
	      o.due_ns % NS_PER_SEC, period, inflight,
	      tty ? "; press a key or Ctrl-C to stop" :
	      watch_stdin ? "; stops at end of input or Ctrl-C" :
	      "; Ctrl-C to stop");

	r.o = &o;
	r.mode = mode;
	r.fd = fd;
	r.watch_stdin = watch_stdin;
	r.tty = tty;
	ret = mode->run(&r);
	if (ret)
		status = EXIT_FAILURE;
	n = r.n;

	if (tty)
		term_restore();
	/* Closing cancels the registrations still pending. */
	close(fd);
	if (loaded)
		unload();
	/* The lines stdout did not take yet; then what ended the run. */
	out_drain();

	why = stop_reason();
	if (why > 0)
		note("%" PRIu64 " events; stopped by SIG%s", n,
		     sigabbrev_np(why));
	else if (why == STOP_INPUT)
		note("%" PRIu64 " events; stopped by %s", n,
		     tty ? "a key" : "end of input");
	else if (why == STOP_OUTPUT)
		note("%" PRIu64 " events; stopped: stdout closed", n);
	else if (why == STOP_ERROR) {
		note("%" PRIu64 " events; stopped: cannot watch stdin", n);
		status = EXIT_FAILURE;
	} else if (!status) {
		note("%" PRIu64 " events", n);
	}
	/* Ended by a signal: so it must look to whoever waits for us. */
	if (why > 0)
		die_of_signal(why);
	return status;
}
