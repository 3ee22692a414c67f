// SPDX-License-Identifier: GPL-2.0
/*
 * The examples (examples/, one program per notification model) against
 * the device: each runs once, exits 0, prints the lines it promises, and
 * leaves nothing pending.  They are found in build/examples, or in
 * $HWEVENT_EXAMPLES.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "hwtest.h"

#define EXAMPLE_TIMEOUT_S	60

/* Run example @name; asserts it exited 0 and wrote nothing to stderr. */
static void run_example(const char *name, struct hwt_output *o)
{
	const char *dir = getenv("HWEVENT_EXAMPLES");
	char path[PATH_MAX];
	char *argv[] = { path, NULL };
	int st;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir :
		 "build/examples", name);
	st = hwt_run(argv, (uid_t)-1, o, EXAMPLE_TIMEOUT_S, NULL);
	ck_assert_msg(st == 0, "%s exited with %d; stderr: %s", path, st,
		      o->err);
	ck_assert_msg(!o->err[0], "%s wrote to stderr: %s", name, o->err);
}

/* @lines lines of stdout have @line, and nothing is left pending. */
static void assert_lines(const char *name, const struct hwt_output *o,
			 const char *line, int lines)
{
	ck_assert_msg(hwt_count_lines(o->out, line) == lines,
		      "%s: not %d lines with '%s': %s", name, lines, line,
		      o->out);
	/* Periodic registrations count firings apart: start afresh. */
	hwt_assert_rest_unload();
}

START_TEST(example_request)
{
	struct hwt_output o;

	run_example("request", &o);
	assert_lines("request", &o, ": cookie ", 3);
}
END_TEST

START_TEST(example_eventfd_epoll)
{
	struct hwt_output o;

	run_example("eventfd-epoll", &o);
	assert_lines("eventfd-epoll", &o, "eventfd wakeup ", 3);
}
END_TEST

START_TEST(example_queue_poll)
{
	struct hwt_output o;

	run_example("queue-poll", &o);
	assert_lines("queue-poll", &o, "queue record ", 5);
}
END_TEST

START_TEST(example_sigio)
{
	struct hwt_output o;

	run_example("sigio", &o);
	assert_lines("sigio", &o, "SIGIO record ", 3);
}
END_TEST

/* Due last-first: the completions come in the other order. */
START_TEST(example_uring)
{
	struct hwt_output o;

	run_example("uring", &o);
	ck_assert_msg(hwt_contains(o.out, "completion 1: cookie 3 ") &&
		      hwt_contains(o.out, "completion 2: cookie 2 ") &&
		      hwt_contains(o.out, "completion 3: cookie 1 "),
		      "not in due order: %s", o.out);
	assert_lines("uring", &o, "io_uring completion ", 3);
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(example_request, HWT_LOADED, 90),
	HWT_CASE(example_eventfd_epoll, HWT_LOADED, 90),
	HWT_CASE(example_queue_poll, HWT_LOADED, 90),
	HWT_CASE(example_sigio, HWT_LOADED, 90),
	HWT_CASE(example_uring, HWT_LOADED, 90),
};

const struct hwt_suite hwt_suite_examples = HWT_SUITE("examples", cases);
