// SPDX-License-Identifier: GPL-2.0
/*
 * The event app against the device: what it prints, and how it behaves
 * as a Unix program among pipes, shells and other instances: stopping
 * while its output is stalled, closed standard descriptors, inherited
 * SIG_IGN, the exit status after a signal, job control on a terminal,
 * input that is not a terminal, two instances at once, a stale device
 * node, honest messages when the module does not load, and io_uring
 * submissions that fail.  The app's loading and unloading of the module
 * is in test_lifecycle.c; its command line, without a device, in
 * tests/unit/test_app.c.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hwtest.h"

#define APP_TIMEOUT_S	60
/* How long a stop may take once asked for, module unload included:
 * generous, the VM is slow, and the debug kernel (KASAN) slower. */
#define STOP_MS		30000

/*
 * Each <type> prints the driver's type, HWEVENT_TYPE_*, on its event
 * lines, never its own number: "type 2" is the event queue, whichever
 * way the app read it.
 */
START_TEST(app_lines_give_the_driver_type)
{
	static const struct {
		const char *type;
		const char *line;
	} modes[] = {
		{ "0", "event 1: type 0 cookie 1 seq " },
		{ "1", "event 1: type 1 cookie 1 count 1 after " },
		{ "2", "event 1: type 0 via io_uring cookie 1 seq " },
		{ "3", "event 1: type 2 via poll cookie 1 seq " },
		{ "4", "event 1: type 2 via SIGIO cookie 1 seq " },
	};
	struct hwt_output o;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *argv[] = { (char *)hwt_app_path(), "--count", "2",
				 "0.001", (char *)modes[i].type, NULL };
		int st = hwt_run(argv, (uid_t)-1, &o, APP_TIMEOUT_S, NULL);

		ck_assert_msg(st == 0, "type %s: exit %d; stderr: %s",
			      modes[i].type, st, o.err);
		ck_assert_msg(!strncmp(o.out, modes[i].line,
				       strlen(modes[i].line)),
			      "type %s: '%s' does not start with '%s'",
			      modes[i].type, o.out, modes[i].line);
		ck_assert_msg(hwt_count_lines(o.out, "event ") == 2,
			      "type %s: not 2 event lines: %s", modes[i].type,
			      o.out);
	}
	hwt_assert_rest();
}
END_TEST

/* ---- an app run under the test's control ---- */

enum app_stdin {
	IN_PIPE,	/* a pipe the test writes to (app.in) */
	IN_CLOSED,	/* no descriptor 0 at all */
};

struct app {
	pid_t pid;
	int in;			/* write end of its stdin pipe, or -1 */
	int out;		/* read end of its stdout, or -1 if closed */
	int err;		/* read end of its stderr */
	char outbuf[HWT_OUT_MAX];
	char errbuf[HWT_OUT_MAX];
	size_t outlen, errlen;
	bool ended;		/* it exited or was killed */
	int status;		/* its last wait status */
	/* On a terminal (tty_app_start()): its shell, the shell's commands
	 * and the wait statuses the shell reports; else 0, -1, -1. */
	pid_t shell;
	int cmd, ev;
};

struct app_opts {
	enum app_stdin in;
	bool close_stdout;
	bool ignore_sighup;
	const char *preload;	/* LD_PRELOAD, for the io_uring tests */
	const char *fail_submit; /* HWEVENT_FAIL_SUBMIT for that library */
};

static void app_start(struct app *a, const struct app_opts *ao,
		      char *const argv[])
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2];

	memset(a, 0, sizeof(*a));
	a->in = a->out = a->cmd = a->ev = -1;
	if (ao->in == IN_PIPE)
		ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	if (!ao->close_stdout)
		ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	fflush(NULL);
	a->pid = fork();
	ck_assert_int_ge(a->pid, 0);
	if (a->pid == 0) {
		sigset_t none;

		/* A job of its own: the test is its shell.  A failed test
		 * must not leave it running, holding the device. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ao->in == IN_PIPE)
			dup2(in[0], STDIN_FILENO);
		else
			close(STDIN_FILENO);
		if (ao->close_stdout)
			close(STDOUT_FILENO);
		else
			dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		signal(SIGHUP, ao->ignore_sighup ? SIG_IGN : SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (ao->preload) {
			setenv("LD_PRELOAD", ao->preload, 1);
			/* ASan wants to be first, but this library does
			 * not allocate. */
			setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
		}
		if (ao->fail_submit)
			setenv("HWEVENT_FAIL_SUBMIT", ao->fail_submit, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	/* Both sides set the group: no race with the first signal. */
	setpgid(a->pid, a->pid);
	if (in[0] >= 0) {
		close(in[0]);
		a->in = in[1];
	}
	if (out[1] >= 0) {
		close(out[1]);
		a->out = out[0];
		fcntl(a->out, F_SETFL, O_NONBLOCK);
	}
	close(err[1]);
	a->err = err[0];
	fcntl(a->err, F_SETFL, O_NONBLOCK);
}

