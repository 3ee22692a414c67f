/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces hwevent uses that differ between the kernels it
 * supports (Debian's 6.1, 6.12 and 7.x).  Each difference is decided by a
 * feature probe (conftest/, see Kbuild), never by a version number: the
 * HWEVENT_HAVE_* macros come from hwevent_config.h, which the build
 * generates.
 */
#ifndef HWEVENT_COMPAT_H
#define HWEVENT_COMPAT_H

#include <linux/eventfd.h>
#include <linux/hrtimer.h>

#include "hwevent_config.h"

#ifdef HWEVENT_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

/* The 16-byte command area of the submission. */
static inline const void *hwevent_uring_payload(struct io_uring_cmd *ioucmd)
{
#ifdef HWEVENT_HAVE_URING_CMD_SQE
	return ioucmd->sqe->cmd;
#else
	return ioucmd->cmd;
#endif
}

/* Post the CQE of @ioucmd with result @ret. */
static inline void hwevent_uring_cmd_done(struct io_uring_cmd *ioucmd, int ret,
					  unsigned int issue_flags)
{
#ifdef HWEVENT_HAVE_URING_CMD_DONE_RES2
	io_uring_cmd_done(ioucmd, ret, 0, issue_flags);
#else
	io_uring_cmd_done(ioucmd, ret, issue_flags);
#endif
}

/*
 * io_uring_cmd_complete_in_task() with a callback of the driver's one
 * shape, hwevent_uring_done(); the kernel's shape of it changed in 7.x.
 */
static void hwevent_uring_done(struct io_uring_cmd *ioucmd,
			       unsigned int issue_flags);

#ifdef HWEVENT_HAVE_URING_CMD_TW_REQ
static void hwevent_uring_tw(struct io_tw_req tw_req, io_tw_token_t tw)
{
	hwevent_uring_done(io_uring_cmd_from_tw(tw_req),
			   IO_URING_CMD_TASK_WORK_ISSUE_FLAGS);
}
#else
static void hwevent_uring_tw(struct io_uring_cmd *ioucmd,
			     unsigned int issue_flags)
{
	hwevent_uring_done(ioucmd, issue_flags);
}
#endif

static inline void hwevent_uring_complete_in_task(struct io_uring_cmd *ioucmd)
{
	io_uring_cmd_complete_in_task(ioucmd, hwevent_uring_tw);
}

/*
 * Commands that io_uring can ask the driver to cancel, when their ring
 * or their task goes away (6.7): then ->uring_cmd() is called again with
 * IO_URING_F_CANCEL.  Without it, the driver bounds their life itself.
 */
#ifdef HWEVENT_HAVE_URING_CMD_CANCELABLE
#define HWEVENT_URING_CANCELABLE	1
#define HWEVENT_URING_F_CANCEL		IO_URING_F_CANCEL
static inline void hwevent_uring_mark_cancelable(struct io_uring_cmd *ioucmd,
						 unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(ioucmd, issue_flags);
}
#else
#define HWEVENT_URING_CANCELABLE	0
#define HWEVENT_URING_F_CANCEL		0
static inline void hwevent_uring_mark_cancelable(struct io_uring_cmd *ioucmd,
						 unsigned int issue_flags)
{
}
#endif

/*
 * Add @n to an eventfd's count.  Where eventfd_signal() adds 1 only (6.8),
 * that is @n calls, each a wake-up: callers add at most HWEVENT_EFD_BURST
 * at a time from the timer callback.
 */
#ifdef HWEVENT_HAVE_EVENTFD_SIGNAL_COUNT
#define HWEVENT_EFD_BURST	U64_MAX
static inline void hwevent_eventfd_add(struct eventfd_ctx *efd, u64 n)
{
	if (n)
		eventfd_signal(efd, n);
}
#else
#define HWEVENT_EFD_BURST	64
static inline void hwevent_eventfd_add(struct eventfd_ctx *efd, u64 n)
{
	while (n--)
		eventfd_signal(efd);
}
#endif

static inline void hwevent_hrtimer_setup(struct hrtimer *timer,
					 enum hrtimer_restart (*fn)(struct hrtimer *),
					 clockid_t clock, enum hrtimer_mode mode)
{
#ifdef HWEVENT_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

#endif /* HWEVENT_COMPAT_H */
