// SPDX-License-Identifier: GPL-2.0
/*
 * The event app's command line, run as a child process.
 *
 * The app is $HWEVENT_EVENT, else "event" next to this test binary (both
 * live in build/san/).  The tests run a copy in a temporary directory that
 * holds no hwevent.ko: the app looks for the module only in its own
 * directory, so even a wrongly accepted command line can never load a
 * module on the build host.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libhwevent.h"
#include "clock.h"
#include "unit.h"

static char tmpdir[PATH_MAX];
static char app[PATH_MAX + 32];

/* Why setup() failed, for every test to report; empty when it worked. */
static char setup_error[2 * PATH_MAX + 256];

static int app_path(char *buf, size_t size)
{
	const char *env = getenv("HWEVENT_EVENT");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(buf, size, "%s/event", exe);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, out, ret = -1;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				break;
		ret = close(out) || n ? -1 : 0;
	}
	close(in);
	return ret;
}

/*
 * Unchecked fixture: runs once, in the runner's process, so the teardown
 * also runs when a test fails.  A failure here would only shrink the TAP
 * plan, so it is recorded and each test fails with it instead.
 */
static void setup(void)
{
	char orig[PATH_MAX + 16] = "";
	const char *tmp = getenv("TMPDIR");

	if (app_path(orig, sizeof(orig)) || access(orig, X_OK)) {
		snprintf(setup_error, sizeof(setup_error),
			 "cannot run %s: %s (build it, or set HWEVENT_EVENT)",
			 orig, strerror(errno));
		return;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/hwevent-app-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir)) {
		snprintf(setup_error, sizeof(setup_error), "mkdtemp %s: %s",
			 tmpdir, strerror(errno));
		tmpdir[0] = '\0';
		return;
	}
	snprintf(app, sizeof(app), "%s/event", tmpdir);
	if (copy_file(orig, app))
		snprintf(setup_error, sizeof(setup_error),
			 "cannot copy %s to %s: %s", orig, app,
			 strerror(errno));
}

static void teardown(void)
{
	if (app[0])
		unlink(app);
	if (tmpdir[0])
		rmdir(tmpdir);
}

/* Run the app copy with @args (NULL-terminated), stdin from /dev/null. */
static void run_app(const char *const *args, struct run *r)
{
	ck_assert_msg(!setup_error[0], "%s", setup_error);
	run_prog(app, args, r);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_help)
{
	static const char *const variants[][3] = {
		{ "--help", NULL }, { "-h", NULL }, { "--help", "1", NULL },
	};
	struct run r;

	for (size_t i = 0; i < 3; i++) {
		run_app(variants[i], &r);
		ck_assert_int_eq(r.status, 0);
		ck_assert_ptr_nonnull(strstr(r.out, "Usage:"));
		ck_assert_ptr_nonnull(strstr(r.out, "--count"));
		ck_assert_str_eq(r.err, "");
	}
}
END_TEST

/* The help names every type and option. */
START_TEST(test_help_types)
{
	static const char *const words[] = {
		"--count", "--period", "--inflight", "--device", "eduN",
		"--help",
		"0: pending request", "1: event-based", "eventfd",
		"2: pending requests through io_uring", "3: event queue",
		"poll(2)", "4: event queue", "SIGIO", "HWEVENT_IOC_WAIT",
		"lost", "Exit status",
	};
	static const char *const args[] = { "--help", NULL };
	struct run r;

	run_app(args, &r);
	ck_assert_int_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		ck_assert_msg(strstr(r.out, words[i]), "'%s' not in: %s",
			      words[i], r.out);
}
END_TEST