static void drain_fd(int fd, char *buf, size_t *len)
{
	char tmp[4096];
	ssize_t n;

	while (fd >= 0 && (n = read(fd, tmp, sizeof(tmp))) > 0) {
		if ((size_t)n > HWT_OUT_MAX - 1 - *len)
			n = (ssize_t)(HWT_OUT_MAX - 1 - *len);
		memcpy(buf + *len, tmp, (size_t)n);
		*len += (size_t)n;
		buf[*len] = '\0';
	}
}

/* Take what the app wrote so far; stdout only if @out. */
static void app_drain(struct app *a, bool out)
{
	if (out)
		drain_fd(a->out, a->outbuf, &a->outlen);
	drain_fd(a->err, a->errbuf, &a->errlen);
}

/*
 * Wait up to @ms for the app to end (or, with @untraced, to stop),
 * draining its stderr and, if @out, its stdout meanwhile.  Returns
 * whether it did; its wait status is then in a->status.
 */
static bool app_wait(struct app *a, int ms, bool out, bool untraced)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * NS_PER_MS;
	pid_t r;

	for (;;) {
		app_drain(a, out);
		/* On a terminal, its shell waits for it and tells. */
		if (a->ev >= 0)
			r = read(a->ev, &a->status, sizeof(a->status)) ==
			    sizeof(a->status) ? a->pid : 0;
		else
			r = waitpid(a->pid, &a->status, WNOHANG |
				    (untraced ? WUNTRACED : 0));
		if (r == a->pid) {
			app_drain(a, out);
			a->ended = !WIFSTOPPED(a->status);
			return true;
		}
		if (now_ns() >= deadline)
			return false;
		hwt_sleep_ms(10);
	}
}

/* Kill what is left of it, close our ends. */
static void app_reap(struct app *a)
{
	if (a->pid > 0 && !a->ended) {
		kill(a->pid, SIGKILL);
		if (a->ev < 0)
			waitpid(a->pid, &a->status, 0);
	}
	if (a->shell > 0) {
		close(a->cmd);
		close(a->ev);
		kill(a->shell, SIGKILL);
		waitpid(a->shell, NULL, 0);
		a->shell = 0;
		a->cmd = a->ev = -1;
	}
	a->pid = 0;
	if (a->in >= 0)
		close(a->in);
	if (a->out >= 0)
		close(a->out);
	close(a->err);
	a->in = a->out = a->err = -1;
}

/* Wait until its stderr has @needle (the banner, a message). */
static bool app_says(struct app *a, const char *needle, int ms)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * NS_PER_MS;

	for (;;) {
		app_drain(a, a->out >= 0);
		if (hwt_contains(a->errbuf, needle))
			return true;
		if (now_ns() >= deadline)
			return false;
		hwt_sleep_ms(10);
	}
}

/* The app ended, killed by @sig, without a core dump. */
static void assert_killed_by(const struct app *a, int sig)
{
	ck_assert_msg(WIFSIGNALED(a->status) && WTERMSIG(a->status) == sig,
		      "status %#x, not killed by SIG%s; stderr: %s", a->status,
		      sigabbrev_np(sig), a->errbuf);
	ck_assert_msg(!WCOREDUMP(a->status), "it dumped core");
}

static void assert_exited(const struct app *a, int code)
{
	ck_assert_msg(WIFEXITED(a->status) && WEXITSTATUS(a->status) == code,
		      "status %#x, not exit %d; stderr: %s", a->status, code,
		      a->errbuf);
}

/* The app loaded the module, so it must have unloaded it. */
static void assert_unloaded(const struct app *a)
{
	ck_assert_msg(!module_loaded(), "the module is still loaded; "
		      "stderr: %s", a->errbuf);
}

/* ---- 1. stopping while stdout is blocked ---- */

/*
 * Nobody reads stdout, and events come every 100 us: the pipe fills
 * and the app can write no more.  SIGTERM must still stop it, unload the
 * module, and end it by SIGTERM.
 */
static void stop_with_stalled_stdout(const char *type)
{
	char *argv[] = { (char *)hwt_app_path(), "--period", "0.0001",
			 "0.01", (char *)type, NULL };
	struct app_opts ao = { .in = IN_PIPE };
	struct app a;
	int pending = 0;

	app_start(&a, &ao, argv);
	ck_assert_msg(app_says(&a, "delay", SOON_MS), "no banner: %s",
		      a.errbuf);
	/* Until the pipe is full: it holds a lot and stops growing. */
	for (int i = 0, before = -1; i < 100; i++) {
		hwt_sleep_ms(200);
		ck_assert_int_eq(ioctl(a.out, FIONREAD, &pending), 0);
		if (pending == before && pending >= 32 * 1024)
			break;
		before = pending;
	}
	ck_assert_msg(pending >= 32 * 1024, "stdout holds only %d bytes",
		      pending);
	ck_assert_int_eq(kill(a.pid, SIGTERM), 0);
	ck_assert_msg(app_wait(&a, STOP_MS, false, false),
		      "type %s: SIGTERM did not stop it within %d ms with "
		      "stdout full; stderr: %s", type, STOP_MS, a.errbuf);
	assert_killed_by(&a, SIGTERM);
	app_reap(&a);
	assert_unloaded(&a);
}

