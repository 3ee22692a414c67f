// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench's command line, run as a child process: every option is parsed
 * strictly, and a bad one stops it with status 2 before it looks for the
 * device.  The benchmark is $HWEVENT_HWBENCH, else build/hwbench (the
 * folder above this test binary's).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	{ { "--pool", "build/bench", NULL }, "--pool needs two runs or more" },
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

/* A run's folder under @dir with a lat-raw.dat of @rounds rounds: timerfd
 * at 100 us, request-ioctl at @factor times that, and, if @with_efd,
 * eventfd-read; fired - due 40 us for request-ioctl, none for the rest. */
static void write_run(const char *dir, const char *name, int rounds,
		      int factor, bool with_efd)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/lat-raw.dat", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "# round position model ...\n");
	for (int r = 1; r <= rounds; r++) {
		fprintf(f, "%d 0 timerfd 300000 %d 0 1500 %d\n", r,
			100000 + r, 1000 * r);
		fprintf(f, "%d 1 request-ioctl 300000 %d 40000 0 %d\n", r,
			factor * (100000 + r), 1000 * r + 500);
		if (with_efd)
			fprintf(f, "%d 2 eventfd-read 300000 %d 0 2000 %d\n",
				r, 100000 + r, 1000 * r + 700);
	}
	fclose(f);
}

/*
 * --pool reads the runs' samples and judges them together: the pooled
 * count, each run's own ratio, and a model missing from one run left
 * out.  It needs no device.
 */
START_TEST(test_pool)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], out[PATH_MAX + 8], run1[PATH_MAX + 8],
	     run2[PATH_MAX + 8], json[PATH_MAX + 32], buf[65536];
	const char *args[] = { "--out", out, "--pool", run1, "--pool", run2,
			       NULL };
	struct run r;
	const char *req;
	size_t n;
	FILE *f;

	bench_path();
	snprintf(dir, sizeof(dir), "%s/hwevent-pool-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_run(dir, "boot-1", 30, 2, true);
	write_run(dir, "boot-2", 20, 1, false);
	snprintf(out, sizeof(out), "%s/pooled", dir);
	snprintf(run1, sizeof(run1), "%s/boot-1", dir);
	snprintf(run2, sizeof(run2), "%s/boot-2", dir);
	run_prog(bench, args, &r);
	ck_assert_msg(r.status == 0, "exit %d; stderr: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "eventfd-read has 30 samples of 50") &&
		      strstr(r.err, "left out"), "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "50 rounds pooled from 2 runs"),
		      "stderr: %s", r.err);

	snprintf(json, sizeof(json), "%s/results.json", out);
	f = fopen(json, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "\"samples_per_model\": 50,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"runs\": 2,"));
	/* request-ioctl: twice timerfd in the first run, equal in the second. */
	req = strstr(buf, "\"name\": \"request-ioctl\"");
	ck_assert_ptr_nonnull(req);
	ck_assert_msg(strstr(req, "\"per_run\": {\"p50\": [2.000, 1.000], "
			     "\"median_p50\": 1.500"), "request-ioctl: %.900s",
		      req);
	snprintf(json, sizeof(json), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(json), 0);
}
END_TEST

Suite *bench_suite(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("cli");

	tcase_add_loop_test(tc, test_bad_option, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_good_options);
	tcase_add_test(tc, test_pool);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
