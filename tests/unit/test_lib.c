// SPDX-License-Identifier: GPL-2.0
/*
 * libhwevent without the driver: error paths, argument checks, errno.
 *
 * The build host has no /dev/hwevent and no module; where a test depends on
 * that, it checks the world first and asserts what the library must then
 * return, so it also holds (or asserts the other branch) inside the VM.
 * The module helpers of common/ have their own tests (test_module.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhwevent.h"
#include "unit.h"

static bool device_exists(void)
{
	return access(HWEVENT_DEV_PATH, F_OK) == 0;
}

/* The device's counters exist while the module is loaded. */
static bool counters_exist(void)
{
	return access(HWEVENT_COUNTERS_DIR, F_OK) == 0;
}

START_TEST(test_open)
{
	int fd = hwevent_open(0);

	if (!device_exists()) {
		ck_assert_int_eq(fd, -ENOENT);
		ck_assert_int_eq(hwevent_open(O_NONBLOCK), -ENOENT);
		return;
	}
	/* Where it exists: a descriptor, close-on-exec, read-write, or the
	 * errno open(2) gives this user. */
	if (access(HWEVENT_DEV_PATH, R_OK | W_OK)) {
		ck_assert_int_eq(fd, -errno);
		return;
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
}
END_TEST

/* Flags that make no sense for a device, O_CREAT above all. */
START_TEST(test_open_bad_flags)
{
	bool existed = device_exists();

	ck_assert_int_eq(hwevent_open(O_CREAT), -EINVAL);
	ck_assert_int_eq(hwevent_open(O_CREAT | O_EXCL), -EINVAL);
	ck_assert_int_eq(hwevent_open(O_TRUNC), -EINVAL);
	ck_assert_int_eq(hwevent_open(O_WRONLY), -EINVAL);
	ck_assert_int_eq(hwevent_open(O_DIRECTORY), -EINVAL);
	ck_assert_int_eq(hwevent_open(O_APPEND), -EINVAL);
	ck_assert_int_eq(device_exists(), existed);
}
END_TEST

START_TEST(test_counters)
{
	struct hwevent_counters c;

	memset(&c, 0xa5, sizeof(c));
	if (!counters_exist()) {
		ck_assert_int_eq(hwevent_read_counters(&c), -ENOENT);
		/* All or nothing: untouched on failure. */
		for (size_t i = 0; i < sizeof(c); i++)
			ck_assert_uint_eq(((unsigned char *)&c)[i], 0xa5);
		return;
	}
	ck_assert_int_eq(hwevent_read_counters(&c), 0);
	/* Periodic registrations fire many times: fired is not bounded. */
	ck_assert_uint_ge(c.registered, c.cancelled + c.pending);
}
END_TEST

START_TEST(test_counters_null)
{
	ck_assert_int_eq(hwevent_read_counters(NULL), -EINVAL);
}
END_TEST

START_TEST(test_register_bad_fd)
{
	struct hwevent_register reg;
	struct hwevent_msg msg;
	uint64_t id = 42;

	memset(&reg, 0, sizeof(reg));
	memset(&msg, 0xa5, sizeof(msg));
	reg.due_ns = 1000;
	ck_assert_int_eq(hwevent_register(-1, &reg), -EBADF);
	ck_assert_int_eq(hwevent_register(-1, NULL), -EINVAL);
	ck_assert_int_eq(hwevent_register_eventfd(-1, 0, 1000, 1, &id),
			 -EBADF);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(hwevent_wait_request(-1, 1000, 1, &msg), -EBADF);
	ck_assert_uint_eq(msg.cookie, 0xa5a5a5a5a5a5a5a5ULL);
}
END_TEST

/* Not our device: the ioctl is unknown there. */
START_TEST(test_register_wrong_file)
{
	struct hwevent_register reg;
	uint64_t id = 42;
	int fd, p[2];

	memset(&reg, 0, sizeof(reg));
	reg.due_ns = 1000;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hwevent_register(fd, &reg), -ENOTTY);
	ck_assert_int_eq(hwevent_register_eventfd(fd, 0, 1000, 1, &id),
			 -ENOTTY);
	ck_assert_uint_eq(id, 42);
	close(fd);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(hwevent_wait_request(p[0], 1000, 1, NULL), -ENOTTY);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_register_init)
{
	struct hwevent_register reg, zero;

	memset(&reg, 0xa5, sizeof(reg));
	memset(&zero, 0, sizeof(zero));
	hwevent_register_init(&reg, HWEVENT_TYPE_QUEUE, 1000, 20000, 42);
	ck_assert_uint_eq(reg.type, HWEVENT_TYPE_QUEUE);
	ck_assert_uint_eq(reg.due_ns, 1000);
	ck_assert_uint_eq(reg.period_ns, 20000);
	ck_assert_uint_eq(reg.cookie, 42);
	/* Everything else is zero, as the driver requires. */
	reg.type = 0;
	reg.due_ns = 0;
	reg.period_ns = 0;
	reg.cookie = 0;
	ck_assert_mem_eq(&reg, &zero, sizeof(reg));
	/* NULL is ignored, not dereferenced. */
	hwevent_register_init(NULL, 0, 1, 0, 0);
}
END_TEST

