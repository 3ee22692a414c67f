// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every unit suite and reports in TAP on stdout (CK_SILENT keeps
 * Check's own summary out of the way); exits non-zero on any failure.
 */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(parse_suite());
	srunner_add_suite(sr, uapi_suite());
	srunner_add_suite(sr, lib_suite());
	srunner_add_suite(sr, module_suite());
	srunner_add_suite(sr, app_suite());
	srunner_add_suite(sr, bench_suite());
	srunner_add_suite(sr, stats_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