/* Each of these exits with 2 and says why on stderr, before usage. */
static const struct {
	const char *args[6];
	const char *why;
} bad[] = {
	{ { NULL }, "missing arguments" },
	{ { "1", NULL }, "missing arguments" },
	{ { "1", "0", "0", NULL }, "too many arguments" },
	{ { "1", "5", NULL }, "invalid type" },
	{ { "1", "9", NULL }, "invalid type" },
	{ { "1", "22", NULL }, "invalid type" },
	{ { "--", "1", "-1", NULL }, "invalid type" },
	{ { "1", "01", NULL }, "invalid type" },
	{ { "1", "", NULL }, "invalid type" },
	{ { "1", " 1", NULL }, "invalid type" },
	{ { "abc", "0", NULL }, "invalid delay" },
	{ { "1e3", "1", NULL }, "invalid delay" },
	{ { "", "1", NULL }, "invalid delay" },
	{ { " 1", "1", NULL }, "invalid delay" },
	{ { "1.0000000001", "0", NULL }, "invalid delay" },
	{ { "--", "-1", "0", NULL }, "invalid delay" },
	{ { "0", "0", NULL }, "delay out of range" },
	{ { "0.000000000", "1", NULL }, "delay out of range" },
	{ { "86400.000000001", "1", NULL }, "delay out of range" },
	{ { "86401", "0", NULL }, "delay out of range" },
	{ { "99999999999999999999", "1", NULL }, "delay out of range" },
	{ { "--count", "0", "1", "1", NULL }, "invalid count" },
	{ { "--count=-1", "1", "1", NULL }, "invalid count" },
	{ { "-c", " 1", "1", "1", NULL }, "invalid count" },
	{ { "-c", "1x", "1", "1", NULL }, "invalid count" },
	{ { "-c", "99999999999999999999999", "1", "1", NULL },
	  "invalid count" },
	{ { "--count", NULL }, "requires an argument" },
	{ { "--period", "0", "1", "0", NULL }, "period out of range" },
	{ { "--period", "0.000009999", "1", "3", NULL },
	  "period out of range" },
	{ { "--period=86400.000000001", "1", "1", NULL },
	  "period out of range" },
	{ { "-p", "99999999999999999999", "1", "4", NULL },
	  "period out of range" },
	{ { "--period", "x", "1", "1", NULL }, "invalid period" },
	{ { "--period=-1", "1", "1", NULL }, "invalid period" },
	{ { "-p", "1e-3", "1", "2", NULL }, "invalid period" },
	{ { "-p", "", "1", "2", NULL }, "invalid period" },
	{ { "--period", NULL }, "requires an argument" },
	{ { "--inflight", "0", "1", "2", NULL },
	  "inflight count out of range" },
	{ { "--inflight", "1025", "1", "2", NULL },
	  "inflight count out of range" },
	{ { "-i", "99999999999999999999999", "1", "2", NULL },
	  "inflight count out of range" },
	{ { "--inflight", "x", "1", "2", NULL }, "invalid inflight count" },
	{ { "--inflight=-1", "1", "2", NULL }, "invalid inflight count" },
	{ { "-i", " 2", "1", "2", NULL }, "invalid inflight count" },
	{ { "-i", "", "1", "2", NULL }, "invalid inflight count" },
	{ { "--inflight", NULL }, "requires an argument" },
	{ { "--inflight", "2", "1", "0", NULL }, "applies to type 2 only" },
	{ { "-i", "1", "1", "1", NULL }, "applies to type 2 only" },
	{ { "-i", "4", "1", "3", NULL }, "applies to type 2 only" },
	{ { "-i", "4", "1", "4", NULL }, "applies to type 2 only" },
	{ { "--device", "foo", "1", "1", NULL }, "invalid device" },
	{ { "-d", "edu", "1", "1", NULL }, "invalid device" },
	{ { "-d", "edu01", "1", "1", NULL }, "invalid device" },
	{ { "-d", "edu1x", "1", "1", NULL }, "invalid device" },
	{ { "-d", "edu1234", "1", "1", NULL }, "invalid device" },
	{ { "-d", "/dev/hwevent-edu0", "1", "1", NULL }, "invalid device" },
	{ { "-d", "../edu0", "1", "1", NULL }, "invalid device" },
	{ { "--device", NULL }, "requires an argument" },
	{ { "--bogus", "1", "1", NULL }, "unrecognized option" },
	{ { "-x", "1", "1", NULL }, "invalid option" },
};