/* Type 0 writes with the stop signals unblocked; a stop ends its wait. */
START_TEST(app_stops_with_stdout_stalled_request)
{
	stop_with_stalled_stdout("0");
}
END_TEST

START_TEST(app_stops_with_stdout_stalled_eventfd)
{
	stop_with_stalled_stdout("1");
}
END_TEST

START_TEST(app_stops_with_stdout_stalled_uring)
{
	stop_with_stalled_stdout("2");
}
END_TEST

START_TEST(app_stops_with_stdout_stalled_poll)
{
	stop_with_stalled_stdout("3");
}
END_TEST

START_TEST(app_stops_with_stdout_stalled_sigio)
{
	stop_with_stalled_stdout("4");
}
END_TEST

/* ---- 3. closed standard descriptors ---- */

/*
 * With no descriptor 0, the device must not become it, to be watched as
 * standard input: a closed stdin reads as /dev/null, the end of input.
 * (Type 1, whose events come through an eventfd: a device watched as
 * stdin never becomes readable, and the app would run for ever.)  The
 * first event is due long after the end of input is seen: an event that
 * fired while the app started would be printed with it, and say nothing
 * about where the device went.
 */
START_TEST(app_closed_stdin_is_end_of_input)
{
	char *argv[] = { (char *)hwt_app_path(), "10", "1", NULL };
	struct app_opts ao = { .in = IN_CLOSED };
	struct app a;

	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	assert_exited(&a, 0);
	ck_assert_msg(hwt_contains(a.errbuf, "stopped by end of input"),
		      "stderr: %s", a.errbuf);
	ck_assert_msg(hwt_count_lines(a.outbuf, "event ") == 0,
		      "it read the device as its input: %s", a.outbuf);
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

/* With no descriptor 1, event lines must not go to the device. */
START_TEST(app_closed_stdout_writes_nothing_to_the_device)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "2", "0.01", "1",
			 NULL };
	struct app_opts ao = { .in = IN_PIPE, .close_stdout = true };
	struct app a;

	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, false, false), "still running");
	assert_exited(&a, 0);
	ck_assert_msg(hwt_contains(a.errbuf, "2 events"), "stderr: %s",
		      a.errbuf);
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

/* ---- 4, 5, 6. signals ---- */

/* Run the app until it prints an event, then send @sig. */
static void run_then_signal(struct app *a, const struct app_opts *ao,
			    const char *type, int sig)
{
	char *argv[] = { (char *)hwt_app_path(), "0.02", (char *)type, NULL };

	app_start(a, ao, argv);
	ck_assert_msg(app_says(a, "delay", SOON_MS), "no banner: %s",
		      a->errbuf);
	for (int i = 0; i < 500 && !hwt_contains(a->outbuf, "event 1:"); i++) {
		hwt_sleep_ms(10);
		app_drain(a, true);
	}
	ck_assert_msg(hwt_contains(a->outbuf, "event 1:"), "no event: %s",
		      a->errbuf);
	ck_assert_int_eq(kill(a->pid, sig), 0);
}

/*
 * A shell learns that its child was stopped by Ctrl-C only from the
 * child's death by SIGINT: a loop of `event 1 0` must be interruptible.
 * Each stop signal ends the app, after its cleanup, by that signal.
 */
START_TEST(app_dies_of_the_signal_that_stopped_it)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static const char *const types[] = { "0", "1", "2" };
	struct app_opts ao = { .in = IN_PIPE };
	char stopped_by[32];
	struct app a;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		run_then_signal(&a, &ao, types[i], sigs[i]);
		ck_assert_msg(app_wait(&a, STOP_MS, true, false),
			      "SIG%s did not stop it", sigabbrev_np(sigs[i]));
		assert_killed_by(&a, sigs[i]);
		snprintf(stopped_by, sizeof(stopped_by), "stopped by SIG%s",
			 sigabbrev_np(sigs[i]));
		ck_assert_msg(hwt_contains(a.errbuf, stopped_by),
			      "stderr: %s", a.errbuf);
		app_reap(&a);
		assert_unloaded(&a);
	}
}
END_TEST

