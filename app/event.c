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
 * for an event every SECONDS after the first one instead.  The types are
 * the ways an application can learn of an event:
 *
 *   0  a pending request: a blocking ioctl that returns the event
 *	(HWEVENT_IOC_WAIT for the later events of a periodic registration);
 *   1  an eventfd the driver signals;
 *   2  pending requests submitted through io_uring, several in flight;
 *   3  the file's event queue, read when poll(2) says it is readable;
 *   4  the file's event queue, read when SIGIO says it is readable.
 *
 * If /dev/hwevent is absent, it loads hwevent.ko from its own directory and
 * unloads it again on exit.
 *
 * Event lines go to stdout, one per event; everything else to stderr.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "libhwevent.h"
#include "libhwevent-uring.h"
#include "clock.h"
#include "module.h"
#include "parse.h"

#define EXIT_USAGE		2
#define NSEC_PER_SEC		UINT64_C(1000000000)
/* How long to wait for /dev/hwevent after loading the module. */
#define DEVICE_TIMEOUT_MS	5000
/* How often to re-signal the main thread until its ioctl gave up. */
#define KICK_MS			100
/* Most io_uring requests in flight: the driver's default max_pending. */
#define INFLIGHT_MAX		1024
/* Queue records read at once. */
#define READ_BATCH		16
/* How long cancelled io_uring requests may take to complete. */
#define CANCEL_TIMEOUT_MS	5000

/* The <type> argument: how the application learns of an event. */
enum {
	TYPE_REQUEST = 0,	/* blocking ioctl */
	TYPE_EVENTFD = 1,	/* eventfd */
	TYPE_URING = 2,		/* requests through io_uring */
	TYPE_POLL = 3,		/* event queue, poll(2) */
	TYPE_SIGIO = 4,		/* event queue, SIGIO */
	TYPE_MAX = TYPE_SIGIO,
};

static const char *const type_names[] = {
	[TYPE_REQUEST] = "pending request",
	[TYPE_EVENTFD] = "eventfd",
	[TYPE_URING] = "io_uring requests",
	[TYPE_POLL] = "event queue with poll",
	[TYPE_SIGIO] = "event queue with SIGIO",
};

/* Why the program stops: one of these or, when > 0, a signal number. */
enum {
	STOP_NONE = 0,
	STOP_INPUT = -1,	/* key pressed, or end of standard input */
	STOP_OUTPUT = -2,	/* the reader of stdout went away */
	STOP_ERROR = -3,	/* the stdin watcher failed */
};

/* The first reason wins; set from signal handlers and the stdin watcher. */
static atomic_int stop_reason;
/* Write end of a pipe that wakes the stdin watcher; see on_stop_signal(). */
static volatile sig_atomic_t wake_fd = -1;
/* Type 4: SIGIO arrived, the event queue has records. */
static volatile sig_atomic_t got_sigio;

struct opts {
	uint64_t due_ns;
	uint64_t period_ns;	/* 0: register again for each event */
	unsigned int type;
	unsigned int inflight;	/* type 2: requests in flight */
	uint64_t count;		/* 0: until stopped */
};

/* What every type's loop works with. */
struct run {
	const struct opts *o;
	int fd;			/* /dev/hwevent */
	bool watch_stdin;
	bool tty;
	sigset_t waitmask;	/* types 1-4: the mask while waiting */
	uint64_t n;		/* events printed */
};

static void request_stop(int why)
{
	int none = STOP_NONE;

	/* Lock-free, so safe in a signal handler. */
	atomic_compare_exchange_strong(&stop_reason, &none, why);
}

static bool stopping(void)
{
	return atomic_load(&stop_reason) != STOP_NONE;
}

/* Whether to wait for another event. */
static bool more(const struct run *r)
{
	return !stopping() && (!r->o->count || r->n < r->o->count);
}

static void on_stop_signal(int sig)
{
	int saved_errno = errno;
	ssize_t n;

	request_stop(sig);
	/* Nothing to do if it fails: the pipe is full, a wake-up pending. */
	if (wake_fd >= 0) {
		n = write(wake_fd, "", 1);
		(void)n;
	}
	errno = saved_errno;
}

/* SIGUSR1 only interrupts the main thread's blocking ioctl (EINTR). */
static void on_kick(int sig)
{
	(void)sig;
}

