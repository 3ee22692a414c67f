// SPDX-License-Identifier: GPL-2.0
/*
 * event: the test application of hwevent, after the "event" program of
 * Microsoft's Hardware Event Sample.
 *
 *   event [--count N] <delay> <0|1>
 *
 * Registers for a (simulated) hardware event due in <delay> seconds, waits
 * for it, prints it and registers again, until a key is pressed, Ctrl-C,
 * the end of standard input, or N events.  Type 0 is a pending request (a
 * blocking ioctl that returns the event), type 1 an eventfd the driver
 * signals.  If /dev/hwevent is absent, it loads hwevent.ko from its own
 * directory and unloads it again on exit.
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

#define EXIT_USAGE		2
#define NSEC_PER_SEC		UINT64_C(1000000000)
/* How long to wait for /dev/hwevent after loading the module. */
#define DEVICE_TIMEOUT_MS	5000
/* How often to re-signal the main thread until its ioctl gave up. */
#define KICK_MS			100

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

struct opts {
	uint64_t due_ns;
	unsigned int type;
	uint64_t count;		/* 0: until stopped */
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
	fputs(" <type>           0: pending request (a blocking ioctl returns the event)\n", out);
	fputs("                  1: event-based (the driver signals an eventfd)\n", out);
	fputs("\n", out);
	fputs("Options:\n", out);
	fputs(" -c, --count <N>  stop after N events; do not watch standard input\n", out);
	fputs(" -h, --help       display this help and exit\n", out);
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

/* A positive decimal number, without the blanks and signs strtoull takes. */
static int parse_count(const char *s, uint64_t *val)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (!v)
		return -EINVAL;
	*val = v;
	return 0;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_count(optarg, &o->count))
				bad_usage("invalid count: '%s'", optarg);
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

	ret = hwevent_parse_seconds(argv[optind], &o->due_ns);
	if (ret == -EINVAL)
		bad_usage("invalid delay: '%s'", argv[optind]);
	if (ret || o->due_ns < HWEVENT_DUE_MIN_NS ||
	    o->due_ns > HWEVENT_DUE_MAX_NS)
		bad_usage("delay out of range: '%s' (1 ns to %llu s)",
			  argv[optind], HWEVENT_DUE_MAX_NS / 1000000000ULL);

	if (!strcmp(argv[optind + 1], "0"))
		o->type = HWEVENT_TYPE_REQUEST;
	else if (!strcmp(argv[optind + 1], "1"))
		o->type = HWEVENT_TYPE_EVENTFD;
	else
		bad_usage("invalid type: '%s' (0 or 1)", argv[optind + 1]);
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

static int print_request(uint64_t n, const struct hwevent_msg *msg,
			 uint64_t t0, uint64_t due_ns)
{
	/* __u64 is not uint64_t everywhere: convert before printing. */
	uint64_t cookie = msg->cookie, seq = msg->seq, fired = msg->fired_ns;
	int64_t after = (int64_t)(fired - t0);
	char buf[32];

	return out("event %" PRIu64 ": type 0 cookie %" PRIu64 " seq %" PRIu64
		   " fired %" PRIu64 ".%09" PRIu64 " after %s s (late %" PRId64
		   " us)\n", n, cookie, seq, fired / NSEC_PER_SEC,
		   fired % NSEC_PER_SEC, fmt_secs(buf, sizeof(buf), after),
		   (after - (int64_t)due_ns) / 1000);
}