/* Ctrl-\ (SIGQUIT) is a stop: cleanup, no core dump. */
START_TEST(app_sigquit_is_a_stop)
{
	struct app_opts ao = { .in = IN_PIPE };
	struct rlimit core = { RLIM_INFINITY, RLIM_INFINITY };
	struct app a;

	/* Were it the default action, there would be a core to dump. */
	setrlimit(RLIMIT_CORE, &core);
	run_then_signal(&a, &ao, "3", SIGQUIT);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	assert_killed_by(&a, SIGQUIT);
	ck_assert_msg(hwt_contains(a.errbuf, "stopped by SIGQUIT"),
		      "stderr: %s", a.errbuf);
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

/* `nohup event ... &`: a SIGHUP ignored at start stays ignored. */
START_TEST(app_keeps_an_ignored_sighup)
{
	struct app_opts ao = { .in = IN_PIPE, .ignore_sighup = true };
	struct app a;
	size_t before;

	run_then_signal(&a, &ao, "1", SIGHUP);
	before = a.outlen;
	ck_assert_msg(!app_wait(&a, 1000, true, false),
		      "SIGHUP stopped it; stderr: %s", a.errbuf);
	ck_assert_msg(a.outlen > before, "no event after SIGHUP");
	ck_assert_int_eq(kill(a.pid, SIGTERM), 0);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	assert_killed_by(&a, SIGTERM);
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

/* ---- 7. input that is not a terminal ---- */

/*
 * `tail -f log | event 1 0`: lines are read and dropped; only the end of
 * input stops it.  Types 0, 1 and 2: the three ways stdin is watched (a
 * thread, ppoll() as types 3 and 4 too, an io_uring poll).
 */
START_TEST(app_reads_piped_input_until_its_end)
{
	static const char *const types[] = { "0", "1", "2" };
	char *argv[] = { (char *)hwt_app_path(), "0.02", NULL, NULL };
	struct app_opts ao = { .in = IN_PIPE };
	struct app a;
	size_t before;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		argv[2] = (char *)types[i];
		app_start(&a, &ao, argv);
		ck_assert_msg(app_says(&a, "end of input", SOON_MS),
			      "no banner: %s", a.errbuf);
		for (int k = 0; k < 5; k++) {
			ck_assert_int_eq(write(a.in, "a line\n", 7), 7);
			hwt_sleep_ms(50);
		}
		before = a.outlen;
		ck_assert_msg(!app_wait(&a, 500, true, false),
			      "type %s: input stopped it; stderr: %s",
			      types[i], a.errbuf);
		ck_assert_msg(a.outlen > before, "type %s: no event after "
			      "the input", types[i]);
		close(a.in);
		a.in = -1;
		ck_assert_msg(app_wait(&a, STOP_MS, true, false),
			      "type %s: the end of input did not stop it",
			      types[i]);
		assert_exited(&a, 0);
		ck_assert_msg(hwt_contains(a.errbuf, "stopped by end of input"),
			      "stderr: %s", a.errbuf);
		app_reap(&a);
		assert_unloaded(&a);
	}
}
END_TEST

/* ---- 6. job control on a terminal ---- */

/*
 * A terminal for the app, and a small shell: Check runs each test in a
 * process group of its own, whose leader cannot start a session, so a
 * forked helper does.  It takes a new pseudo-terminal as its controlling
 * terminal, starts the app as a job in the foreground, then does what the
 * test asks of a shell (fg, bg) and reports every change of the job's
 * state.  It ignores SIGTTOU, as shells do, to hand the terminal around.
 */
struct term {
	int master;
	int slave;		/* the test's own, to read the modes */
	struct termios cooked;
};

static void term_open(struct term *t)
{
	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(t->master, 0);
	ck_assert_int_eq(grantpt(t->master), 0);
	ck_assert_int_eq(unlockpt(t->master), 0);
	t->slave = open(ptsname(t->master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(t->slave, 0);
	ck_assert_int_eq(tcgetattr(t->slave, &t->cooked), 0);
	ck_assert_msg(t->cooked.c_lflag & ICANON, "a new pty is not canonical");
}

/* The helper: never returns; no asserts (a forked process). */
static void __attribute__((noreturn))
shell_main(const char *tty_name, char *const argv[], int out, int err,
	   int cmd, int ev)
{
	pid_t app;
	char c;
	int tty, st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setsid() < 0)
		_exit(1);
	/* A session leader opening a terminal makes it its own. */
	tty = open(tty_name, O_RDWR);
	if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) < 0)
		_exit(2);
	signal(SIGTTOU, SIG_IGN);
	app = fork();
	if (app < 0)
		_exit(3);
	if (app == 0) {
		sigset_t none;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		tcsetpgrp(tty, getpid());
		signal(SIGTTOU, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(tty, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(app, app);
	tcsetpgrp(tty, app);
	if (write(ev, &app, sizeof(app)) != sizeof(app))
		_exit(4);
	fcntl(cmd, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(cmd, &c, 1);

		if (n == 1) {
			/* fg: the job gets the terminal; bg: the shell. */
			tcsetpgrp(tty, c == 'f' ? app : getpgrp());
			kill(-app, SIGCONT);
		} else if (n == 0) {
			/* The test is gone: so is the job. */
			kill(-app, SIGKILL);
			_exit(0);
		}
		if (waitpid(app, &st, WNOHANG | WUNTRACED) == app) {
			if (write(ev, &st, sizeof(st)) != sizeof(st))
				_exit(5);
			if (!WIFSTOPPED(st))
				_exit(0);
		}
		usleep(5000);
	}
}

/* Start the app on terminal @t, as a foreground job of a helper shell. */
static void tty_app_start(struct app *a, struct term *t, char *const argv[])
{
	int out[2], err[2], cmd[2], ev[2];
	pid_t app = 0;

	memset(a, 0, sizeof(*a));
	a->in = -1;
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(cmd, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ev, O_CLOEXEC), 0);
	fflush(NULL);
	a->shell = fork();
	ck_assert_int_ge(a->shell, 0);
	if (a->shell == 0)
		shell_main(ptsname(t->master), argv, out[1], err[1], cmd[0],
			   ev[1]);
	close(out[1]);
	close(err[1]);
	close(cmd[0]);
	close(ev[1]);
	a->out = out[0];
	a->err = err[0];
	a->cmd = cmd[1];
	a->ev = ev[0];
	ck_assert_msg(read(a->ev, &app, sizeof(app)) == sizeof(app),
		      "the helper shell did not start the app");
	a->pid = app;
	fcntl(a->out, F_SETFL, O_NONBLOCK);
	fcntl(a->err, F_SETFL, O_NONBLOCK);
	fcntl(a->ev, F_SETFL, O_NONBLOCK);
}

/* Ask the helper shell for fg ('f') or bg ('b'). */
static void tty_shell(const struct app *a, char c)
{
	ck_assert_int_eq(write(a->cmd, &c, 1), 1);
}

static bool term_raw(const struct term *t)
{
	struct termios now;

	return !tcgetattr(t->slave, &now) && !(now.c_lflag & (ICANON | ECHO));
}

/* Wait up to @ms for the terminal to be raw (or not, with !@raw). */
static bool term_becomes(const struct term *t, bool raw, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (term_raw(t) == raw)
			return true;
		hwt_sleep_ms(10);
	}
	return term_raw(t) == raw;
}

static void term_type(const struct term *t, const char *keys)
{
	ck_assert_int_eq(write(t->master, keys, strlen(keys)),
			 (ssize_t)strlen(keys));
}

/* On a terminal, any key stops it, and the terminal is as it was. */
START_TEST(app_a_key_stops_it_on_a_terminal)
{
	char *argv[] = { (char *)hwt_app_path(), "0.02", "1", NULL };
	struct term t;
	struct app a;

	term_open(&t);
	tty_app_start(&a, &t, argv);
	ck_assert_msg(app_says(&a, "press a key", SOON_MS), "stderr: %s",
		      a.errbuf);
	ck_assert_msg(term_becomes(&t, true, SOON_MS), "not raw");
	term_type(&t, "q");
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "a key did not "
		      "stop it; stderr: %s", a.errbuf);
	assert_exited(&a, 0);
	ck_assert_msg(hwt_contains(a.errbuf, "stopped by a key"), "stderr: %s",
		      a.errbuf);
	ck_assert_msg(!term_raw(&t), "the terminal was left raw");
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

/*
 * Ctrl-Z stops it with the terminal restored; fg makes it raw again;
 * Ctrl-Z and bg let it run in the background without touching the
 * terminal (no SIGTTIN, no SIGTTOU, even when keys are typed for the
 * shell); SIGTERM then ends it, by SIGTERM, from the background too.
 */
START_TEST(app_job_control_on_a_terminal)
{
	char *argv[] = { (char *)hwt_app_path(), "0.02", "1", NULL };
	struct term t;
	struct app a;
	size_t before;

	term_open(&t);
	tty_app_start(&a, &t, argv);
	ck_assert_msg(app_says(&a, "press a key", SOON_MS), "stderr: %s",
		      a.errbuf);
	ck_assert_msg(term_becomes(&t, true, SOON_MS), "not raw");

	/* Ctrl-Z: stopped, the terminal cooked while it is. */
	term_type(&t, "\x1a");
	ck_assert_msg(app_wait(&a, STOP_MS, true, true) &&
		      WIFSTOPPED(a.status) && WSTOPSIG(a.status) == SIGTSTP,
		      "Ctrl-Z did not stop it: status %#x, stderr %s",
		      a.status, a.errbuf);
	ck_assert_msg(!term_raw(&t), "stopped with the terminal raw");

	/* fg: in the foreground again, raw again. */
	tty_shell(&a, 'f');
	ck_assert_msg(term_becomes(&t, true, SOON_MS), "raw mode not set "
		      "again after fg");

	/* Ctrl-Z, then bg: the shell keeps the terminal. */
	term_type(&t, "\x1a");
	ck_assert_msg(app_wait(&a, STOP_MS, true, true) &&
		      WIFSTOPPED(a.status), "Ctrl-Z did not stop it again");
	tty_shell(&a, 'b');
	hwt_sleep_ms(200);
	ck_assert_msg(!term_raw(&t), "raw mode set from the background");
	/* Keys for the shell: the app must not read them. */
	term_type(&t, "ls\n");
	app_drain(&a, true);
	before = a.outlen;
	ck_assert_msg(!app_wait(&a, 1000, true, true), "in the background it "
		      "stopped or ended: status %#x, stderr %s", a.status,
		      a.errbuf);
	ck_assert_msg(a.outlen > before, "no events in the background");

	ck_assert_int_eq(kill(a.pid, SIGTERM), 0);
	ck_assert_msg(app_wait(&a, STOP_MS, true, true), "SIGTERM did not "
		      "end it in the background");
	ck_assert_msg(!WIFSTOPPED(a.status), "stopped by SIG%s at exit",
		      sigabbrev_np(WSTOPSIG(a.status)));
	assert_killed_by(&a, SIGTERM);
	ck_assert_msg(!term_raw(&t), "the terminal was left raw");
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

/*
 * `event 1 1 | less`: another reader of the terminal may take the key
 * that poll(2) announced to the app; the app must not then block in
 * read(2), with its stop signals blocked, for good.  A thread of the test
 * waits in read(2) on the terminal when a key is typed, and mostly takes
 * it, as it is in the kernel already; in a round where it did, the app
 * must go on (it got no key) and stop on SIGTERM.  A round where the app
 * got the key (and stopped, as for any key) proves nothing: try again.
 */
struct thief {
	int fd;
	pthread_t thread;
	volatile int took;	/* bytes it read */
};

static void on_usr2(int sig)
{
	(void)sig;
}

static void *steal_key(void *arg)
{
	struct thief *th = arg;
	char c;

	/* Ends with a byte, or EINTR from on_usr2(). */
	if (read(th->fd, &c, 1) == 1)
		th->took = 1;
	return NULL;
}

START_TEST(app_tty_key_taken_by_another_reader)
{
	char *argv[] = { (char *)hwt_app_path(), "0.05", "1", NULL };
	struct sigaction sa = { .sa_handler = on_usr2 };
	int round, taken = 0;
	struct term t;
	struct app a;

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
	term_open(&t);
	for (round = 0; round < 10 && !taken; round++) {
		struct thief th = { .fd = t.slave };

		tty_app_start(&a, &t, argv);
		ck_assert_msg(term_becomes(&t, true, SOON_MS), "not raw");
		ck_assert_msg(app_says(&a, "press a key", SOON_MS),
			      "stderr: %s", a.errbuf);
		ck_assert_int_eq(pthread_create(&th.thread, NULL, steal_key,
						&th), 0);
		hwt_sleep_ms(200);	/* in read(2) by now */
		term_type(&t, "k");
		hwt_sleep_ms(300);
		pthread_kill(th.thread, SIGUSR2);
		pthread_join(th.thread, NULL);
		if (!th.took) {
			/* The app had it: stopped by a key, or stopping. */
			ck_assert_msg(app_wait(&a, STOP_MS, true, false),
				      "neither the app nor the other reader "
				      "got the key");
			assert_exited(&a, 0);
			app_reap(&a);
			continue;
		}
		taken = 1;
		ck_assert_msg(!app_wait(&a, 500, true, false),
			      "it stopped without a key; stderr: %s", a.errbuf);
		kill(a.pid, SIGTERM);
		ck_assert_msg(app_wait(&a, STOP_MS, true, false),
			      "SIGTERM did not stop it after another reader "
			      "took the key; stderr: %s", a.errbuf);
		assert_killed_by(&a, SIGTERM);
		ck_assert_msg(!term_raw(&t), "the terminal was left raw");
		app_reap(&a);
	}
	hwt_diag("the other reader took the key in round %d", round);
	ck_assert_msg(taken, "in %d rounds the other reader never took the "
		      "key first", round);
	assert_unloaded(&a);
}
END_TEST

/* ---- 2. two instances at once, a stale node ---- */

/*
 * Two instances, the second started at every moment of the first's life:
 * while it loads the module, uses it, and unloads it.  Each must get the
 * device, whoever loads or unloads it.  The module is unloaded between
 * rounds, so that every round has a load and an unload to race with.
 */
START_TEST(app_two_instances_in_a_loop)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "1", "0.005", "1",
			 NULL };
	struct app_opts ao = { .in = IN_PIPE };
	uint64_t t0, life;
	unsigned int rounds;
	struct app a, b;

	/* How long one instance lives, alone. */
	t0 = now_ns();
	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	life = now_ns() - t0;
	assert_exited(&a, 0);
	app_reap(&a);
	/* Ten rounds, fewer where an instance lives long (the debug
	 * kernel): about a minute at most. */
	rounds = (unsigned int)(60 * NS_PER_SEC / (2 * life));
	rounds = rounds < 4 ? 4 : rounds > 10 ? 10 : rounds;
	hwt_diag("one instance lives %" PRIu64 " ms: %u rounds",
		 life / NS_PER_MS, rounds);

	for (unsigned int i = 0; i < rounds; i++) {
		ck_assert_int_eq(hwt_unload_retry(SOON_MS) == 0 ||
				 !module_loaded(), 1);
		app_start(&a, &ao, argv);
		hwt_spin_ns(life * i / (rounds - 2));
		app_start(&b, &ao, argv);
		ck_assert_msg(app_wait(&a, STOP_MS, true, false) &&
			      app_wait(&b, STOP_MS, true, false),
			      "round %u: still running", i);
		ck_assert_msg(WIFEXITED(a.status) && !WEXITSTATUS(a.status) &&
			      WIFEXITED(b.status) && !WEXITSTATUS(b.status),
			      "round %u: statuses %#x and %#x; stderr: %s / %s",
			      i, a.status, b.status, a.errbuf, b.errbuf);
		app_reap(&a);
		app_reap(&b);
	}
	/* The last one out may have found the other still using it. */
	ck_assert_int_eq(hwt_unload_retry(SOON_MS) == 0 || !module_loaded(),
			 1);
}
END_TEST