START_TEST(test_bad_usage)
{
	struct run r;

	run_app(bad[_i].args, &r);
	ck_assert_msg(r.status == 2, "exit %d, not 2; stderr: %s", r.status,
		      r.err);
	ck_assert_msg(strstr(r.err, bad[_i].why), "'%s' not in: %s",
		      bad[_i].why, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "Usage:"));
	ck_assert_str_eq(r.out, "");
}
END_TEST

/*
 * Valid command lines get past parsing.  Without a device the app then
 * looks for hwevent.ko in its own directory, which has none, and says
 * which file it missed; with one (in the VM) it runs a single event.
 */
static const struct {
	const char *args[10];
	const char *line;	/* start of the first event line */
	int lines;		/* event lines */
} good[] = {
	{ { "--count", "1", "0.000000001", "0", NULL },
	  "event 1: type 0 cookie 1 seq ", 1 },
	{ { "--count=1", "0.01", "1", NULL },
	  "event 1: type 1 cookie 1 count 1 after ", 1 },
	{ { "-c", "1", "0.001", "1", NULL },
	  "event 1: type 1 cookie 1 count 1 after ", 1 },
	{ { "1", "0", "--count", "1", NULL },
	  "event 1: type 0 cookie 1 seq ", 1 },
	{ { "-c1", "86400", "0", NULL }, NULL, 0 },
	{ { "-c", "3", "--period", "0.01", "0.001", "0", NULL },
	  "event 1: type 0 cookie 1 seq ", 3 },
	{ { "-c", "3", "-p", "0.01", "0.001", "1", NULL },
	  "event 1: type 1 cookie 1 count ", 3 },
	{ { "-c", "1", "0.001", "2", NULL },
	  "event 1: type 0 via io_uring cookie 1 seq ", 1 },
	{ { "-c", "5", "--inflight", "3", "0.001", "2", NULL },
	  "event 1: type 0 via io_uring cookie ", 5 },
	{ { "-c", "4", "-i", "2", "-p", "0.01", "0.001", "2", NULL },
	  "event 1: type 0 via io_uring cookie 1 seq ", 4 },
	{ { "-c", "2", "0.001", "3", NULL },
	  "event 1: type 2 via poll cookie 1 seq ", 2 },
	{ { "-c", "3", "-p", "0.01", "0.001", "3", NULL },
	  "event 1: type 2 via poll cookie 1 seq ", 3 },
	{ { "-c", "2", "0.001", "4", NULL },
	  "event 1: type 2 via SIGIO cookie 1 seq ", 2 },
	{ { "-c", "3", "-p", "0.01", "0.001", "4", NULL },
	  "event 1: type 2 via SIGIO cookie 1 seq ", 3 },
	{ { "-c1", "-i", "8", "86400", "2", NULL }, NULL, 0 },
	{ { "-c1", "-p", "1", "86400", "4", NULL }, NULL, 0 },
};

START_TEST(test_good_usage)
{
	char ko[PATH_MAX + 32];
	struct run r;

	if (access(HWEVENT_DEV_PATH, F_OK) == 0) {
		if (!good[_i].line)
			return;		/* a day is too long to wait */
		run_app(good[_i].args, &r);
		ck_assert_msg(r.status == 0, "exit %d; stderr: %s", r.status,
			      r.err);
		ck_assert_msg(count_lines(r.out) == good[_i].lines,
			      "%d event lines, not %d: %s", count_lines(r.out),
			      good[_i].lines, r.out);
		ck_assert_msg(!strncmp(r.out, good[_i].line,
				       strlen(good[_i].line)),
			      "'%s' does not start with '%s'", r.out,
			      good[_i].line);
		return;
	}
	run_app(good[_i].args, &r);
	snprintf(ko, sizeof(ko), "%s/hwevent.ko", tmpdir);
	ck_assert_msg(r.status == 1, "exit %d, not 1; stderr: %s", r.status,
		      r.err);
	ck_assert_msg(strstr(r.err, ko), "'%s' not in: %s", ko, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "missing"));
	ck_assert_str_eq(r.out, "");
}
END_TEST

