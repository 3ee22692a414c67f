// SPDX-License-Identifier: GPL-2.0
/*
 * The uAPI's layout: the same for 32- and 64-bit callers, so any change is
 * an ABI break.  Checked at compile time and, for the report, at run time.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libhwevent.h"
#include "unit.h"

#define LAYOUT(type, field, off, size)					\
	static_assert(offsetof(struct type, field) == (off) &&		\
		      sizeof(((struct type *)0)->field) == (size),	\
		      #type "." #field " moved or resized")

static_assert(sizeof(struct hwevent_msg) == 56, "hwevent_msg size");
LAYOUT(hwevent_msg, cookie, 0, 8);
LAYOUT(hwevent_msg, seq, 8, 8);
LAYOUT(hwevent_msg, fired_ns, 16, 8);
LAYOUT(hwevent_msg, id, 24, 8);
LAYOUT(hwevent_msg, type, 32, 4);
LAYOUT(hwevent_msg, flags, 36, 4);
LAYOUT(hwevent_msg, lost, 40, 8);
LAYOUT(hwevent_msg, reserved, 48, 8);

static_assert(sizeof(struct hwevent_register) == 128,
	      "hwevent_register size");
LAYOUT(hwevent_register, type, 0, 4);
LAYOUT(hwevent_register, flags, 4, 4);
LAYOUT(hwevent_register, due_ns, 8, 8);
LAYOUT(hwevent_register, cookie, 16, 8);
LAYOUT(hwevent_register, eventfd, 24, 4);
LAYOUT(hwevent_register, pad, 28, 4);
LAYOUT(hwevent_register, period_ns, 32, 8);
LAYOUT(hwevent_register, reserved, 40, 24);
LAYOUT(hwevent_register, id, 64, 8);
LAYOUT(hwevent_register, msg, 72, 56);

static_assert(sizeof(struct hwevent_cancel) == 16, "hwevent_cancel size");
LAYOUT(hwevent_cancel, id, 0, 8);
LAYOUT(hwevent_cancel, flags, 8, 4);
LAYOUT(hwevent_cancel, pad, 12, 4);

static_assert(sizeof(struct hwevent_wait) == 88, "hwevent_wait size");
LAYOUT(hwevent_wait, id, 0, 8);
LAYOUT(hwevent_wait, flags, 8, 4);
LAYOUT(hwevent_wait, pad, 12, 4);
LAYOUT(hwevent_wait, reserved, 16, 16);
LAYOUT(hwevent_wait, msg, 32, 56);

static_assert(sizeof(struct hwevent_uring_cmd) == 16,
	      "hwevent_uring_cmd size");
LAYOUT(hwevent_uring_cmd, addr, 0, 8);
LAYOUT(hwevent_uring_cmd, reserved, 8, 8);

static_assert(_IOC_SIZE(HWEVENT_IOC_REGISTER) == 128, "ioctl size");
static_assert(_IOC_SIZE(HWEVENT_IOC_CANCEL) == 16, "ioctl size");
static_assert(_IOC_SIZE(HWEVENT_IOC_WAIT) == 88, "ioctl size");

struct field {
	const char *name;
	size_t off, expect_off, size, expect_size;
};

#define F(type, field, off, size)					\
	{ #type "." #field, offsetof(struct type, field), (off),	\
	  sizeof(((struct type *)0)->field), (size) }

static const struct field fields[] = {
	F(hwevent_msg, cookie, 0, 8),
	F(hwevent_msg, seq, 8, 8),
	F(hwevent_msg, fired_ns, 16, 8),
	F(hwevent_msg, id, 24, 8),
	F(hwevent_msg, type, 32, 4),
	F(hwevent_msg, flags, 36, 4),
	F(hwevent_msg, lost, 40, 8),
	F(hwevent_msg, reserved, 48, 8),
	F(hwevent_register, type, 0, 4),
	F(hwevent_register, flags, 4, 4),
	F(hwevent_register, due_ns, 8, 8),
	F(hwevent_register, cookie, 16, 8),
	F(hwevent_register, eventfd, 24, 4),
	F(hwevent_register, pad, 28, 4),
	F(hwevent_register, period_ns, 32, 8),
	F(hwevent_register, reserved, 40, 24),
	F(hwevent_register, id, 64, 8),
	F(hwevent_register, msg, 72, 56),
	F(hwevent_cancel, id, 0, 8),
	F(hwevent_cancel, flags, 8, 4),
	F(hwevent_cancel, pad, 12, 4),
	F(hwevent_wait, id, 0, 8),
	F(hwevent_wait, flags, 8, 4),
	F(hwevent_wait, pad, 12, 4),
	F(hwevent_wait, reserved, 16, 16),
	F(hwevent_wait, msg, 32, 56),
	F(hwevent_uring_cmd, addr, 0, 8),
	F(hwevent_uring_cmd, reserved, 8, 8),
};

START_TEST(test_field)
{
	const struct field *f = &fields[_i];

	ck_assert_msg(f->off == f->expect_off, "%s at %zu, not %zu", f->name,
		      f->off, f->expect_off);
	ck_assert_msg(f->size == f->expect_size, "%s is %zu bytes, not %zu",
		      f->name, f->size, f->expect_size);
}
END_TEST

START_TEST(test_sizes)
{
	ck_assert_uint_eq(sizeof(struct hwevent_msg), 56);
	ck_assert_uint_eq(sizeof(struct hwevent_register), 128);
	ck_assert_uint_eq(sizeof(struct hwevent_cancel), 16);
	ck_assert_uint_eq(sizeof(struct hwevent_wait), 88);
	ck_assert_uint_eq(sizeof(struct hwevent_uring_cmd), 16);
	/* Multiples of 8: no tail padding that 32-bit ABIs would drop. */
	ck_assert_uint_eq(sizeof(struct hwevent_msg) % 8, 0);
	ck_assert_uint_eq(sizeof(struct hwevent_register) % 8, 0);
	ck_assert_uint_eq(sizeof(struct hwevent_cancel) % 8, 0);
	ck_assert_uint_eq(sizeof(struct hwevent_wait) % 8, 0);
	ck_assert_uint_eq(sizeof(struct hwevent_uring_cmd) % 8, 0);
	/* The command fits the 16 bytes of a normal SQE's command area. */
	ck_assert_uint_le(sizeof(struct hwevent_uring_cmd), 16);
}
END_TEST