/* SIGIO only says so; the main loop reads the queue. */
static void on_sigio(int sig)
{
	(void)sig;
	got_sigio = 1;
}

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
	fputs("\n", out);
	fputs("Options:\n", out);
	fputs(" -c, --count <N>       stop after N events; do not watch standard input\n", out);
	fputs(" -p, --period <secs>   register once: the event fires after <delay>, then\n", out);
	fprintf(out, "                       every <secs> (0.00001 to %llu) until stopped\n",
		HWEVENT_PERIOD_MAX_NS / 1000000000ULL);
	fprintf(out, " -i, --inflight <N>    type 2: keep N requests in flight (1 to %d,\n",
		INFLIGHT_MAX);
	fputs("                       default 1)\n", out);
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
	fputs("directory and unloads it again on exit.  Event lines go to stdout, all\n", out);
	fputs("else to stderr.  Exit status: 0 when stopped, 1 on failure, 2 on bad usage.\n", out);
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

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "period", required_argument, NULL, 'p' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int inflight = 0;
	const char *type_arg;
	int c, ret;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "c:p:i:h", longopts, NULL)) != -1) {
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
	if (parse_digit(type_arg, TYPE_MAX, &o->type))
		bad_usage("invalid type: '%s' (0 to %d)", type_arg, TYPE_MAX);

	if (inflight && o->type != TYPE_URING)
		bad_usage("--inflight applies to type %d only", TYPE_URING);
	o->inflight = inflight ? inflight : 1;
}

static int setup_signals(void)
{
	struct sigaction sa;

	/* No SA_RESTART: a signal must end the blocking ioctl with EINTR. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -errno;
	sa.sa_handler = on_kick;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	/* A closed stdout must not kill us before the module is unloaded. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -errno;
	return 0;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * Types 1-4 wait in one place, ppoll() or io_uring_enter(), that unblocks
 * the signals of @set atomically: blocked everywhere else, none of them
 * can slip in between a check and the wait.  Saves the old mask in @old.
 */
static void block_signals(struct run *r, const sigset_t *set, sigset_t *old)
{
	int sig;

	sigprocmask(SIG_BLOCK, set, old);
	r->waitmask = *old;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(set, sig) == 1)
			sigdelset(&r->waitmask, sig);
	}
}

/*
 * Let the signals that came since the last wait in, and block them again.
 * The waits do it too, but only when they have to wait: under a flood of
 * events they return at once, and the loops call this each round, so
 * that Ctrl-C still stops them.
 */
static void take_signals(const struct run *r)
{
	sigset_t cur;

	sigprocmask(SIG_SETMASK, &r->waitmask, &cur);
	sigprocmask(SIG_SETMASK, &cur, NULL);
}

/*
 * Write one line to stdout, unbuffered so that a pipe sees it at once.
 * Returns 0 or -errno; gives up a blocked write once stopping.
 */
static int __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	char buf[256];
	size_t off = 0, len;
	va_list ap;
	ssize_t n;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -EINVAL;
	len = (size_t)ret < sizeof(buf) ? (size_t)ret : sizeof(buf) - 1;
	while (off < len) {
		n = write(STDOUT_FILENO, buf + off, len - off);
		if (n < 0 && errno == EINTR && !stopping())
			continue;
		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		off += n;
	}
	return 0;
}

/* Format a signed duration as seconds with 6 decimals. */
static const char *fmt_secs(char *buf, size_t size, int64_t ns)
{
	uint64_t abs_us = (ns < 0 ? -(uint64_t)ns : (uint64_t)ns) / 1000;

	snprintf(buf, size, "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "",
		 abs_us / 1000000, abs_us % 1000000);
	return buf;
}

/*
 * How late an event came, @after ns after its registration: past the
 * delay for a single event; for a periodic one, past the last point of its
 * schedule (the delay, then every period) that had come.  So an event
 * more than a period late shows the remainder, and the periods it missed
 * show in "lost" (the driver counts them) or an eventfd's count.
 */
static int64_t late_ns(int64_t after, const struct opts *o)
{
	int64_t late = after - (int64_t)o->due_ns;

	if (o->period_ns && late > 0)
		late %= (int64_t)o->period_ns;
	return late;
}

