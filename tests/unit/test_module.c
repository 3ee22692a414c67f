// SPDX-License-Identifier: GPL-2.0
/*
 * The module helpers of common/module.c without the driver: argument
 * checks and error paths.  No test loads or unloads a module: every
 * module_load() call here fails before finit_module(2).  Where a test
 * depends on whether the module is loaded (never, on the build host), it
 * asks the kernel's own list, /proc/modules, first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libhwevent.h"
#include "clock.h"
#include "module.h"
#include "unit.h"

/* Whether /proc/modules lists hwevent; false without module support. */
static bool listed_in_proc_modules(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, HWEVENT_MODULE_NAME " ",
				 strlen(HWEVENT_MODULE_NAME) + 1);
	fclose(f);
	return found;
}

START_TEST(test_module_loaded)
{
	ck_assert_int_eq(module_loaded(), listed_in_proc_modules());
	/* Without module support (the build host) it cannot be loaded. */
	if (access("/proc/modules", F_OK))
		ck_assert(!module_loaded());
}
END_TEST

static const char *const bad_names[] = {
	"", "/", ".", "..", "../max_pending", "a/b", "/etc/passwd",
	"max_pending/",
};

START_TEST(test_param_bad_name)
{
	uint64_t v = 42;

	ck_assert_int_eq(module_param_read(bad_names[_i], &v), -EINVAL);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(module_param_write(bad_names[_i], 1), -EINVAL);
}
END_TEST

START_TEST(test_param_args)
{
	char name[300];
	uint64_t v = 42;

	ck_assert_int_eq(module_param_read(NULL, &v), -EINVAL);
	ck_assert_int_eq(module_param_write(NULL, 1), -EINVAL);
	ck_assert_int_eq(module_param_read("max_pending", NULL), -EINVAL);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(module_param_read(name, &v), -ENAMETOOLONG);
	ck_assert_int_eq(module_param_write(name, 1), -ENAMETOOLONG);
	ck_assert_uint_eq(v, 42);
}
END_TEST

START_TEST(test_param_absent)
{
	uint64_t v = 42;

	if (listed_in_proc_modules()) {
		/* Read only: changing it could disturb device tests. */
		ck_assert_int_eq(module_param_read("max_pending", &v), 0);
		ck_assert_uint_gt(v, 0);
		ck_assert_int_eq(module_param_read("no_such_param", &v),
				 -ENOENT);
		return;
	}
	ck_assert_int_eq(module_param_read("max_pending", &v), -ENOENT);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(module_param_write("max_pending", 7), -ENOENT);
}
END_TEST

/* Each of these fails before finit_module(2) is called. */
START_TEST(test_module_load_no_file)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], fifo[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s/hwevent-unit-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert_int_eq(module_load(NULL, NULL), -EINVAL);
	ck_assert_int_eq(module_load("", NULL), -ENOENT);
	ck_assert_int_eq(module_load("/nonexistent/hwevent.ko",
				     "max_pending=4"), -ENOENT);
	ck_assert_int_eq(module_load("/dev/null", NULL), -EINVAL);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(module_load(dir, NULL), -EISDIR);
	snprintf(fifo, sizeof(fifo), "%s/fifo.ko", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* Must neither block on the FIFO nor hand it to the kernel. */
	ck_assert_int_eq(module_load(fifo, NULL), -EINVAL);
	unlink(fifo);
	rmdir(dir);
}
END_TEST

START_TEST(test_wait_for_node)
{
	uint64_t t0, dt;

	ck_assert_int_eq(device_wait_node(-1), -EINVAL);
	if (access(HWEVENT_DEV_PATH, F_OK) == 0) {
		ck_assert_int_eq(device_wait_node(0), 0);
		return;
	}
	ck_assert_int_eq(device_wait_node(0), -ETIMEDOUT);
	t0 = now_ns();
	ck_assert_int_eq(device_wait_node(100), -ETIMEDOUT);
	dt = now_ns() - t0;
	ck_assert_uint_ge(dt, 100 * NS_PER_MS);
	ck_assert_uint_lt(dt, 2 * NS_PER_SEC);
}
END_TEST

Suite *module_suite(void)
{
	Suite *s = suite_create("module");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, test_module_loaded);
	tcase_add_loop_test(tc, test_param_bad_name, 0,
			    sizeof(bad_names) / sizeof(bad_names[0]));
	tcase_add_test(tc, test_param_args);
	tcase_add_test(tc, test_param_absent);
	tcase_add_test(tc, test_module_load_no_file);
	tcase_add_test(tc, test_wait_for_node);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