/*
 * Closed standard descriptors are /dev/null, as for coreutils: --help
 * with stdout closed writes its text nowhere and succeeds, instead of
 * failing on a descriptor that is not there (or, with the device open,
 * writing into it).
 */
START_TEST(test_closed_stdout)
{
	static const char *const args[] = { "--help", NULL };
	struct run r;

	ck_assert_msg(!setup_error[0], "%s", setup_error);
	run_prog_flags(app, args, RUN_CLOSE_STDOUT, &r);
	ck_assert_msg(r.status == 0, "exit %d; stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
}
END_TEST

/*
 * Trust in the module file: event loads hwevent.ko from its own folder,
 * and may run under sudo, so it loads a file only if the file and its
 * folder are root's and nobody else may write to them.  These run on the
 * build host, which has no module support: a file it trusts gets as far
 * as finit_module(2), whose ENOSYS says so ("cannot load").
 */
static char ko[PATH_MAX + 32];

static void fake_ko(mode_t mode, uid_t owner)
{
	int fd;

	unlink(ko);
	fd = open(ko, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a module", 12), 12);
	close(fd);
	ck_assert_int_eq(chmod(ko, mode), 0);
	if (owner != (uid_t)-1)
		ck_assert_int_eq(chown(ko, owner, owner), 0);
}

static void run_trust(const char *expect, struct run *r)
{
	static const char *const args[] = { "--count", "1", "0.01", "1",
					    NULL };

	run_app(args, r);
	unlink(ko);
	chmod(tmpdir, 0700);
	if (!geteuid())
		chown(tmpdir, 0, 0);
	ck_assert_msg(r->status == 1, "exit %d, not 1; stderr: %s", r->status,
		      r->err);
	ck_assert_msg(strstr(r->err, expect), "'%s' not in: %s", expect,
		      r->err);
	ck_assert_str_eq(r->out, "");
}

#define NOBODY	65534

START_TEST(test_trust_module_file)
{
	struct run r;

	ck_assert_msg(!setup_error[0], "%s", setup_error);
	if (!access(HWEVENT_DEV_PATH, F_OK))
		return;		/* it would not load anything */
	snprintf(ko, sizeof(ko), "%s/hwevent.ko", tmpdir);

	/* Root's, 0644, in root's 0700 folder: tried. */
	fake_ko(0644, (uid_t)-1);
	run_trust(geteuid() ? "not root's" : "cannot load", &r);
	ck_assert_ptr_null(strstr(r.err, "writable"));

	/* Writable by others, or by the group. */
	fake_ko(0666, (uid_t)-1);
	run_trust("writable by group or others", &r);
	fake_ko(0664, (uid_t)-1);
	run_trust("writable by group or others", &r);

	/* Another user's. */
	fake_ko(0644, geteuid() ? (uid_t)-1 : NOBODY);
	run_trust("not root's", &r);

	/* The folder writable by others, or another user's. */
	fake_ko(0644, (uid_t)-1);
	ck_assert_int_eq(chmod(tmpdir, 0777), 0);
	run_trust("writable by group or others", &r);
	if (!geteuid()) {
		fake_ko(0644, (uid_t)-1);
		ck_assert_int_eq(chown(tmpdir, NOBODY, NOBODY), 0);
		run_trust("not root's", &r);
	}

	/* A symbolic link, to root's file or to anything. */
	ck_assert_int_eq(symlink("/etc/hostname", ko), 0);
	run_trust("symbolic link", &r);
}
END_TEST

Suite *app_suite(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("cli");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_help_types);
	tcase_add_loop_test(tc, test_bad_usage, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, test_good_usage, 0,
			    sizeof(good) / sizeof(good[0]));
	tcase_add_test(tc, test_closed_stdout);
	tcase_add_test(tc, test_trust_module_file);
	suite_add_tcase(s, tc);
	return s;
}