/* Signedness is part of the ABI too: eventfd is the only signed field. */
START_TEST(test_signedness)
{
	struct hwevent_register reg;
	struct hwevent_cancel cancel;
	struct hwevent_wait wait;

	memset(&reg, 0xff, sizeof(reg));
	ck_assert_int_lt(reg.eventfd, 0);
	ck_assert_uint_gt(reg.type, 0);
	ck_assert_uint_gt(reg.pad, 0);
	ck_assert_uint_gt(reg.due_ns, 0);
	ck_assert_uint_gt(reg.period_ns, 0);
	ck_assert_uint_gt(reg.msg.type, 0);
	ck_assert_uint_gt(reg.msg.lost, 0);
	memset(&cancel, 0xff, sizeof(cancel));
	ck_assert_uint_gt(cancel.id, 0);
	ck_assert_uint_gt(cancel.flags, 0);
	memset(&wait, 0xff, sizeof(wait));
	ck_assert_uint_gt(wait.id, 0);
	ck_assert_uint_gt(wait.pad, 0);
}
END_TEST

START_TEST(test_ioctl_number)
{
	ck_assert_uint_eq(_IOC_TYPE(HWEVENT_IOC_REGISTER), 0xE7);
	ck_assert_uint_eq(_IOC_NR(HWEVENT_IOC_REGISTER), 0x01);
	ck_assert_uint_eq(_IOC_DIR(HWEVENT_IOC_REGISTER),
			  _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(HWEVENT_IOC_REGISTER), 128);

	ck_assert_uint_eq(_IOC_TYPE(HWEVENT_IOC_CANCEL), 0xE7);
	ck_assert_uint_eq(_IOC_NR(HWEVENT_IOC_CANCEL), 0x02);
	ck_assert_uint_eq(_IOC_DIR(HWEVENT_IOC_CANCEL), _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(HWEVENT_IOC_CANCEL), 16);

	ck_assert_uint_eq(_IOC_TYPE(HWEVENT_IOC_WAIT), 0xE7);
	ck_assert_uint_eq(_IOC_NR(HWEVENT_IOC_WAIT), 0x03);
	ck_assert_uint_eq(_IOC_DIR(HWEVENT_IOC_WAIT), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(HWEVENT_IOC_WAIT), 88);
}
END_TEST

START_TEST(test_constants)
{
	ck_assert_int_eq(HWEVENT_TYPE_REQUEST, 0);
	ck_assert_int_eq(HWEVENT_TYPE_EVENTFD, 1);
	ck_assert_int_eq(HWEVENT_TYPE_QUEUE, 2);
	ck_assert_uint_eq(HWEVENT_DUE_MIN_NS, 1);
	ck_assert_uint_eq(HWEVENT_DUE_MAX_NS, 86400ULL * 1000000000ULL);
	ck_assert_uint_eq(HWEVENT_PERIOD_MIN_NS, 10000);
	ck_assert_uint_eq(HWEVENT_PERIOD_MAX_NS, 86400ULL * 1000000000ULL);
	ck_assert_str_eq(HWEVENT_DEVICE_NAME, "hwevent");
	ck_assert_str_eq(HWEVENT_DEV_PATH, "/dev/hwevent");
	ck_assert_str_eq(HWEVENT_COUNTERS_DIR,
			 "/sys/class/misc/hwevent/counters");
}
END_TEST

Suite *uapi_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc = tcase_create("layout");

	tcase_add_loop_test(tc, test_field, 0,
			    sizeof(fields) / sizeof(fields[0]));
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_signedness);
	tcase_add_test(tc, test_ioctl_number);
	tcase_add_test(tc, test_constants);
	suite_add_tcase(s, tc);
	return s;
}
