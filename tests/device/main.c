// SPDX-License-Identifier: GPL-2.0
/*
 * test_device: the hwevent driver's test suite, on the real device.
 *
 * Needs root and a kernel that can load the module: run it through
 * tests/guest-suite.sh in the test VM (vm/run-in-vm.sh), never on a build
 * host.  Run from the repository root (the module and the app are found at
 * build/san/hwevent.ko and build/san/event, or env HWEVENT_KO/HWEVENT_APP).
 *
 * Every test is its own Check test case, run in a forked child with its own
 * timeout (scaled by env CK_TIMEOUT_MULTIPLIER), one after the other, in
 * the order of the suites below: the module lifecycle tests first (they
 * need it unloaded), then the tests that need it loaded.  Output is TAP on
 * stdout, one line per test, streamed as each finishes; the exit status is
 * 0 only if every test passed or was skipped.
 *
 * With HWEVENT_DEBUG_KERNEL=1 (the debug kernel's suite, see
 * scripts/kernel-suite.sh) the fault injection suite runs last; it needs
 * that kernel's fail-nth and fails without it.
 *
 * Usage: test_device [--list] [PATTERN...]
 *   PATTERN  run only tests whose "suite:name" contains one of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwtest.h"

static const struct hwt_suite *const suites[] = {
	&hwt_suite_lifecycle,
	&hwt_suite_register,
	&hwt_suite_invalid,
	&hwt_suite_cancel,
	&hwt_suite_limit,
	&hwt_suite_memcg,
	&hwt_suite_race,
	&hwt_suite_cancel_id,
	&hwt_suite_queue,
	&hwt_suite_periodic,
	&hwt_suite_uring,
	&hwt_suite_uring_life,
	&hwt_suite_restart,
	&hwt_suite_budget,
	&hwt_suite_app,
	&hwt_suite_examples,
	&hwt_suite_stress,
	&hwt_suite_edu,		/* not when rerun on an edu node */
	&hwt_suite_hotplug,
	&hwt_suite_fault,	/* the last: debug kernel only */
};

#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static bool debug_kernel(void)
{
	const char *s = getenv("HWEVENT_DEBUG_KERNEL");

	return s && !strcmp(s, "1");
}

/*
 * Whether "suite:test" is selected: by any PATTERN it contains, or by all
 * when every PATTERN is an exclusion; and by no "!PATTERN" it contains.
 */
static bool selected(const char *sname, const char *tname, int argc,
		     char **argv)
{
	bool any_include = false, included = false;
	char full[256];

	snprintf(full, sizeof(full), "%s:%s", sname, tname);
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '!') {
			if (strstr(full, argv[i] + 1))
				return false;
			continue;
		}
		any_include = true;
		included |= strstr(full, argv[i]) != NULL;
	}
	return !any_include || included;
}

/* One line of a TAP description: no newlines, no '#' (directive start). */
static void tap_clean(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '#')
			*s = ' ';
}

static int run_one(const struct hwt_suite *hs, const struct hwt_case *hc,
		   int num, int *failed, int *skipped)
{
	Suite *s = suite_create(hs->name);
	TCase *tc = tcase_create(hc->name);
	SRunner *sr;
	TestResult **res;
	uint64_t t0;
	double secs;
	const char *skip;
	char msg[600];
	int rtype;

	tcase_add_checked_fixture(tc, hc->need == HWT_LOADED ?
				  hwt_setup_loaded : hwt_setup_unloaded, NULL);
	tcase_set_timeout(tc, hc->timeout_s);
	tcase_add_test(tc, *hc->test);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);

	hwt_skip_clear();
	fflush(NULL);
	t0 = now_ns();
	srunner_run_all(sr, CK_SILENT);
	secs = (double)(now_ns() - t0) / 1e9;

	res = srunner_results(sr);
	if (srunner_ntests_run(sr) != 1 || !res) {
		printf("not ok %d - %s:%s # Check ran no test\n", num, hs->name,
		       hc->name);
		(*failed)++;
		free(res);
		srunner_free(sr);
		return 1;
	}
	rtype = tr_rtype(res[0]);
	skip = hwt_skip_reason();
	if (rtype == CK_PASS && skip) {
		snprintf(msg, sizeof(msg), "%s", skip);
		tap_clean(msg);
		printf("ok %d - %s:%s # SKIP %s\n", num, hs->name, hc->name, msg);
		(*skipped)++;
	} else if (rtype == CK_PASS) {
		printf("ok %d - %s:%s\n", num, hs->name, hc->name);
	} else {
		snprintf(msg, sizeof(msg), "%s:%d: %s%s", tr_lfile(res[0]),
			 tr_lno(res[0]), tr_ctx(res[0]) == CK_CTX_SETUP ?
			 "(in setup) " : "", tr_msg(res[0]));
		tap_clean(msg);
		printf("not ok %d - %s:%s\n#   %s\n", num, hs->name, hc->name, msg);
		(*failed)++;
	}
	printf("#   %.2f s\n", secs);
	fflush(stdout);
	free(res);
	srunner_free(sr);
	return rtype == CK_PASS ? 0 : 1;
}

int main(int argc, char **argv)
{
	int num = 0, failed = 0, skipped = 0;
	bool list = false;
	uint64_t t0;

	/* Line-buffered output: forked children must not inherit unflushed
	 * TAP lines (they would print them again when they exit). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s [--list] [PATTERN | !PATTERN...]\n", argv[0]);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--list")) {
		list = true;
		argc--;
		argv++;
	}
	argc--;
	argv++;

	if (!list && geteuid() != 0) {
		printf("Bail out! test_device needs root (and a kernel that may "
		       "load the module: use tests/guest-suite.sh in the VM)\n");
		return 2;
	}
	hwt_skip_init();

	t0 = now_ns();
	for (size_t i = 0; i < NSUITES; i++) {
		const struct hwt_suite *hs = suites[i];

		if (hs == &hwt_suite_fault && !debug_kernel())
			continue;
		/* They open the edu node themselves: once is enough. */
		if ((hs == &hwt_suite_edu || hs == &hwt_suite_hotplug) &&
		    getenv("HWEVENT_TEST_NODE"))
			continue;
		for (size_t j = 0; j < hs->ncases; j++) {
			const struct hwt_case *hc = &hs->cases[j];

			if (!selected(hs->name, hc->name, argc, argv))
				continue;
			if (list) {
				printf("%s:%s\n", hs->name, hc->name);
				continue;
			}
			run_one(hs, hc, ++num, &failed, &skipped);
		}
	}
	if (list)
		return 0;
	printf("1..%d\n", num);
	printf("# test_device: %d passed, %d failed, %d skipped in %.1f s\n",
	       num - failed - skipped, failed, skipped,
	       (double)(now_ns() - t0) / 1e9);
	return failed ? 1 : 0;
}