START_TEST(test_new_calls_bad_fd)
{
	struct hwevent_msg msg, msgs[2];
	uint64_t id = 42;

	memset(&msg, 0xa5, sizeof(msg));
	ck_assert_int_eq(hwevent_register_queue(-1, 1000, 0, 1, &id), -EBADF);
	ck_assert_int_eq(hwevent_register_queue(-1, 1000, 20000, 1, NULL),
			 -EBADF);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(hwevent_read_msgs(-1, msgs, 2), -EBADF);
	ck_assert_int_eq(hwevent_cancel(-1, 1), -EBADF);
	ck_assert_int_eq(hwevent_wait(-1, 1, &msg), -EBADF);
	ck_assert_int_eq(hwevent_wait(-1, 1, NULL), -EBADF);
	ck_assert_uint_eq(msg.cookie, 0xa5a5a5a5a5a5a5a5ULL);
}
END_TEST

/* Not our device: the ioctls are unknown there, reads return nothing. */
START_TEST(test_new_calls_wrong_file)
{
	struct hwevent_msg msg, msgs[2];
	uint64_t id = 42;
	int fd;

	memset(&msg, 0xa5, sizeof(msg));
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hwevent_register_queue(fd, 1000, 0, 1, &id), -ENOTTY);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(hwevent_cancel(fd, 1), -ENOTTY);
	ck_assert_int_eq(hwevent_wait(fd, 1, &msg), -ENOTTY);
	ck_assert_uint_eq(msg.cookie, 0xa5a5a5a5a5a5a5a5ULL);
	/* End of file is not a record. */
	ck_assert_int_eq(hwevent_read_msgs(fd, msgs, 2), -EIO);
	close(fd);
}
END_TEST

START_TEST(test_read_msgs_args)
{
	struct hwevent_msg msgs[1];

	ck_assert_int_eq(hwevent_read_msgs(0, NULL, 1), -EINVAL);
	ck_assert_int_eq(hwevent_read_msgs(0, msgs, 0), -EINVAL);
}
END_TEST

/* Records through a pipe: whole ones are counted, a torn one is -EIO. */
START_TEST(test_read_msgs_pipe)
{
	struct hwevent_msg in[3], got[4];
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(hwevent_read_msgs(p[0], got, 4), -EAGAIN);

	memset(in, 0, sizeof(in));
	for (int i = 0; i < 3; i++) {
		in[i].cookie = 100 + i;
		in[i].seq = i + 1;
		in[i].lost = i;
	}
	ck_assert_int_eq(write(p[1], in, sizeof(in)), sizeof(in));
	/* At most n records. */
	ck_assert_int_eq(hwevent_read_msgs(p[0], got, 2), 2);
	ck_assert_mem_eq(got, in, 2 * sizeof(in[0]));
	ck_assert_int_eq(hwevent_read_msgs(p[0], got, 4), 1);
	ck_assert_mem_eq(got, &in[2], sizeof(in[0]));

	ck_assert_int_eq(write(p[1], in, sizeof(in[0]) + 3),
			 sizeof(in[0]) + 3);
	ck_assert_int_eq(hwevent_read_msgs(p[0], got, 4), -EIO);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* Errors are returned, never left in errno. */
START_TEST(test_errno_untouched)
{
	struct hwevent_counters c;

	errno = EXDEV;
	hwevent_open(0);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_register(-1, &(struct hwevent_register){ 0 });
	ck_assert_int_eq(errno, EXDEV);
	hwevent_register_eventfd(-1, 0, 1, 1, NULL);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_wait_request(-1, 1, 1, NULL);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_register_queue(-1, 1, 0, 1, NULL);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_read_msgs(-1, &(struct hwevent_msg){ 0 }, 1);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_cancel(-1, 1);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_wait(-1, 1, NULL);
	ck_assert_int_eq(errno, EXDEV);
	hwevent_read_counters(&c);
	ck_assert_int_eq(errno, EXDEV);
}
END_TEST

Suite *lib_suite(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, test_open);
	tcase_add_test(tc, test_open_bad_flags);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_counters_null);
	tcase_add_test(tc, test_register_bad_fd);
	tcase_add_test(tc, test_register_wrong_file);
	tcase_add_test(tc, test_register_init);
	tcase_add_test(tc, test_new_calls_bad_fd);
	tcase_add_test(tc, test_new_calls_wrong_file);
	tcase_add_test(tc, test_read_msgs_args);
	tcase_add_test(tc, test_read_msgs_pipe);
	tcase_add_test(tc, test_errno_untouched);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
