// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle: loading, unloading, and the app's own loading and
 * unloading of the module.  Every test starts with the module unloaded.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwtest.h"

#define APP_TIMEOUT_S 60
#define NOBODY 65534

static void load_ok(const char *params)
{
	int ret = module_load(hwt_ko_path(), params);

	ck_assert_msg(ret == 0, "loading %s (params '%s'): %s", hwt_ko_path(),
		      params ? params : "", strerror(-ret));
	ck_assert_msg(module_loaded(), "module not loaded after load");
	ret = device_wait_node(SOON_MS);
	ck_assert_msg(ret == 0, "%s did not appear: %s", HWEVENT_DEV_PATH,
		      strerror(-ret));
}

static void unload_ok(void)
{
	int ret = module_unload();

	ck_assert_msg(ret == 0, "unloading: %s", strerror(-ret));
	ck_assert_msg(!module_loaded(), "module still loaded after unload");
}

/* Event lines of the app on stdout: "event N: type T cookie ...". */
static int event_lines(const char *out, unsigned int type)
{
	char needle[32];

	snprintf(needle, sizeof(needle), ": type %u cookie", type);
	return hwt_count_lines(out, needle);
}

/* Loading creates the device and the counters, all zero, and the first
 * firing after a load has seq 1; unloading removes the device again. */
START_TEST(load_creates_device_with_zero_counters)
{
	struct hwevent_counters c;
	struct hwevent_msg msg;
	struct stat st;
	uint64_t mp;
	int fd, ret;

	load_ok(NULL);
	ck_assert_msg(stat(HWEVENT_DEV_PATH, &st) == 0 && S_ISCHR(st.st_mode),
		      "%s is not a character device", HWEVENT_DEV_PATH);
	c = hwt_counters();
	ck_assert_msg(c.registered == 0 && c.fired == 0 && c.cancelled == 0 &&
		      c.pending == 0 && c.lost == 0, "fresh counters not zero: "
		      "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64,
		      c.registered, c.fired, c.cancelled, c.pending, c.lost);
	ck_assert_int_eq(module_param_read("max_pending", &mp), 0);
	ck_assert_uint_eq(mp, DEFAULT_MAX_PENDING);
	ck_assert_int_eq(module_param_read("queue_len", &mp), 0);
	ck_assert_uint_eq(mp, DEFAULT_QUEUE_LEN);

	fd = hwt_open();
	ret = hwevent_wait_request(fd, NS_PER_MS, 1, &msg);
	ck_assert_msg(ret == 0, "request: %s", strerror(-ret));
	ck_assert_uint_eq(msg.seq, 1);
	close(fd);

	unload_ok();
	/* devtmpfs removes the node on deregistration. */
	for (int i = 0; i < 500 && stat(HWEVENT_DEV_PATH, &st) == 0; i++)
		hwt_sleep_ms(10);
	ck_assert_msg(stat(HWEVENT_DEV_PATH, &st) < 0 && errno == ENOENT,
		      "%s still exists after unload", HWEVENT_DEV_PATH);
	ck_assert_msg(access(HWEVENT_COUNTERS_DIR, F_OK) < 0,
		      "%s still exists after unload", HWEVENT_COUNTERS_DIR);
}
END_TEST

START_TEST(load_twice_fails_eexist)
{
	load_ok(NULL);
	ck_assert_int_eq(module_load(hwt_ko_path(), NULL), -EEXIST);
	ck_assert(module_loaded());
	unload_ok();
}
END_TEST

START_TEST(load_with_max_pending_param)
{
	uint64_t mp;

	load_ok("max_pending=7");
	ck_assert_int_eq(module_param_read("max_pending", &mp), 0);
	ck_assert_uint_eq(mp, 7);
	unload_ok();
}
END_TEST

START_TEST(load_with_max_pending_zero_fails)
{
	int ret = module_load(hwt_ko_path(), "max_pending=0");

	ck_assert_msg(ret == -EINVAL, "load with max_pending=0 returned %d (%s), "
		      "expected -EINVAL", ret, strerror(ret < 0 ? -ret : 0));
	ck_assert_msg(!module_loaded(), "module loaded anyway");
}
END_TEST

START_TEST(load_with_queue_len_param)
{
	uint64_t v;

	load_ok("queue_len=8");
	ck_assert_int_eq(module_param_read("queue_len", &v), 0);
	ck_assert_uint_eq(v, 8);
	unload_ok();
}
END_TEST

