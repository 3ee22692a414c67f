/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Submitting hwevent requests through io_uring with liburing: the analog of
 * an overlapped DeviceIoControl.  Header-only, so that libhwevent itself
 * does not depend on liburing.
 *
 * The structure passed in must stay valid, and in place, until the CQE
 * arrives: the driver reads it at submission and writes the message into
 * it before posting the CQE, whose res is 0 or a negative errno.
 */
#ifndef LIBHWEVENT_URING_H
#define LIBHWEVENT_URING_H

#include <stdint.h>
#include <string.h>
#include <liburing.h>
#include <linux/hwevent.h>

/* The C11 keyword, and C++'s: the header is included from both. */
#ifdef __cplusplus
static_assert(sizeof(struct hwevent_uring_cmd) <= 16,
	      "the command must fit a normal SQE's command area");
#else
_Static_assert(sizeof(struct hwevent_uring_cmd) <= 16,
	       "the command must fit a normal SQE's command area");
#endif

static inline void hwevent_uring_prep(struct io_uring_sqe *sqe, int fd,
				      __u32 cmd_op, void *arg)
{
	struct hwevent_uring_cmd cmd;

	/* No designated initializer: C++ has them only from C++20. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.addr = (__u64)(uintptr_t)arg;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = cmd_op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

/* HWEVENT_IOC_REGISTER, asynchronously. */
static inline void hwevent_uring_prep_register(struct io_uring_sqe *sqe,
					       int fd,
					       struct hwevent_register *reg)
{
	hwevent_uring_prep(sqe, fd, HWEVENT_IOC_REGISTER, reg);
}

/* HWEVENT_IOC_WAIT, asynchronously. */
static inline void hwevent_uring_prep_wait(struct io_uring_sqe *sqe, int fd,
					   struct hwevent_wait *wait)
{
	hwevent_uring_prep(sqe, fd, HWEVENT_IOC_WAIT, wait);
}

#endif /* LIBHWEVENT_URING_H */
