// SPDX-License-Identifier: GPL-2.0
/*
 * The uAPI's layout: the same for 32- and 64-bit callers, so any change is
 * an ABI break.  Checked at compile time by uapi_layout.c (also built
 * with -m32) and, for the report, at run time here.
 */
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libhwevent.h"
#include "uapi_layout.h"
#include "unit.h"

struct field {
	const char *name;
	size_t off, expect_off, size, expect_size;
};

#define F(type, field, off, size)					\
	{ #type "." #field, offsetof(struct type, field), (off),	\
	  sizeof(((struct type *)0)->field), (size) }

#define F_ROW(type, field, off, size)	F(type, field, off, size),
static const struct field fields[] = {
	HWEVENT_UAPI_FIELDS(F_ROW)
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

/*
 * Signedness is part of the ABI too: eventfd is the only signed field.
 * All bits set, an unsigned field is above 0 and a signed one below;
 * compared in the field's own type (ck_assert_uint_gt() would convert a
 * signed -1 to a large unsigned number and pass).
 */
#define UNSIGNED_SET(s, field) ck_assert_msg((s).field > 0, \
	#field " holds %lld with all bits set: signed", (long long)(s).field)

START_TEST(test_signedness)
{
	struct hwevent_register reg;
	struct hwevent_cancel cancel;
	struct hwevent_wait wait;
	struct hwevent_uring_cmd cmd;

	memset(&reg, 0xff, sizeof(reg));
	ck_assert_msg(reg.eventfd < 0, "eventfd is not signed");
	UNSIGNED_SET(reg, type);
	UNSIGNED_SET(reg, flags);
	UNSIGNED_SET(reg, due_ns);
	UNSIGNED_SET(reg, cookie);
	UNSIGNED_SET(reg, pad);
	UNSIGNED_SET(reg, period_ns);
	UNSIGNED_SET(reg, reserved[0]);
	UNSIGNED_SET(reg, id);
	UNSIGNED_SET(reg, msg.cookie);
	UNSIGNED_SET(reg, msg.seq);
	UNSIGNED_SET(reg, msg.fired_ns);
	UNSIGNED_SET(reg, msg.id);
	UNSIGNED_SET(reg, msg.type);
	UNSIGNED_SET(reg, msg.flags);
	UNSIGNED_SET(reg, msg.lost);
	UNSIGNED_SET(reg, msg.reserved);
	memset(&cancel, 0xff, sizeof(cancel));
	UNSIGNED_SET(cancel, id);
	UNSIGNED_SET(cancel, flags);
	UNSIGNED_SET(cancel, pad);
	memset(&wait, 0xff, sizeof(wait));
	UNSIGNED_SET(wait, id);
	UNSIGNED_SET(wait, flags);
	UNSIGNED_SET(wait, pad);
	UNSIGNED_SET(wait, reserved[0]);
	memset(&cmd, 0xff, sizeof(cmd));
	UNSIGNED_SET(cmd, addr);
	UNSIGNED_SET(cmd, reserved);
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
