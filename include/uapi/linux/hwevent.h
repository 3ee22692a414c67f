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
 *	signal whose handler runs ends the wait and cancels the registration
 *	(EINTR).  The original sample's type 0, the pending IRP.
 *	The same request may be submitted asynchronously through io_uring
 *	(IORING_OP_URING_CMD, see &struct hwevent_uring_cmd): the analog of
 *	an overlapped DeviceIoControl.  Each firing completes one pending
 *	request of the registration; later ones wait with HWEVENT_IOC_WAIT.
 * @HWEVENT_TYPE_EVENTFD: the ioctl returns at once; when the timer fires
 *	the driver adds 1 to the eventfd named in &hwevent_register.eventfd.
 *	The original sample's type 1, the event object.
 * @HWEVENT_TYPE_QUEUE: the ioctl returns at once; each firing appends a
 *	&struct hwevent_msg to the open file's event queue, which read(2)
 *	returns, poll(2) reports as readable, and which sends SIGIO to the
 *	file's owner when O_ASYNC is set (F_SETOWN, F_SETFL).
 */
enum hwevent_type {
	HWEVENT_TYPE_REQUEST = 0,
	HWEVENT_TYPE_EVENTFD = 1,
	HWEVENT_TYPE_QUEUE = 2,
};

/* Bounds of &hwevent_register.due_ns: at least 1 ns, at most one day. */
#define HWEVENT_DUE_MIN_NS	1ULL
#define HWEVENT_DUE_MAX_NS	(24ULL * 60 * 60 * 1000000000ULL)
/*
 * Bounds of a non-zero &hwevent_register.period_ns.  The lower one keeps a
 * periodic timer from flooding a CPU with softirq work.
 */
#define HWEVENT_PERIOD_MIN_NS	10000ULL
#define HWEVENT_PERIOD_MAX_NS	HWEVENT_DUE_MAX_NS

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
 * @lost: how many events before this one were not delivered: for
 *	HWEVENT_TYPE_QUEUE, records the file's queue dropped because it was
 *	full (from any registration of the file); for HWEVENT_TYPE_REQUEST,
 *	firings of this registration that found no pending request, and
 *	periods the timer itself overran.  Together with @seq it lets a
 *	reader that fell behind see exactly what it missed.
 * @reserved: always 0.
 *
 * read(2) on the device returns these records, whole, for
 * HWEVENT_TYPE_QUEUE registrations.
 */
struct hwevent_msg {
	__u64 cookie;
	__u64 seq;
	__u64 fired_ns;
	__u64 id;
	__u32 type;
	__u32 flags;
	__u64 lost;
	__u64 reserved;
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
 * @period_ns: in: 0 for a single event; else the timer fires again every
 *	@period_ns after the first firing, in [HWEVENT_PERIOD_MIN_NS,
 *	HWEVENT_PERIOD_MAX_NS], until the registration is cancelled
 *	(HWEVENT_IOC_CANCEL, or closing the file).  When the application
 *	falls behind, an eventfd counts every period, a queue drops records
 *	and reports them in &hwevent_msg.lost, and a REQUEST registration
 *	completes one pending request per firing and counts the firings that
 *	found none in &hwevent_msg.lost.
 * @reserved: must be 0.
 * @id: out: the registration's id, unique among the registrations made
 *	through this open file, never 0.
 * @msg: out: for HWEVENT_TYPE_REQUEST, the first event, once it fired;
 *	zeroed for other types.
 */
struct hwevent_register {
	__u32 type;
	__u32 flags;
	__u64 due_ns;
	__u64 cookie;
	__s32 eventfd;
	__u32 pad;
	__u64 period_ns;
	__u64 reserved[3];
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
 * handler ran during the wait (the registration is then cancelled, unless
 * the event fired first, in which case the call succeeds), and ECANCELED
 * when HWEVENT_IOC_CANCEL cancelled it.  A signal that runs no handler (a
 * stop signal, a debugger) or whose handler has SA_RESTART cancels the
 * registration and makes the call again: a new registration, with a new id
 * and the full due time.
 */
#define HWEVENT_IOC_REGISTER	_IOWR(HWEVENT_IOC_MAGIC, 0x01, struct hwevent_register)

/**
 * struct hwevent_cancel - argument of HWEVENT_IOC_CANCEL
 * @id: in: id of a registration made through this open file.
 * @flags: in: must be 0.
 * @pad: must be 0.
 */
struct hwevent_cancel {
	__u64 id;
	__u32 flags;
	__u32 pad;
};

/*
 * Cancel one registration by id, the analog of CancelIoEx: its timer is
 * stopped, its eventfd reference dropped, and its pending requests fail
 * with ECANCELED.  ENOENT when this file has no such registration pending
 * (never made, already fired, or already cancelled); EINVAL for non-zero
 * flags or pad.
 */
#define HWEVENT_IOC_CANCEL	_IOW(HWEVENT_IOC_MAGIC, 0x02, struct hwevent_cancel)

/**
 * struct hwevent_wait - argument of HWEVENT_IOC_WAIT
 * @id: in: id of a periodic HWEVENT_TYPE_REQUEST registration of this file.
 * @flags: in: must be 0.
 * @pad: must be 0.
 * @reserved: must be 0.
 * @msg: out: the event that completed this request.
 */
struct hwevent_wait {
	__u64 id;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
	struct hwevent_msg msg;
};

/*
 * Add a pending request to a periodic HWEVENT_TYPE_REQUEST registration
 * and wait for the firing that completes it.  Pending requests complete
 * in the order they were made, one per firing.  EINTR when a signal
 * handler ran during the wait (the registration stays; a signal that runs
 * no handler, or SA_RESTART, makes the wait again); ECANCELED when the registration was
 * cancelled; ENOENT when this file has no such registration; EINVAL when
 * it is not a periodic REQUEST registration, or for non-zero flags, pad or
 * reserved.
 */
#define HWEVENT_IOC_WAIT	_IOWR(HWEVENT_IOC_MAGIC, 0x03, struct hwevent_wait)

/**
 * struct hwevent_uring_cmd - payload of an IORING_OP_URING_CMD on the device
 * @addr: in: user address of the &struct hwevent_register (for cmd_op
 *	HWEVENT_IOC_REGISTER) or &struct hwevent_wait (for cmd_op
 *	HWEVENT_IOC_WAIT) that the command works on, as the ioctl would.
 * @reserved: must be 0.
 *
 * It fits the 16 bytes of a normal SQE's command area (sqe->cmd); set
 * sqe->cmd_op to the ioctl number.  The CQE's res is what the ioctl would
 * return (0 or a negative errno); the message is written to the structure
 * at @addr before the CQE is posted.  A REQUEST command completes when its
 * event fires.  When the process that submitted it exits (or is killed),
 * its commands still pending fail with ECANCELED, so it exits at once;
 * on kernels before 6.7 not for a ring with IORING_SETUP_SQPOLL, whose
 * thread keeps the process's files open until its commands complete.
 */
struct hwevent_uring_cmd {
	__u64 addr;
	__u64 reserved;
};

#endif /* _UAPI_LINUX_HWEVENT_H */
