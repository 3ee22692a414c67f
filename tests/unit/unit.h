/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side unit tests of libhwevent, common/ and the event app: nothing
 * here needs the driver, and nothing loads or unloads a module.
 */
#ifndef HWEVENT_UNIT_H
#define HWEVENT_UNIT_H

#include <check.h>

Suite *parse_suite(void);
Suite *uapi_suite(void);
Suite *lib_suite(void);
Suite *module_suite(void);
Suite *app_suite(void);
Suite *bench_suite(void);
Suite *stats_suite(void);

/* What run_prog() saw of a program. */
struct run {
	int status;		/* exit status, or 128 + signal */
	char out[8192];
	char err[8192];
};

/* Run @path with @args (NULL-terminated, argv[0] not included), stdin
 * from /dev/null, its stdout and stderr captured (asserts: it started and
 * ended within 20 s). */
void run_prog(const char *path, const char *const *args, struct run *r);
/* The same, with descriptors closed in the child. */
#define RUN_CLOSE_STDIN		(1U << 0)
#define RUN_CLOSE_STDOUT	(1U << 1)
void run_prog_flags(const char *path, const char *const *args,
		    unsigned int flags, struct run *r);

#endif /* HWEVENT_UNIT_H */