static int print_eventfd(uint64_t n, uint64_t cookie, uint64_t count,
			 uint64_t t0, uint64_t t1, uint64_t due_ns)
{
	int64_t after = (int64_t)(t1 - t0);
	char buf[32];

	return out("event %" PRIu64 ": type 1 cookie %" PRIu64 " count %" PRIu64
		   " after %s s (late %" PRId64 " us)\n", n, cookie, count,
		   fmt_secs(buf, sizeof(buf), after),
		   (after - (int64_t)due_ns) / 1000);
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

static int run_request(int fd, const struct opts *o, bool watch_stdin,
		       bool tty, uint64_t *n)
{
	struct watcher w = {
		.main = pthread_self(),
		.watch_stdin = watch_stdin,
		.tty = tty,
	};
	struct hwevent_msg msg;
	uint64_t cookie = 0, t0;
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

	while (!stopping() && (!o->count || *n < o->count)) {
		t0 = hwevent_now_ns();
		ret = hwevent_wait_request(fd, o->due_ns, ++cookie, &msg);
		/* The driver cancelled it; stop, or register again. */
		if (ret == -EINTR)
			continue;
		if (ret) {
			warnx("cannot register: %s", strerror(-ret));
			status = -1;
			break;
		}
		if (msg.cookie != cookie)
			warnx("event %" PRIu64 ": cookie %llu instead of %"
			      PRIu64, *n + 1, (unsigned long long)msg.cookie,
			      cookie);
		ret = print_request(++*n, &msg, t0, o->due_ns);
		if (ret && out_failed(ret)) {
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
 * Type 1: poll the eventfd and stdin.  The stop signals stay blocked
 * except inside ppoll(), so none can slip in between check and wait.
 */
static int run_eventfd(int fd, const struct opts *o, bool watch_stdin,
		       bool tty, uint64_t *n)
{
	struct pollfd fds[2];
	uint64_t cookie = 0, t0, t1, count;
	sigset_t set, old, waitmask;
	nfds_t nfds = watch_stdin ? 2 : 1;
	int efd, ret, status = 0;
	bool fired;

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0) {
		warn("eventfd");
		return -1;
	}
	stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	waitmask = old;
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);

	while (!stopping() && (!o->count || *n < o->count)) {
		t0 = hwevent_now_ns();
		ret = hwevent_register_eventfd(fd, efd, o->due_ns, ++cookie,
					       NULL);
		if (ret) {
			warnx("cannot register: %s", strerror(-ret));
			status = -1;
			break;
		}
		/* A stop leaves the registration pending: close cancels it. */
		for (fired = false; !fired && !stopping();) {
			fds[0] = (struct pollfd){ .fd = efd, .events = POLLIN };
			fds[1] = (struct pollfd){ .fd = STDIN_FILENO,
						  .events = POLLIN };
			if (ppoll(fds, nfds, NULL, &waitmask) < 0) {
				if (errno == EINTR)
					continue;
				warn("ppoll");
				status = -1;
				goto out;
			}
			if (fds[0].revents & POLLIN) {
				t1 = hwevent_now_ns();
				if (read(efd, &count, sizeof(count)) !=
				    sizeof(count)) {
					warn("read eventfd");
					status = -1;
					goto out;
				}
				fired = true;
				ret = print_eventfd(++*n, cookie, count, t0, t1,
						    o->due_ns);
				if (ret && out_failed(ret)) {
					status = -1;
					goto out;
				}
			}
			if (nfds == 2 && fds[1].revents) {
				consume_input(tty);
				request_stop(STOP_INPUT);
			}
		}
	}
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(efd);
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
	int ret = hwevent_module_unload();

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
	if (!hwevent_module_loaded()) {
		ret = ko_path(ko, sizeof(ko));
		if (ret) {
			warnx("cannot find the program's directory: %s",
			      strerror(-ret));
			return -1;
		}
		ret = hwevent_module_load(ko, NULL);
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
	if (hwevent_wait_for_device(DEVICE_TIMEOUT_MS)) {
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
	uint64_t n = 0;
	int fd, ret, status = EXIT_SUCCESS, why;
	struct opts o;

	parse_args(argc, argv, &o);
	ret = setup_signals();
	if (ret)
		errx(EXIT_FAILURE, "cannot set up signals: %s", strerror(-ret));
	if (ensure_driver(&loaded))
		return EXIT_FAILURE;

	fd = hwevent_open(0);
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

	warnx("type %u (%s), delay %" PRIu64 ".%09" PRIu64 " s%s", o.type,
	      o.type == HWEVENT_TYPE_REQUEST ? "pending request" : "eventfd",
	      o.due_ns / NSEC_PER_SEC, o.due_ns % NSEC_PER_SEC,
	      tty ? "; press a key or Ctrl-C to stop" :
	      watch_stdin ? "; stops at end of input or Ctrl-C" :
	      "; Ctrl-C to stop");

	if (o.type == HWEVENT_TYPE_REQUEST)
		ret = run_request(fd, &o, watch_stdin, tty, &n);
	else
		ret = run_eventfd(fd, &o, watch_stdin, tty, &n);
	if (ret)
		status = EXIT_FAILURE;

	if (term_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	/* Closing cancels a pending eventfd registration. */
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
