/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hwevent: notify an application about (simulated) hardware events.
 *
 * The user-visible interface of the hwevent misc device, /dev/hwevent,
 * shared by the kernel module and every userspace program.  A timer in the
 * driver stands in for the device's interrupt; when it fires, the driver
 * notifies the application in the way the registration asked for.
 *
 * All structures use fixed-width types and explicit padding, so their
 * layout is the same for 32-bit and 64-bit callers.  Every field marked
 * "must be 0" is checked: anything else fails with EINVAL, which keeps
 * those fields free for later extensions.
 */
#ifndef _UAPI_LINUX_HWEVENT_H
#define _UAPI_LINUX_HWEVENT_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Name of the misc device, as in /dev/hwevent and /sys/class/misc/hwevent. */
#define HWEVENT_DEVICE_NAME	"hwevent"

/**
 * enum hwevent_type - how the driver notifies the application
 * @HWEVENT_TYPE_REQUEST: pending request.  HWEVENT_IOC_REGISTER blocks until
 *	the timer fires and then returns the event's &struct hwevent_msg.  A
 *	signal ends the wait and cancels the registration (EINTR).  The
 *	original sample's type 0, the pending IRP.
 * @HWEVENT_TYPE_EVENTFD: the ioctl returns at once; when the timer fires
 *	the driver adds 1 to the eventfd named in &hwevent_register.eventfd.
 *	The original sample's type 1, the event object.
 */
enum hwevent_type {
	HWEVENT_TYPE_REQUEST = 0,
	HWEVENT_TYPE_EVENTFD = 1,
};

/* Bounds of &hwevent_register.due_ns: at least 1 ns, at most one day. */
#define HWEVENT_DUE_MIN_NS	1ULL
#define HWEVENT_DUE_MAX_NS	(24ULL * 60 * 60 * 1000000000ULL)

/**
 * struct hwevent_msg - what the driver reports about one event
 * @cookie: the &hwevent_register.cookie of the registration, unchanged.
 * @seq: sequence number of this firing among all firings of the device
 *	since the module was loaded, counting from 1.  Every firing takes
 *	one, whatever the registration's type, so gaps show other clients'
 *	events.
 * @fired_ns: CLOCK_MONOTONIC time, in ns, at which the timer callback ran.
 * @id: the registration's id, as returned in &hwevent_register.id.
 * @type: the registration's &enum hwevent_type.
 * @flags: none are defined yet; always 0.
 * @reserved: always 0.
 */
struct hwevent_msg {
	__u64 cookie;
	__u64 seq;
	__u64 fired_ns;
	__u64 id;
	__u32 type;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct hwevent_register - argument of HWEVENT_IOC_REGISTER
 * @type: in: an &enum hwevent_type.
 * @flags: in: none are defined yet; must be 0.
 * @due_ns: in: relative due time of the event in ns, from the call, in
 *	[HWEVENT_DUE_MIN_NS, HWEVENT_DUE_MAX_NS].  (A negative value cast to
 *	__u64 lies above the maximum and is refused too.)
 * @cookie: in: any value; returned unchanged in &hwevent_msg.cookie.
 * @eventfd: in: for HWEVENT_TYPE_EVENTFD, an eventfd descriptor of the
 *	caller (EBADF if it is not open, EINVAL if it is not an eventfd);
 *	the driver holds its own reference to the eventfd until the event
 *	fires or is cancelled.  Must be 0 for other types.
 * @pad: must be 0.
 * @reserved: must be 0.
 * @id: out: the registration's id, unique among the registrations made
 *	through this open file, never 0.
 * @msg: out: for HWEVENT_TYPE_REQUEST, the event, once it fired; zeroed
 *	for other types.
 */
struct hwevent_register {
	__u32 type;
	__u32 flags;
	__u64 due_ns;
	__u64 cookie;
	__s32 eventfd;
	__u32 pad;
	__u64 reserved[4];
	__u64 id;
	struct hwevent_msg msg;
};

/* Not in the kernel's ioctl registry (Documentation/.../ioctl-number.rst). */
#define HWEVENT_IOC_MAGIC	0xE7

/*
 * Register one notification; see &struct hwevent_register.
 *
 * Errors: EINVAL for an unknown type, a due time out of bounds, a non-zero
 * flags/pad/reserved field, a non-zero eventfd for a type that takes none,
 * or a descriptor that is not an eventfd; EBADF for a bad eventfd
 * descriptor; ENOSPC when the open file already has the maximum number of
 * pending registrations (module parameter max_pending); EFAULT for a bad
 * pointer; ENOMEM.  HWEVENT_TYPE_REQUEST also returns EINTR when a signal
 * ended the wait (the registration is then cancelled, unless the event
 * fired first, in which case the call succeeds).
 */
#define HWEVENT_IOC_REGISTER	_IOWR(HWEVENT_IOC_MAGIC, 0x01, struct hwevent_register)

#endif /* _UAPI_LINUX_HWEVENT_H */
