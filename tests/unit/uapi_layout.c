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

#include "uapi_layout.h"

#define LAYOUT(type, field, off, size)					\
	static_assert(offsetof(struct type, field) == (off) &&		\
		      sizeof(((struct type *)0)->field) == (size),	\
		      #type "." #field " moved or resized");
HWEVENT_UAPI_FIELDS(LAYOUT)

static_assert(sizeof(struct hwevent_msg) == 56, "hwevent_msg size");
static_assert(sizeof(struct hwevent_register) == 128,
	      "hwevent_register size");
static_assert(sizeof(struct hwevent_cancel) == 16, "hwevent_cancel size");
static_assert(sizeof(struct hwevent_wait) == 88, "hwevent_wait size");
static_assert(sizeof(struct hwevent_uring_cmd) == 16,
	      "hwevent_uring_cmd size");

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