/*
 * A device node left behind by an earlier load, the module gone: open()
 * fails with ENODEV or ENXIO, and the app must load the module rather
 * than give up because the node exists.
 */
START_TEST(app_loads_the_module_behind_a_stale_node)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "1", "0.01", "1",
			 NULL };
	struct app_opts ao = { .in = IN_PIPE };
	unsigned int major, minor;
	char dev[32] = "";
	struct app a;
	FILE *f;

	ck_assert_int_eq(module_load(hwt_ko_path(), NULL), 0);
	ck_assert_int_eq(device_wait_node(SOON_MS), 0);
	f = fopen("/sys/class/misc/hwevent/dev", "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(dev, sizeof(dev), f));
	fclose(f);
	ck_assert_int_eq(sscanf(dev, "%u:%u", &major, &minor), 2);
	ck_assert_int_eq(hwt_unload_retry(SOON_MS), 0);
	for (int i = 0; i < 500 && !access(HWEVENT_DEV_PATH, F_OK); i++)
		hwt_sleep_ms(10);
	ck_assert_int_eq(mknod(HWEVENT_DEV_PATH, S_IFCHR | 0600,
			       makedev(major, minor)), 0);

	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	app_reap(&a);
	/* Whatever happened, no stale node for the next test. */
	if (!module_loaded())
		unlink(HWEVENT_DEV_PATH);
	assert_exited(&a, 0);
	ck_assert_msg(hwt_count_lines(a.outbuf, "event 1:") == 1, "stdout: %s",
		      a.outbuf);
	assert_unloaded(&a);
}
END_TEST

