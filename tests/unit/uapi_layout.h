/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every field of the uAPI, as X(structure, field, offset, size): the one
 * list that uapi_layout.c checks at compile time (for 64-bit and, with
 * -m32, 32-bit callers) and test_uapi.c reports at run time.
 */
#ifndef HWEVENT_UAPI_LAYOUT_H
#define HWEVENT_UAPI_LAYOUT_H

#define HWEVENT_UAPI_FIELDS(X)						\
	X(hwevent_msg, cookie, 0, 8)					\
	X(hwevent_msg, seq, 8, 8)					\
	X(hwevent_msg, fired_ns, 16, 8)					\
	X(hwevent_msg, id, 24, 8)					\
	X(hwevent_msg, type, 32, 4)					\
	X(hwevent_msg, flags, 36, 4)					\
	X(hwevent_msg, lost, 40, 8)					\
	X(hwevent_msg, reserved, 48, 8)					\
	X(hwevent_register, type, 0, 4)					\
	X(hwevent_register, flags, 4, 4)				\
	X(hwevent_register, due_ns, 8, 8)				\
	X(hwevent_register, cookie, 16, 8)				\
	X(hwevent_register, eventfd, 24, 4)				\
	X(hwevent_register, pad, 28, 4)					\
	X(hwevent_register, period_ns, 32, 8)				\
	X(hwevent_register, reserved, 40, 24)				\
	X(hwevent_register, id, 64, 8)					\
	X(hwevent_register, msg, 72, 56)				\
	X(hwevent_cancel, id, 0, 8)					\
	X(hwevent_cancel, flags, 8, 4)					\
	X(hwevent_cancel, pad, 12, 4)					\
	X(hwevent_wait, id, 0, 8)					\
	X(hwevent_wait, flags, 8, 4)					\
	X(hwevent_wait, pad, 12, 4)					\
	X(hwevent_wait, reserved, 16, 16)				\
	X(hwevent_wait, msg, 32, 56)					\
	X(hwevent_uring_cmd, addr, 0, 8)				\
	X(hwevent_uring_cmd, reserved, 8, 8)

#endif /* HWEVENT_UAPI_LAYOUT_H */
