// SPDX-License-Identifier: GPL-2.0
/*
 * The uAPI's layout at compile time: offsets, sizes, alignment and
 * signedness of every field of <linux/hwevent.h>.  Built into test_unit
 * and, with -m32, on its own (make tests): the layout must be the same
 * for 32-bit and 64-bit callers, and this is where a difference shows.
 * Nothing here runs.
 */
#include <assert.h>
#include <stddef.h>
#include <linux/hwevent.h>

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

/*
 * 8-byte alignment everywhere (__aligned_u64): without it i386 aligns a
 * u64 to 4, and a structure that holds one differs from x86_64's when
 * embedded in another or laid out in an array.
 */
static_assert(_Alignof(struct hwevent_msg) == 8, "hwevent_msg alignment");
static_assert(_Alignof(struct hwevent_register) == 8,
	      "hwevent_register alignment");
static_assert(_Alignof(struct hwevent_cancel) == 8,
	      "hwevent_cancel alignment");
static_assert(_Alignof(struct hwevent_wait) == 8, "hwevent_wait alignment");
static_assert(_Alignof(struct hwevent_uring_cmd) == 8,
	      "hwevent_uring_cmd alignment");

/* eventfd is the only signed field; a few of the others, by type. */
#define SIGNED(type, field)						\
	_Generic(((struct type *)0)->field, signed char: 1, short: 1, int: 1, \
		 long: 1, long long: 1, default: 0)
static_assert(SIGNED(hwevent_register, eventfd), "eventfd unsigned");
static_assert(!SIGNED(hwevent_register, due_ns), "due_ns signed");
static_assert(!SIGNED(hwevent_register, period_ns), "period_ns signed");
static_assert(!SIGNED(hwevent_msg, fired_ns), "fired_ns signed");
static_assert(!SIGNED(hwevent_msg, lost), "lost signed");

static_assert(_IOC_SIZE(HWEVENT_IOC_REGISTER) == 128, "ioctl size");
static_assert(_IOC_SIZE(HWEVENT_IOC_CANCEL) == 16, "ioctl size");
static_assert(_IOC_SIZE(HWEVENT_IOC_WAIT) == 88, "ioctl size");
