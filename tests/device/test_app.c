// SPDX-License-Identifier: GPL-2.0
/*
 * The event app against the device: what it prints, and how it behaves
 * as a Unix program.  The module lifecycle of the app (loading and
 * unloading hwevent.ko) is in test_lifecycle.c; its command line, without
 * a device, in tests/unit/test_app.c.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "hwtest.h"

#define APP_TIMEOUT_S	60

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

static const struct hwt_case cases[] = {
	HWT_CASE(app_lines_give_the_driver_type, HWT_LOADED, 90),
};

const struct hwt_suite hwt_suite_app = HWT_SUITE("app", cases);