/* queue_len must be a power of 2 from 2 to 65536. */
START_TEST(load_with_bad_queue_len_fails)
{
	static const char *const bad[] = { "queue_len=0", "queue_len=1",
					   "queue_len=5", "queue_len=65537" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = module_load(hwt_ko_path(), bad[i]);

		ck_assert_msg(ret == -EINVAL, "load with %s returned %d (%s), "
			      "expected -EINVAL", bad[i], ret,
			      strerror(ret < 0 ? -ret : 0));
		ck_assert_msg(!module_loaded(), "loaded with %s",
			      bad[i]);
	}
}
END_TEST

START_TEST(unload_busy_while_open)
{
	int fd, ret;

	load_ok(NULL);
	fd = hwt_open();
	ret = module_unload();
	ck_assert_msg(ret == -EBUSY, "unload with an open file returned %d (%s),"
		      " expected -EBUSY", ret, strerror(ret < 0 ? -ret : 0));
	ck_assert(module_loaded());
	close(fd);
	unload_ok();
}
END_TEST

/* A second open file, and one with a pending registration, keep it busy
 * too; the last close frees it. */
START_TEST(unload_busy_with_pending_registration)
{
	struct hwevent_counters c0;
	int fd, fd2, efd;

	load_ok(NULL);
	fd = hwt_open();
	fd2 = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd(fd, efd, LONG_DUE_NS);
	ck_assert_int_eq(module_unload(), -EBUSY);
	close(fd2);
	ck_assert_int_eq(module_unload(), -EBUSY);
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	unload_ok();
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
}
END_TEST

static void app_loads_and_unloads(unsigned int type)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "2", "0.05",
			 type ? "1" : "0", NULL };
	struct hwt_output o;
	uint64_t elapsed;
	int st;

	ck_assert(!module_loaded());
	st = hwt_run(argv, (uid_t)-1, &o, APP_TIMEOUT_S, &elapsed);
	ck_assert_msg(st == 0, "%s exited with %d; stderr: %s; stdout: %s",
		      argv[0], st, o.err, o.out);
	ck_assert_msg(event_lines(o.out, type) == 2,
		      "expected 2 type-%u event lines on stdout, got: %s", type,
		      o.out);
	ck_assert_msg(event_lines(o.err, type) == 0,
		      "event lines on stderr: %s", o.err);
	/* Two events, each due 50 ms after its registration. */
	ck_assert_msg(elapsed >= 100 * NS_PER_MS, "2 events of 0.05 s took only"
		      " %" PRIu64 " ns", elapsed);
	ck_assert_msg(!module_loaded(),
		      "module still loaded after the app exited; stderr: %s",
		      o.err);
}

START_TEST(app_eventfd_loads_and_unloads_module)
{
	app_loads_and_unloads(HWEVENT_TYPE_EVENTFD);
}
END_TEST

START_TEST(app_request_loads_and_unloads_module)
{
	app_loads_and_unloads(HWEVENT_TYPE_REQUEST);
}
END_TEST

/* A long run of the app: more eventfd events than max_pending (1024), one
 * at a time.  Fired registrations must not use up the file's limit. */
START_TEST(app_eventfd_more_events_than_max_pending)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "1100",
			 "0.000001", "1", NULL };
	struct hwt_output o;
	int st;

	st = hwt_run(argv, (uid_t)-1, &o, 240, NULL);
	ck_assert_msg(st == 0, "app exited with %d; stderr: %s", st, o.err);
	ck_assert_msg(hwt_contains(o.out, "event 1100: type 1 cookie"),
		      "no 1100th event; stderr: %s", o.err);
	ck_assert(!module_loaded());
}
END_TEST

/* With the module loaded beforehand, the app uses it and leaves it. */
START_TEST(app_leaves_preloaded_module_loaded)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "2", "0.05", "1",
			 NULL };
	struct hwevent_counters c0;
	struct hwt_output o;
	int st;

	load_ok(NULL);
	c0 = hwt_counters();
	st = hwt_run(argv, (uid_t)-1, &o, APP_TIMEOUT_S, NULL);
	ck_assert_msg(st == 0, "app exited with %d; stderr: %s", st, o.err);
	ck_assert_msg(event_lines(o.out, 1) == 2, "stdout: %s", o.out);
	ck_assert_msg(module_loaded(),
		      "the app unloaded a module it had not loaded");
	hwt_assert_delta(&c0, 2, 2, 0, 0);
	unload_ok();
}
END_TEST

/* The app run from a directory without hwevent.ko fails and names the
 * missing file. */
