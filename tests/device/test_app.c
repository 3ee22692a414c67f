// SPDX-License-Identifier: GPL-2.0
/*
 * The event app against the device: what it prints, and how it finds
 * the device among other instances: two at once, a stale device node,
 * and honest messages when the module does not load.  The app's loading
 * and unloading of the module is in test_lifecycle.c; its command line,
 * without a device, in tests/unit/test_app.c.
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
/* How long a stop may take once asked for: generous, the VM is slow. */
#define STOP_MS		10000

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

/* ---- two instances at once, a stale node ---- */

/*
 * Two instances, the second started at every moment of the first's life:
 * while it loads the module, uses it, and unloads it.  Each must get the
 * device, whoever loads or unloads it.  The module is unloaded between
 * rounds, so that every round has a load and an unload to race with.
 */
START_TEST(app_two_instances_in_a_loop)
{
	enum { ROUNDS = 10 };
	char *argv[] = { (char *)hwt_app_path(), "--count", "1", "0.005", "1",
			 NULL };
	struct app_opts ao = { .in = IN_PIPE };
	uint64_t t0, life;
	struct app a, b;

	/* How long one instance lives, alone. */
	t0 = now_ns();
	app_start(&a, &ao, argv);
	ck_assert_msg(app_wait(&a, STOP_MS, true, false), "still running");
	life = now_ns() - t0;
	assert_exited(&a, 0);
	app_reap(&a);
	hwt_diag("one instance lives %" PRIu64 " ms", life / NS_PER_MS);

	for (int i = 0; i < ROUNDS; i++) {
		ck_assert_int_eq(hwt_unload_retry(SOON_MS) == 0 ||
				 !module_loaded(), 1);
		app_start(&a, &ao, argv);
		hwt_spin_ns(life * i / (ROUNDS - 2));
		app_start(&b, &ao, argv);
		ck_assert_msg(app_wait(&a, STOP_MS, true, false) &&
			      app_wait(&b, STOP_MS, true, false),
			      "round %d: still running", i);
		ck_assert_msg(WIFEXITED(a.status) && !WEXITSTATUS(a.status) &&
			      WIFEXITED(b.status) && !WEXITSTATUS(b.status),
			      "round %d: statuses %#x and %#x; stderr: %s / %s",
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

/* ---- messages that tell the truth ---- */

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

static const struct hwt_case cases[] = {
	HWT_CASE(app_lines_give_the_driver_type, HWT_LOADED, 90),
	HWT_CASE(app_two_instances_in_a_loop, HWT_UNLOADED, 240),
	HWT_CASE(app_loads_the_module_behind_a_stale_node, HWT_UNLOADED, 60),
	HWT_CASE(app_unknown_symbol_is_not_a_missing_file, HWT_UNLOADED, 60),
};

const struct hwt_suite hwt_suite_app = HWT_SUITE("app", cases);