/* ---- 8. messages that tell the truth ---- */

/*
 * finit_module(2) fails with ENOENT for a symbol the kernel lacks; the
 * file is there, and the app must not say it is missing.  A copy of the
 * module whose reference to eventfd_ctx_put is renamed stands for a
 * module built for another kernel's symbols.
 */
START_TEST(app_unknown_symbol_is_not_a_missing_file)
{
	static const char sym[] = "eventfd_ctx_put";
	char app[PATH_MAX], ko[PATH_MAX];
	const char *dir = hwt_mktempdir();
	char *argv[] = { app, "--count", "1", "0.01", "1", NULL };
	struct hwt_output o;
	char *buf, *p;
	size_t len = 0, n;
	FILE *f;
	int st, patched = 0;

	snprintf(app, sizeof(app), "%s/event", dir);
	snprintf(ko, sizeof(ko), "%s/hwevent.ko", dir);
	hwt_copy_file(hwt_app_path(), app, 0755);
	f = fopen(hwt_ko_path(), "re");
	ck_assert_ptr_nonnull(f);
	buf = malloc(16 << 20);
	ck_assert_ptr_nonnull(buf);
	while ((n = fread(buf + len, 1, (16 << 20) - len, f)) > 0)
		len += n;
	fclose(f);
	/* Every whole occurrence: the symbol table and __versions. */
	for (p = buf; (p = memmem(p, len - (size_t)(p - buf), sym,
				  sizeof(sym))); p += sizeof(sym)) {
		p[sizeof(sym) - 2] = 'X';
		patched++;
	}
	ck_assert_int_gt(patched, 0);
	f = fopen(ko, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
	ck_assert_int_eq(chmod(ko, 0644), 0);

	st = hwt_run(argv, (uid_t)-1, &o, APP_TIMEOUT_S, NULL);
	hwt_rmtree(dir);
	ck_assert_msg(st == 1, "exit %d, not 1; stderr: %s", st, o.err);
	ck_assert_msg(!hwt_contains(o.err, "missing") &&
		      !hwt_contains(o.err, "does not exist"),
		      "it says the file is missing: %s", o.err);
	ck_assert_msg(hwt_contains(o.err, "symbol") &&
		      hwt_contains(o.err, "dmesg"),
		      "it does not say a symbol is missing (see dmesg): %s",
		      o.err);
	ck_assert(!module_loaded());
}
END_TEST

/* ---- 9. io_uring submissions that fail ---- */

/*
 * libfailsubmit.so (tests/device/fail_submit.c), next to this test
 * binary in build/san/ or $HWEVENT_FAILSUBMIT, preloaded, makes the app's
 * io_uring_submit() calls fail as HWEVENT_FAIL_SUBMIT says.  EAGAIN and
 * EBUSY are the kernel's "later": the app must reap, submit again, and
 * print every event.
 */
static const char *failsubmit_path(void)
{
	static char path[PATH_MAX + 32];
	const char *p = getenv("HWEVENT_FAILSUBMIT");
	char exe[PATH_MAX];
	ssize_t n;

	if (p && *p)
		return p;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/libfailsubmit.so", exe);
	return path;
}

static void uring_submit_fails(const char *how, const char *inflight)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "6", "--inflight",
			 (char *)inflight, "0.01", "2", NULL };
	struct app_opts ao = {
		.in = IN_PIPE, .preload = failsubmit_path(), .fail_submit = how,
	};
	struct app a;

	ck_assert_msg(!access(ao.preload, R_OK), "%s: %s", ao.preload,
		      strerror(errno));
	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "%s: still running",
		      how);
	assert_exited(&a, 0);
	ck_assert_msg(hwt_count_lines(a.outbuf, "via io_uring") == 6,
		      "%s: not 6 events: %s; stderr: %s", how, a.outbuf,
		      a.errbuf);
	ck_assert_msg(hwt_contains(a.errbuf, "fail_submit: failed"),
		      "%s: the library failed no submission: %s", how,
		      a.errbuf);
	app_reap(&a);
	assert_unloaded(&a);
}