/* An event that came with a message: types 0, 2, 3 and 4. */
static int print_msg(uint64_t n, const struct opts *o,
		     const struct hwevent_msg *msg, uint64_t t0)
{
	/* __u64 is not uint64_t everywhere: convert before printing. */
	uint64_t cookie = msg->cookie, seq = msg->seq, fired = msg->fired_ns;
	uint64_t lost = msg->lost;
	int64_t after = (int64_t)(fired - t0);
	char buf[32], lost_buf[32] = "";

	if (lost)
		snprintf(lost_buf, sizeof(lost_buf), " lost %" PRIu64, lost);
	return out("event %" PRIu64 ": type %u cookie %" PRIu64 " seq %"
		   PRIu64 "%s fired %" PRIu64 ".%09" PRIu64 " after %s s (late %"
		   PRId64 " us)\n", n, o->type, cookie, seq, lost_buf,
		   fired / NSEC_PER_SEC, fired % NSEC_PER_SEC,
		   fmt_secs(buf, sizeof(buf), after), late_ns(after, o) / 1000);
}

static int print_eventfd(uint64_t n, const struct opts *o, uint64_t cookie,
			 uint64_t count, uint64_t t0, uint64_t t1)
{
	int64_t after = (int64_t)(t1 - t0);
	char buf[32];

	return out("event %" PRIu64 ": type 1 cookie %" PRIu64 " count %" PRIu64
		   " after %s s (late %" PRId64 " us)\n", n, cookie, count,
		   fmt_secs(buf, sizeof(buf), after), late_ns(after, o) / 1000);
}

/* A failed line: EPIPE (the reader went away) just ends the run. */
static int out_failed(int ret)
{
	if (ret == -EPIPE) {
		request_stop(STOP_OUTPUT);
		return 0;
	}
	warnx("cannot write to stdout: %s", strerror(-ret));
	return -1;
}

/* Print a message event as number r->n + 1; 0, or -1 on failure. */
static int event_msg(struct run *r, const struct hwevent_msg *msg,
		     uint64_t cookie, uint64_t t0)
{
	int ret;

	if (msg->cookie != cookie)
		warnx("event %" PRIu64 ": cookie %llu instead of %" PRIu64,
		      r->n + 1, (unsigned long long)msg->cookie, cookie);
	ret = print_msg(++r->n, r->o, msg, t0);
	return ret ? out_failed(ret) : 0;
}

/* Key presses on a terminal are read, so they do not reach the shell. */
static void consume_input(bool tty)
{
	char buf[64];

	ssize_t n;

	/* A failed read still ends the run; nothing else to do. */
	if (tty) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		(void)n;
	}
}

/*
 * Types 1, 3 and 4: wait until @fd (unless -1) is readable, standard input
 * (when watched) has something, or a signal comes, which the caller has
 * blocked (block_signals()).  Returns 1 when @fd is readable, 0 when not
 * (stopping() tells whether to stop), -1 on failure.
 */
static int wait_input(const struct run *r, int fd)
{
	struct pollfd fds[2];
	int stdin_idx = -1;
	nfds_t nfds = 0;

	if (fd >= 0)
		fds[nfds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (r->watch_stdin) {
		stdin_idx = (int)nfds;
		fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO,
					       .events = POLLIN };
	}
	if (ppoll(fds, nfds, NULL, &r->waitmask) < 0) {
		if (errno == EINTR)
			return 0;
		warn("ppoll");
		return -1;
	}
	/* Readable, EOF or hangup: all end the run. */
	if (stdin_idx >= 0 && fds[stdin_idx].revents) {
		consume_input(r->tty);
		request_stop(STOP_INPUT);
	}
	return fd >= 0 && (fds[0].revents & POLLIN);
}

/*
 * Type 0: the ioctl blocks, so a thread watches stdin.  It also makes
 * stopping race-free: a signal that lands just before the main thread
 * enters the ioctl would be lost, so once a stop is requested the watcher
 * signals the main thread every KICK_MS until it has left its loop.
 */
struct watcher {
	pthread_t main;
	int pipe_r;
	bool watch_stdin;
	bool tty;
	atomic_bool quit;
};

