/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The benchmark's floor module (hwevent_floor.c): not part of hwevent's
 * interface, and never installed.
 */
#ifndef HWEVENT_FLOOR_H
#define HWEVENT_FLOOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HWEVENT_FLOOR_NAME	"hwevent-floor"
#define HWEVENT_FLOOR_PATH	"/dev/" HWEVENT_FLOOR_NAME

/* Expire in the timer softirq; without it, in hard interrupt context. */
#define HWEVENT_FLOOR_SOFT	0x1U
#define HWEVENT_FLOOR_MAX_DUE_NS	(60ULL * 1000000000ULL)

/**
 * struct hwevent_floor_sleep - argument of HWEVENT_FLOOR_IOC_SLEEP
 * @due_ns:	how long after the call's arrival to wake, in ns, at most
 *		HWEVENT_FLOOR_MAX_DUE_NS (EINVAL): counted as the driver counts
 *		HWEVENT_IOC_REGISTER's due_ns, so that the two compare
 * @flags:	HWEVENT_FLOOR_SOFT or 0; other bits are refused (EINVAL)
 * @reserved:	must be 0 (EINVAL)
 *
 * HWEVENT_FLOOR_IOC_SLEEP sleeps until then and returns 0; a signal ends
 * it first (EINTR).  HWEVENT_FLOOR_IOC_SIGIO takes the same argument,
 * with @flags 0: it arms the file's timer (again, if armed) to expire
 * then in hard interrupt context and send the file's O_ASYNC owner SIGIO,
 * and returns 0 at once.
 */
struct hwevent_floor_sleep {
	__u64 due_ns;
	__u32 flags;
	__u32 reserved;
};

/* hwevent's own magic, at numbers its interface will not use. */
#define HWEVENT_FLOOR_IOC_SLEEP	_IOW(0xE7, 0xF0, struct hwevent_floor_sleep)
#define HWEVENT_FLOOR_IOC_SIGIO	_IOW(0xE7, 0xF1, struct hwevent_floor_sleep)

#endif /* HWEVENT_FLOOR_H */