START_TEST(app_uring_submit_eagain_is_retried)
{
	uring_submit_fails("EAGAIN:1,3", "3");
}
END_TEST

START_TEST(app_uring_submit_ebusy_is_retried)
{
	uring_submit_fails("EBUSY:2", "2");
}
END_TEST

/*
 * A real failure ends the run at once: the requests that were never
 * submitted are not waited for (the app used to wait 5 s for them and
 * report that they "did not complete").
 */
START_TEST(app_uring_submit_failure_frees_what_was_not_submitted)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "6", "--inflight",
			 "3", "0.01", "2", NULL };
	struct app_opts ao = {
		.in = IN_PIPE, .preload = failsubmit_path(),
		.fail_submit = "EINVAL:2",
	};
	uint64_t t0;
	struct app a;

	t0 = now_ns();
	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	assert_exited(&a, 1);
	ck_assert_msg(hwt_contains(a.errbuf, "cannot submit"), "stderr: %s",
		      a.errbuf);
	ck_assert_msg(!hwt_contains(a.errbuf, "did not complete"),
		      "it waited for requests never submitted: %s", a.errbuf);
	ck_assert_msg(now_ns() - t0 < 4 * NS_PER_SEC, "it took %" PRIu64
		      " ms", (now_ns() - t0) / NS_PER_MS);
	app_reap(&a);
	assert_unloaded(&a);
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(app_lines_give_the_driver_type, HWT_LOADED, 90),
	HWT_CASE(app_stops_with_stdout_stalled_request, HWT_UNLOADED, 90),
	HWT_CASE(app_stops_with_stdout_stalled_eventfd, HWT_UNLOADED, 90),
	HWT_CASE(app_stops_with_stdout_stalled_uring, HWT_UNLOADED, 90),
	HWT_CASE(app_stops_with_stdout_stalled_poll, HWT_UNLOADED, 90),
	HWT_CASE(app_stops_with_stdout_stalled_sigio, HWT_UNLOADED, 90),
	HWT_CASE(app_closed_stdin_is_end_of_input, HWT_UNLOADED, 60),
	HWT_CASE(app_closed_stdout_writes_nothing_to_the_device,
		 HWT_UNLOADED, 60),
	HWT_CASE(app_dies_of_the_signal_that_stopped_it, HWT_UNLOADED, 90),
	HWT_CASE(app_sigquit_is_a_stop, HWT_UNLOADED, 60),
	HWT_CASE(app_keeps_an_ignored_sighup, HWT_UNLOADED, 60),
	HWT_CASE(app_reads_piped_input_until_its_end, HWT_UNLOADED, 120),
	HWT_CASE(app_a_key_stops_it_on_a_terminal, HWT_UNLOADED, 60),
	HWT_CASE(app_job_control_on_a_terminal, HWT_UNLOADED, 90),
	HWT_CASE(app_tty_key_taken_by_another_reader, HWT_UNLOADED, 90),
	HWT_CASE(app_two_instances_in_a_loop, HWT_UNLOADED, 240),
	HWT_CASE(app_loads_the_module_behind_a_stale_node, HWT_UNLOADED, 60),
	HWT_CASE(app_unknown_symbol_is_not_a_missing_file, HWT_UNLOADED, 60),
	HWT_CASE(app_uring_submit_eagain_is_retried, HWT_UNLOADED, 60),
	HWT_CASE(app_uring_submit_ebusy_is_retried, HWT_UNLOADED, 60),
	HWT_CASE(app_uring_submit_failure_frees_what_was_not_submitted,
		 HWT_UNLOADED, 60),
};

const struct hwt_suite hwt_suite_app = HWT_SUITE("app", cases);
