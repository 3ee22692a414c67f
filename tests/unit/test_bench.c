// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench's command line, run as a child process: every option is parsed
 * strictly, and a bad one stops it with status 2 before it looks for the
 * device.  The benchmark is $HWEVENT_HWBENCH, else build/hwbench (the
 * folder above this test binary's).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhwevent.h"
#include "unit.h"

static char bench[PATH_MAX + 16];

static void bench_path(void)
{
	const char *env = getenv("HWEVENT_HWBENCH");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(bench, sizeof(bench), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	/* build/san/test_unit: build/hwbench */
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		ck_assert_ptr_nonnull(slash);
		*slash = '\0';
	}
	snprintf(bench, sizeof(bench), "%s/hwbench", exe);
	ck_assert_msg(!access(bench, X_OK), "cannot run %s: %s (make bench, "
		      "or set HWEVENT_HWBENCH)", bench, strerror(errno));
}

static const struct {
	const char *args[5];
	const char *why;
} bad[] = {
	{ { "--n", "abc", NULL }, "invalid --n: 'abc'" },
	{ { "--n", "0", NULL }, "invalid --n: '0'" },
	{ { "--n", "12x", NULL }, "invalid --n" },
	{ { "--n", "-5", NULL }, "invalid --n" },
	{ { "--n", " 5", NULL }, "invalid --n" },
	{ { "--n", "99999999999", NULL }, "invalid --n" },
	{ { "--pin", "x", NULL }, "invalid --pin: 'x'" },
	{ { "--pin", "-2", NULL }, "invalid --pin" },
	{ { "--pin", "1.5", NULL }, "invalid --pin" },
	{ { "--pin", "", NULL }, "invalid --pin" },
	{ { "--seed", "0x10", NULL }, "invalid --seed" },
	{ { "--seed", "", NULL }, "invalid --seed" },
	{ { "--seed", "0", NULL }, "invalid --seed" },
	{ { "--phases", "bogus", NULL }, "invalid --phases: 'bogus'" },
	{ { "--phases", "latency,", NULL }, "invalid --phases" },
	{ { "--phases", "latency,latency", NULL }, "invalid --phases" },
	{ { "--phases", "", NULL }, "invalid --phases" },
	{ { "--phases", "lat", NULL }, "invalid --phases" },
	{ { "--out", "", NULL }, "invalid --out" },
	{ { "extra", NULL }, "unexpected argument: 'extra'" },
	{ { "--bogus", NULL }, "unrecognized option" },
};

START_TEST(test_bad_option)
{
	struct run r;

	bench_path();
	run_prog(bench, bad[_i].args, &r);
	ck_assert_msg(r.status == 2, "exit %d, not 2; stderr: %s", r.status,
		      r.err);
	ck_assert_msg(strstr(r.err, bad[_i].why), "'%s' not in: %s",
		      bad[_i].why, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "usage: hwbench"));
	ck_assert_str_eq(r.out, "");
}
END_TEST

/* Good options get past parsing: without the device it then says so. */
START_TEST(test_good_options)
{
	static const char *const args[] = {
		"--quick", "--n", "7", "--pin", "-1", "--seed", "42",
		"--phases", "scaling,latency", "--out", "/nonexistent/x", NULL
	};
	struct run r;

	bench_path();
	if (!access(HWEVENT_DEV_PATH, F_OK))
		return;		/* it would run: not here */
	run_prog(bench, args, &r);
	ck_assert_msg(r.status == 1, "exit %d, not 1; stderr: %s", r.status,
		      r.err);
	/* The output folder is made first: it cannot be. */
	ck_assert_msg(strstr(r.err, "mkdir /nonexistent/x"), "stderr: %s",
		      r.err);
}
END_TEST

Suite *bench_suite(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("cli");

	tcase_add_loop_test(tc, test_bad_option, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_good_options);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