static void *watch_thread(void *arg)
{
	struct watcher *w = arg;
	struct pollfd fds[2];
	bool kicking = false;
	char buf[64];
	nfds_t nfds;

	while (!atomic_load(&w->quit)) {
		fds[0] = (struct pollfd){ .fd = w->pipe_r, .events = POLLIN };
		nfds = 1;
		if (w->watch_stdin && !kicking) {
			fds[1] = (struct pollfd){ .fd = STDIN_FILENO,
						  .events = POLLIN };
			nfds = 2;
		}
		if (poll(fds, nfds, kicking ? KICK_MS : -1) < 0) {
			if (errno != EINTR)
				request_stop(STOP_ERROR);
			fds[0].revents = 0;
			nfds = 1;
		}
		if (atomic_load(&w->quit))
			break;
		if (fds[0].revents & POLLIN) {
			while (read(w->pipe_r, buf, sizeof(buf)) > 0)
				;
		}
		/* Readable, EOF or hangup: all end the run. */
		if (nfds == 2 && fds[1].revents) {
			consume_input(w->tty);
			request_stop(STOP_INPUT);
		}
		if (stopping()) {
			kicking = true;
			pthread_kill(w->main, SIGUSR1);
		}
	}
	return NULL;
}

/*
 * Type 0.  Without a period, each event is a registration whose ioctl
 * returns it.  With one, the registration's ioctl returns the first event
 * and HWEVENT_IOC_WAIT each later one; firings that come while no WAIT is
 * pending show as "lost".  A signal ends a REGISTER wait and cancels its
 * registration (it is made again), or ends a WAIT and leaves it (closing
 * the file cancels it).
 */
static int run_request(struct run *r)
{
	const struct opts *o = r->o;
	struct watcher w = {
		.main = pthread_self(),
		.watch_stdin = r->watch_stdin,
		.tty = r->tty,
	};
	struct hwevent_register reg;
	struct hwevent_msg msg;
	uint64_t cookie = 0, t0 = 0, id = 0;
	sigset_t set, old;
	pthread_t thread;
	int pipefd[2], ret, status = 0;

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		warn("pipe");
		return -1;
	}
	w.pipe_r = pipefd[0];
	wake_fd = pipefd[1];
	atomic_init(&w.quit, false);

	/* Signals go to the main thread, where they interrupt the ioctl. */
	stop_signals(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ret = pthread_create(&thread, NULL, watch_thread, &w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		warnx("cannot create thread: %s", strerror(ret));
		status = -1;
		goto out;
	}

	while (more(r)) {
		if (!id) {
			t0 = now_ns();
			hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST,
					      o->due_ns, o->period_ns,
					      ++cookie);
			ret = hwevent_register(r->fd, &reg);
			if (!ret) {
				msg = reg.msg;
				if (o->period_ns)
					id = reg.id;
			}
		} else {
			ret = hwevent_wait(r->fd, id, &msg);
		}
		/* Stop, or try again. */
		if (ret == -EINTR)
			continue;
		if (ret) {
			warnx("cannot %s: %s", id ? "wait" : "register",
			      strerror(-ret));
			status = -1;
			break;
		}
		if (event_msg(r, &msg, cookie, t0)) {
			status = -1;
			break;
		}
	}

	atomic_store(&w.quit, true);
	/* The watcher sees quit once woken; the pipe cannot be full long. */
	while (write(pipefd[1], "", 1) < 0 && errno == EINTR)
		;
	pthread_join(thread, NULL);
out:
	wake_fd = -1;
	close(pipefd[0]);
	close(pipefd[1]);
	return status;
}

/*
 * Type 1: poll the eventfd and stdin.  Without a period, register again
 * after each event; with one, the eventfd counts every firing, so a count
 * above 1 says the program fell behind.
 */