START_TEST(app_without_module_file_fails)
{
	char app[PATH_MAX], ko[PATH_MAX];
	const char *dir = hwt_mktempdir();
	char *argv[] = { app, "--count", "1", "0.05", "1", NULL };
	struct hwt_output o;
	int st;

	snprintf(app, sizeof(app), "%s/event", dir);
	snprintf(ko, sizeof(ko), "%s/hwevent.ko", dir);
	hwt_copy_file(hwt_app_path(), app, 0755);
	st = hwt_run(argv, (uid_t)-1, &o, APP_TIMEOUT_S, NULL);
	hwt_rmtree(dir);
	ck_assert_msg(st == 1, "app exited with %d, expected 1; stderr: %s", st,
		      o.err);
	ck_assert_msg(hwt_contains(o.err, ko),
		      "stderr does not name %s: %s", ko, o.err);
	ck_assert_msg(event_lines(o.out, 1) == 0, "stdout: %s", o.out);
	ck_assert(!module_loaded());
}
END_TEST

/* As an unprivileged user with the module not loaded, the app fails and
 * says why. */
START_TEST(app_non_root_cannot_load_module)
{
	char app[PATH_MAX], ko[PATH_MAX];
	const char *dir = hwt_mktempdir();
	char *argv[] = { app, "--count", "1", "0.05", "1", NULL };
	struct hwt_output o;
	int st;

	/* A copy both in a directory everyone may read, so that only the
	 * missing privilege stands in the way. */
	snprintf(app, sizeof(app), "%s/event", dir);
	snprintf(ko, sizeof(ko), "%s/hwevent.ko", dir);
	hwt_copy_file(hwt_app_path(), app, 0755);
	hwt_copy_file(hwt_ko_path(), ko, 0644);
	st = hwt_run(argv, NOBODY, &o, APP_TIMEOUT_S, NULL);
	hwt_rmtree(dir);
	ck_assert_msg(st == 1, "app as uid %d exited with %d, expected 1; "
		      "stderr: %s", NOBODY, st, o.err);
	ck_assert_msg(hwt_contains(o.err, "root") ||
		      hwt_contains(o.err, "permi") ||
		      hwt_contains(o.err, "privilege"),
		      "stderr says nothing about root or permission: %s", o.err);
	ck_assert(!module_loaded());
}
END_TEST

/* The device node is root's only: an unprivileged user cannot open it, so
 * the app fails cleanly with the module loaded too. */
START_TEST(app_non_root_cannot_open_device)
{
	char *argv[] = { (char *)hwt_app_path(), "--count", "1", "0.05", "1",
			 NULL };
	char app[PATH_MAX];
	const char *dir;
	struct hwt_output o;
	int st;

	load_ok(NULL);
	dir = hwt_mktempdir();
	snprintf(app, sizeof(app), "%s/event", dir);
	hwt_copy_file(hwt_app_path(), app, 0755);
	argv[0] = app;
	st = hwt_run(argv, NOBODY, &o, APP_TIMEOUT_S, NULL);
	hwt_rmtree(dir);
	ck_assert_msg(st == 1, "app as uid %d exited with %d, expected 1; "
		      "stderr: %s", NOBODY, st, o.err);
	ck_assert_msg(hwt_contains(o.err, HWEVENT_DEV_PATH) &&
		      hwt_contains(o.err, "permission"),
		      "stderr does not explain: %s", o.err);
	ck_assert(module_loaded());
	hwt_assert_rest();
	unload_ok();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(load_creates_device_with_zero_counters, HWT_UNLOADED, 60),
	HWT_CASE(load_twice_fails_eexist, HWT_UNLOADED, 60),
	HWT_CASE(load_with_max_pending_param, HWT_UNLOADED, 60),
	HWT_CASE(load_with_max_pending_zero_fails, HWT_UNLOADED, 60),
	HWT_CASE(load_with_queue_len_param, HWT_UNLOADED, 60),
	HWT_CASE(load_with_bad_queue_len_fails, HWT_UNLOADED, 60),
	HWT_CASE(unload_busy_while_open, HWT_UNLOADED, 60),
	HWT_CASE(unload_busy_with_pending_registration, HWT_UNLOADED, 60),
	HWT_CASE(app_eventfd_loads_and_unloads_module, HWT_UNLOADED, 90),
	HWT_CASE(app_request_loads_and_unloads_module, HWT_UNLOADED, 90),
	HWT_CASE(app_eventfd_more_events_than_max_pending, HWT_UNLOADED, 300),
	HWT_CASE(app_leaves_preloaded_module_loaded, HWT_UNLOADED, 90),
	HWT_CASE(app_without_module_file_fails, HWT_UNLOADED, 90),
	HWT_CASE(app_non_root_cannot_load_module, HWT_UNLOADED, 90),
	HWT_CASE(app_non_root_cannot_open_device, HWT_UNLOADED, 90),
};

const struct hwt_suite hwt_suite_lifecycle = HWT_SUITE("lifecycle", cases);