static int run_eventfd(struct run *r)
{
	const struct opts *o = r->o;
	struct hwevent_register reg;
	uint64_t cookie = 0, t0 = 0, t1, count;
	sigset_t set, old;
	int efd, ret, status = 0;
	bool armed = false;
	ssize_t len;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		warn("eventfd");
		return -1;
	}
	stop_signals(&set);
	block_signals(r, &set, &old);

	for (;;) {
		take_signals(r);
		if (!more(r))
			break;
		if (!armed) {
			t0 = now_ns();
			hwevent_register_init(&reg, HWEVENT_TYPE_EVENTFD,
					      o->due_ns, o->period_ns,
					      ++cookie);
			reg.eventfd = efd;
			ret = hwevent_register(r->fd, &reg);
			if (ret) {
				warnx("cannot register: %s", strerror(-ret));
				status = -1;
				break;
			}
			armed = true;
		}
		/* A stop leaves the registration pending: close cancels it. */
		ret = wait_input(r, efd);
		if (ret < 0) {
			status = -1;
			break;
		}
		if (!ret)
			continue;
		t1 = now_ns();
		len = read(efd, &count, sizeof(count));
		if (len < 0 && errno == EAGAIN)
			continue;
		if (len != sizeof(count)) {
			warn("read eventfd");
			status = -1;
			break;
		}
		if (!o->period_ns)
			armed = false;
		ret = print_eventfd(++r->n, o, cookie, count, t0, t1);
		if (ret && out_failed(ret)) {
			status = -1;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(efd);
	return status;
}

/*
 * Types 3 and 4: the file's event queue, opened with O_NONBLOCK.  Type 3
 * waits with ppoll() on it.  Type 4 asks for SIGIO (F_SETOWN, O_ASYNC),
 * whose handler only sets got_sigio, and waits for a signal (and for
 * standard input) with ppoll(); it reads while got_sigio is set and
 * clears it only when the queue is found empty.  SIGIO is blocked but in
 * the waits, so one that comes after that still interrupts the next wait.
 * Without a period each event is one registration, made again once its
 * record was read; with one, records come every period, and a full queue
 * drops them ("lost" on the next).
 */
static int run_queue(struct run *r)
{
	const struct opts *o = r->o;
	struct hwevent_msg msgs[READ_BATCH];
	uint64_t cookie = 0, t0 = 0;
	bool sigio = o->type == TYPE_SIGIO, armed = false;
	struct sigaction sa;
	sigset_t set, old;
	int ret, i, flags, status = 0;

	stop_signals(&set);
	if (sigio)
		sigaddset(&set, SIGIO);
	block_signals(r, &set, &old);

	if (sigio) {
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_sigio;
		flags = fcntl(r->fd, F_GETFL);
		if (sigaction(SIGIO, &sa, NULL) ||
		    fcntl(r->fd, F_SETOWN, getpid()) || flags < 0 ||
		    fcntl(r->fd, F_SETFL, flags | O_ASYNC)) {
			warn("cannot set up SIGIO");
			status = -1;
			goto out;
		}
	}

	for (;;) {
		take_signals(r);
		if (!more(r))
			break;
		if (!armed) {
			t0 = now_ns();
			ret = hwevent_register_queue(r->fd, o->due_ns,
						     o->period_ns, ++cookie,
						     NULL);
			if (ret) {
				warnx("cannot register: %s", strerror(-ret));
				status = -1;
				break;
			}
			armed = true;
		}

		if (sigio && !got_sigio) {
			if (wait_input(r, -1) < 0) {
				status = -1;
				break;
			}
			continue;
		}
		if (!sigio) {
			ret = wait_input(r, r->fd);
			if (ret < 0) {
				status = -1;
				break;
			}
			if (!ret)
				continue;
		}

		/* One batch per round, so that a flood cannot shut out
		 * signals: the next round reads on. */
		ret = hwevent_read_msgs(r->fd, msgs, READ_BATCH);
		if (ret == -EAGAIN) {
			got_sigio = 0;
			continue;
		}
		if (ret < 0) {
			warnx("cannot read the event queue: %s",
			      strerror(-ret));
			status = -1;
			break;
		}
		for (i = 0; i < ret && more(r); i++) {
			if (event_msg(r, &msgs[i], cookie, t0)) {
				status = -1;
				goto out;
			}
			if (!o->period_ns)
				armed = false;
		}
	}
out:
	/* Stop signalling before SIGIO is unblocked; closing cancels. */
	if (sigio) {
		flags = fcntl(r->fd, F_GETFL);
		if (flags >= 0)
			fcntl(r->fd, F_SETFL, flags & ~O_ASYNC);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

/*
 * Type 2: pending requests as io_uring commands on the device, the analog
 * of overlapped DeviceIoControl calls: up to --inflight of them at once
 * from one ring, each completion printed as its CQE arrives and replaced
 * by a new request.  Without a period each request is a registration of
 * its own; with one, the first request registers and the others are
 * HWEVENT_IOC_WAIT commands on that registration, which the firings
 * complete one by one, in order.  Standard input is watched with a poll
 * request on the same ring, and signals are unblocked only inside
 * io_uring_enter(), like ppoll().
 *
 * To stop, every registration still in flight is cancelled by id: on
 * kernels before 6.7 io_uring cannot cancel a driver's commands, and they
 * would keep the device (and the module) busy until their events fired.
 * Their CQEs (ECANCELED) are reaped before the ring is closed.
 */
#define UD_STDIN	UINT64_MAX

struct uring_slot {
	union {
		struct hwevent_register reg;	/* a REGISTER command */
		struct hwevent_wait wait;	/* a WAIT command */
	};
	uint64_t t0;		/* when its registration was made */
	uint64_t cookie;
	bool busy;
	bool is_wait;
};

struct uring_run {
	struct run *r;
	struct io_uring ring;
	struct uring_slot *slots;
	unsigned int busy;	/* slots in flight */
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

	if (u->busy >= uring_wanted(u))
		return false;
	/* A WAIT needs the registration's id, which its submission writes. */
	if (o->period_ns && u->registered && !u->id)
		return false;
	for (i = 0; i < o->inflight; i++) {
		if (!u->slots[i].busy) {
			s = &u->slots[i];
			break;
		}
	}
	/* The ring has room for every slot and the stdin poll. */
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
	io_uring_sqe_set_data64(sqe, s - u->slots);
	s->busy = true;
	u->busy++;
	return true;
}

/* Fill the free slots with requests and submit them; 0 or -1. */
static int uring_top_up(struct uring_run *u)
{
	unsigned int i;
	int ret;

	for (;;) {
		while (uring_queue_one(u))
			;
		if (!io_uring_sq_ready(&u->ring))
			return 0;
		ret = io_uring_submit(&u->ring);
		if (ret < 0) {
			warnx("cannot submit to io_uring: %s", strerror(-ret));
			return -1;
		}
		/*
		 * The driver wrote the REGISTER's id during the submission.
		 * Still 0 if it failed at once: its CQE then says why.
		 */
		if (!u->r->o->period_ns || u->id)
			return 0;
		for (i = 0; i < u->r->o->inflight; i++) {
			if (u->slots[i].busy && !u->slots[i].is_wait)
				u->id = u->slots[i].reg.id;
		}
		if (!u->id)
			return 0;
	}
}

/* A CQE, copied out of the ring to be sorted. */
struct uring_done {
	uint64_t idx;		/* slot, or UD_STDIN */
	uint64_t seq;		/* of its event: the sort key */
	int res;
};

static struct uring_slot *uring_slot(struct uring_run *u, uint64_t idx)
{
	if (idx >= u->r->o->inflight || !u->slots[idx].busy) {
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
	s->busy = false;
	u->busy--;
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

/* Cancel what is in flight and reap it; the ring is unusable after. */
static void uring_cancel_all(struct uring_run *u)
{
	const struct opts *o = u->r->o;
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct io_uring_cqe *cqe;
	uint64_t deadline;
	unsigned int i;
	int ret;

	u->quitting = true;
	/* ENOENT: it fired meanwhile, and its CQE is on the way. */
	if (o->period_ns && u->id)
		hwevent_cancel(u->r->fd, u->id);
	for (i = 0; !o->period_ns && i < o->inflight; i++) {
		if (u->slots[i].busy && u->slots[i].reg.id)
			hwevent_cancel(u->r->fd, u->slots[i].reg.id);
	}

	deadline = now_ns() + CANCEL_TIMEOUT_MS * UINT64_C(1000000);
	while (u->busy) {
		ret = io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
		if (ret == -EINTR)
			continue;
		if (ret == -ETIME && now_ns() < deadline)
			continue;
		if (ret) {
			warnx("%u io_uring requests did not complete: %s",
			      u->busy, strerror(-ret));
			return;
		}
		if (io_uring_cqe_get_data64(cqe) != UD_STDIN)
			uring_complete(u, io_uring_cqe_get_data64(cqe),
				       cqe->res);
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
 * one batch in another order), standard input last.  Returns how many.
 */
static unsigned int uring_reap(struct uring_run *u, struct uring_done *done)
{
	struct io_uring_cqe *cqe;
	struct uring_slot *s;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		/* At most one per slot and the stdin poll: room for all. */
		if (n > u->r->o->inflight)
			break;
		done[n].idx = io_uring_cqe_get_data64(cqe);
		done[n].res = cqe->res;
		done[n].seq = 0;
		if (done[n].idx == UD_STDIN) {
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

static int run_uring(struct run *r)
{
	const struct opts *o = r->o;
	struct uring_run u = { .r = r };
	struct uring_done *done;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	sigset_t set, old;
	unsigned int i, n;
	int ret, status = 0;

	u.slots = calloc(o->inflight, sizeof(*u.slots));
	done = calloc(o->inflight + 1, sizeof(*done));
	if (!u.slots || !done) {
		warn("cannot allocate %u requests", o->inflight);
		free(u.slots);
		free(done);
		return -1;
	}
	/* A slot for each request, one for the stdin poll. */
	ret = io_uring_queue_init(o->inflight + 1, &u.ring, 0);
	if (ret) {
		warnx("cannot set up io_uring: %s", strerror(-ret));
		free(u.slots);
		free(done);
		return -1;
	}
	stop_signals(&set);
	block_signals(r, &set, &old);

	if (r->watch_stdin) {
		sqe = io_uring_get_sqe(&u.ring);
		io_uring_prep_poll_add(sqe, STDIN_FILENO, POLLIN);
		io_uring_sqe_set_data64(sqe, UD_STDIN);
	}

	for (;;) {
		take_signals(r);
		if (!more(r))
			break;
		if (uring_top_up(&u)) {
			status = -1;
			break;
		}
		ret = io_uring_wait_cqes(&u.ring, &cqe, 1, NULL, &r->waitmask);
		if (ret == -EINTR)
			continue;
		if (ret) {
			warnx("cannot wait for io_uring: %s", strerror(-ret));
			status = -1;
			break;
		}
		n = uring_reap(&u, done);
		for (i = 0; i < n; i++) {
			if (done[i].idx == UD_STDIN) {
				/* Readable, EOF or hangup: all end the run. */
				consume_input(r->tty);
				request_stop(STOP_INPUT);
			} else if (uring_complete(&u, done[i].idx,
						  done[i].res)) {
				/* The rest only free their slots. */
				status = -1;
				u.quitting = true;
			}
		}
		if (status)
			break;
	}

	uring_cancel_all(&u);
	/* Also cancels the stdin poll. */
	io_uring_queue_exit(&u.ring);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(u.slots);
	free(done);
	return status;
}

static int ko_path(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t len;
	char *slash;
	int n;

	len = readlink("/proc/self/exe", exe, sizeof(exe));
	if (len < 0)
		return -errno;
	if ((size_t)len >= sizeof(exe))
		return -ENAMETOOLONG;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	n = snprintf(buf, size, "%s/%s.ko", exe, HWEVENT_MODULE_NAME);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static void unload(void)
{
	int ret = module_unload();

	if (!ret)
		warnx("unloaded %s", HWEVENT_MODULE_NAME);
	else if (ret == -EBUSY)
		warnx("left %s loaded: still in use", HWEVENT_MODULE_NAME);
	else
		warnx("cannot unload %s: %s", HWEVENT_MODULE_NAME,
		      strerror(-ret));
}

/* Make sure /dev/hwevent exists; *loaded tells whether we loaded it. */
static int ensure_driver(bool *loaded)
{
	char ko[PATH_MAX + 16];
	int ret;

	*loaded = false;
	if (access(HWEVENT_DEV_PATH, F_OK) == 0)
		return 0;
	if (!module_loaded()) {
		ret = ko_path(ko, sizeof(ko));
		if (ret) {
			warnx("cannot find the program's directory: %s",
			      strerror(-ret));
			return -1;
		}
		ret = module_load(ko, NULL);
		switch (ret) {
		case 0:
			*loaded = true;
			warnx("loaded %s", ko);
			break;
		case -EEXIST:
			/* Someone else loaded it meanwhile: theirs to keep. */
			break;
		case -ENOENT:
			warnx("%s does not exist and module file %s is missing",
			      HWEVENT_DEV_PATH, ko);
			return -1;
		case -EPERM:
			warnx("cannot load %s: %s: needs root (CAP_SYS_MODULE)",
			      ko, strerror(-ret));
			return -1;
		case -ENOEXEC:
			warnx("cannot load %s: %s: built for another kernel?",
			      ko, strerror(-ret));
			return -1;
		case -ENOSYS:
			warnx("cannot load %s: kernel without module support",
			      ko);
			return -1;
		default:
			warnx("cannot load %s: %s", ko, strerror(-ret));
			return -1;
		}
	}
	if (device_wait_node(DEVICE_TIMEOUT_MS)) {
		warnx("%s did not appear within %d s", HWEVENT_DEV_PATH,
		      DEVICE_TIMEOUT_MS / 1000);
		if (*loaded)
			unload();
		*loaded = false;
		return -1;
	}
	return 0;
}

/* Watching a terminal from a background job would stop us (SIGTTIN). */
static bool stdin_watchable(void)
{
	if (fcntl(STDIN_FILENO, F_GETFD) < 0)
		return false;
	return !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp();
}

int main(int argc, char **argv)
{
	struct termios saved, raw;
	bool loaded, watch_stdin, tty, term_saved = false;
	char period[48], inflight[32];
	struct run r = { 0 };
	uint64_t n = 0;
	int fd, ret, status = EXIT_SUCCESS, why;
	struct opts o;

	parse_args(argc, argv, &o);
	ret = setup_signals();
	if (ret)
		errx(EXIT_FAILURE, "cannot set up signals: %s", strerror(-ret));
	if (ensure_driver(&loaded))
		return EXIT_FAILURE;

	/* The event queue is read without blocking: the waits are ppoll's. */
	fd = hwevent_open(o.type == TYPE_POLL || o.type == TYPE_SIGIO ?
			  O_NONBLOCK : 0);
	if (fd < 0) {
		warnx("cannot open %s: %s", HWEVENT_DEV_PATH, strerror(-fd));
		status = EXIT_FAILURE;
		goto unload;
	}

	watch_stdin = !o.count && stdin_watchable();
	tty = watch_stdin && isatty(STDIN_FILENO);
	/* Non-canonical, no echo: any key ends the run, and is not shown. */
	if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		term_saved = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}

	period[0] = inflight[0] = '\0';
	if (o.period_ns)
		snprintf(period, sizeof(period), ", period %" PRIu64 ".%09"
			 PRIu64 " s", o.period_ns / NSEC_PER_SEC,
			 o.period_ns % NSEC_PER_SEC);
	if (o.type == TYPE_URING)
		snprintf(inflight, sizeof(inflight), ", %u in flight",
			 o.inflight);
	warnx("type %u (%s), delay %" PRIu64 ".%09" PRIu64 " s%s%s%s", o.type,
	      type_names[o.type], o.due_ns / NSEC_PER_SEC,
	      o.due_ns % NSEC_PER_SEC, period, inflight,
	      tty ? "; press a key or Ctrl-C to stop" :
	      watch_stdin ? "; stops at end of input or Ctrl-C" :
	      "; Ctrl-C to stop");

	r.o = &o;
	r.fd = fd;
	r.watch_stdin = watch_stdin;
	r.tty = tty;
	switch (o.type) {
	case TYPE_REQUEST:
		ret = run_request(&r);
		break;
	case TYPE_EVENTFD:
		ret = run_eventfd(&r);
		break;
	case TYPE_URING:
		ret = run_uring(&r);
		break;
	default:
		ret = run_queue(&r);
		break;
	}
	if (ret)
		status = EXIT_FAILURE;
	n = r.n;

	if (term_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	/* Closing cancels the registrations still pending. */
	close(fd);

	why = atomic_load(&stop_reason);
	if (why > 0)
		warnx("%" PRIu64 " events; stopped by SIG%s", n,
		      sigabbrev_np(why));
	else if (why == STOP_INPUT)
		warnx("%" PRIu64 " events; stopped by %s", n,
		      tty ? "a key" : "end of input");
	else if (why == STOP_OUTPUT)
		warnx("%" PRIu64 " events; stopped: stdout closed", n);
	else if (why == STOP_ERROR) {
		warnx("%" PRIu64 " events; stopped: cannot watch stdin", n);
		status = EXIT_FAILURE;
	} else if (!status) {
		warnx("%" PRIu64 " events", n);
	}
unload:
	if (loaded)
		unload();
	return status;
}
