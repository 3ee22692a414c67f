/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hwevent: notify an application about (simulated) hardware events.
 *
 * The user-visible interface of the hwevent device nodes, shared by the
 * kernel module and every userspace program.  On /dev/hwevent a timer in
 * the driver stands in for the device's interrupt; on /dev/hwevent-eduN
 * (HWEVENT_SOURCE_EDU) the event is a real interrupt of a PCI device.
 * When it fires, the driver notifies the application in the way the
 * registration asked for.  Both take the same calls.
 *
 * All structures use fixed-width types, 64-bit fields aligned to 8 bytes
 * (__aligned_u64) and explicit padding, so their layout is the same for
 * 32-bit and 64-bit callers.  Every field marked
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
 *	signal whose handler runs ends the wait (EINTR); see
 *	HWEVENT_IOC_REGISTER for what becomes of the registration.  The
 *	original sample's type 0, the pending IRP.
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
 * Bounds of a non-zero &hwevent_register.period_ns.  What periodic
 * registrations may ask of the CPU together is bounded too, per open file
 * and for the device (module parameters max_file_rate_hz and
 * max_device_rate_hz, in firings per second; EBUSY beyond).
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
 * @flags: 0, or HWEVENT_MSG_LOST.
 * @lost: how many events before this one were not delivered: for
 *	HWEVENT_TYPE_QUEUE, records the file's queue dropped because it was
 *	full (from any registration of the file) plus periods that periodic
 *	registrations of the file overran; for HWEVENT_TYPE_REQUEST, firings
 *	of this registration that found no pending request, plus periods its
 *	timer overran.  Every undelivered event is counted exactly once, in
 *	the next record or message.  A dropped record took a @seq, which the
 *	reader then never sees; an overrun period took none: so gaps in @seq
 *	show dropped records (and other clients' events), while @lost counts
 *	both.
 * @reserved: always 0.
 *
 * read(2) on the device returns these records, whole, for
 * HWEVENT_TYPE_QUEUE registrations.
 */
struct hwevent_msg {
	__aligned_u64 cookie;
	__aligned_u64 seq;
	__aligned_u64 fired_ns;
	__aligned_u64 id;
	__u32 type;
	__u32 flags;
	__aligned_u64 lost;
	__aligned_u64 reserved;
};

/*
 * &hwevent_msg.flags: a loss marker.  When the event queue was full and
 * dropped records, and no later record came to report them in its @lost,
 * read(2) returns this marker once the queue is drained, so that a reader
 * always learns of a loss (as evdev's SYN_DROPPED).  It has @lost, @type
 * HWEVENT_TYPE_QUEUE and @fired_ns the time of the last drop; @cookie,
 * @seq and @id are 0.  poll(2) reports the file readable while a marker
 * is due.
 */
#define HWEVENT_MSG_LOST	(1U << 0)

/**
 * struct hwevent_register - argument of HWEVENT_IOC_REGISTER
 * @type: in: an &enum hwevent_type.
 * @flags: in: none are defined yet; must be 0.
 * @due_ns: in: relative due time of the event in ns, from the call (the
 *	moment the driver receives it: the registration's own work does not
 *	delay the event), in [HWEVENT_DUE_MIN_NS, HWEVENT_DUE_MAX_NS].  (A negative value cast to
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
 *	found none in &hwevent_msg.lost.  As a timerfd, the timer does not
 *	run while the application does not consume: from the firing that
 *	finds the queue full, no request pending, or the eventfd not read
 *	since the previous firing, until the application reads the queue,
 *	makes a request, or reads the eventfd.  The periods missed meanwhile
 *	are counted then, exactly: in the next &hwevent_msg.lost, or added
 *	to the eventfd.
 * @reserved: must be 0.
 * @id: out: the registration's id, unique among the registrations made
 *	through this open file, never 0.
 * @msg: out: for HWEVENT_TYPE_REQUEST, the first event, once it fired;
 *	zeroed for other types.
 */
struct hwevent_register {
	__u32 type;
	__u32 flags;
	__aligned_u64 due_ns;
	__aligned_u64 cookie;
	__s32 eventfd;
	__u32 pad;
	__aligned_u64 period_ns;
	__aligned_u64 reserved[3];
	__aligned_u64 id;
	struct hwevent_msg msg;
};

/*
 * Prefix of the edu nodes' names: /dev/hwevent-edu0, and
 * /sys/class/misc/hwevent-edu0, for the first bound device.
 */
#define HWEVENT_EDU_NAME_PREFIX	"hwevent-edu"

/* Not in the kernel's ioctl registry (Documentation/.../ioctl-number.rst). */
#define HWEVENT_IOC_MAGIC	0xE7

/*
 * Register one notification; see &struct hwevent_register.
 *
 * Errors: EINVAL for an unknown type, a due time out of bounds, a non-zero
 * flags/pad/reserved field, a non-zero eventfd for a type that takes none,
 * or a descriptor that is not an eventfd; EBADF for a bad eventfd
 * descriptor; ENOSPC when the open file already has the maximum number of
 * pending registrations (module parameter max_pending), decided before
 * anything is allocated; EBUSY when a periodic registration would take
 * the summed rate of the file's periodic registrations above
 * max_file_rate_hz, or of the device's above max_device_rate_hz (the rate
 * of one is 1 s / @period_ns, rounded up); EFAULT for a bad pointer;
 * ENOMEM.
 *
 * HWEVENT_TYPE_REQUEST also returns ECANCELED when HWEVENT_IOC_CANCEL
 * cancelled it, and EINTR when a signal handler ran during the wait (if
 * the event fired first, the call succeeds instead).  A signal that
 * interrupts the wait parks the request on the file for the calling
 * thread; the registration stays pending (or, when the kernel has no
 * memory to keep the request, the call fails with ENOMEM and the
 * registration is cancelled).  When the same thread makes the
 * same call again (same argument address, same input fields), it resumes
 * waiting for that registration: same id, due time and place in line.
 * That is what happens, without the application seeing it, when the
 * signal runs no handler (job control, a debugger, the freezer, io_uring
 * task work) or its handler has SA_RESTART; so these never delay the
 * event.  After EINTR an application may likewise retry the call to go on
 * waiting.  Any other ioctl of that thread on the file, a fatal signal, or
 * closing the file cancels the interrupted registration.
 *
 * Through io_uring on kernels before 6.7, where io_uring cannot cancel
 * commands (the module parameter uring_timeout_ms exists there): ERANGE
 * when @due_ns exceeds uring_timeout_ms; ETIME when the request is still
 * pending after uring_timeout_ms (its registration is then cancelled).
 */
#define HWEVENT_IOC_REGISTER	_IOWR(HWEVENT_IOC_MAGIC, 0x01, struct hwevent_register)

/**
 * struct hwevent_cancel - argument of HWEVENT_IOC_CANCEL
 * @id: in: id of a registration made through this open file.
 * @flags: in: must be 0.
 * @pad: must be 0.
 */
struct hwevent_cancel {
	__aligned_u64 id;
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
	__aligned_u64 id;
	__u32 flags;
	__u32 pad;
	__aligned_u64 reserved[2];
	struct hwevent_msg msg;
};

/*
 * Add a pending request to a periodic HWEVENT_TYPE_REQUEST registration
 * and wait for the firing that completes it.  Pending requests complete
 * in the order they were made, one per firing.  A signal parks the
 * request as for HWEVENT_IOC_REGISTER: the same call again by the same
 * thread resumes it in its place in line; EINTR when a handler without
 * SA_RESTART ran.  An event that completes a parked request that is then
 * abandoned counts in the registration's next &hwevent_msg.lost.  The
 * registration itself stays.  ECANCELED when the registration was
 * cancelled; ENOENT when this file has no such registration; EINVAL when
 * it is not a periodic REQUEST registration, or for non-zero flags, pad or
 * reserved; ENOSPC when the file already has max_pending WAITs; ETIME and
 * the deadline as for HWEVENT_IOC_REGISTER through io_uring before 6.7.
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
 * event fires.  From Linux 6.7 on, io_uring cancels pending commands when
 * their ring or the task that submitted them goes away, and they fail
 * with ECANCELED at once.  Before 6.7, the commands of an exiting process
 * fail with ECANCELED when it closes its descriptors; those it cannot
 * reach that way (an SQPOLL ring, a ring closed while the process runs, a
 * registered file or a device descriptor closed after submitting) end at
 * the latest after the uring_timeout_ms deadline, with ETIME.
 */
struct hwevent_uring_cmd {
	__aligned_u64 addr;
	__aligned_u64 reserved;
};

/**
 * enum hwevent_source - what makes the events of a device node
 * @HWEVENT_SOURCE_TIMER: a timer alone: /dev/hwevent, the simulation.
 * @HWEVENT_SOURCE_EDU: an interrupt of QEMU's edu PCI device (vendor
 *	0x1234, device 0x11e8): /dev/hwevent-edu0, /dev/hwevent-edu1, ...,
 *	one per bound device.  At the due time the driver makes the device
 *	raise its interrupt, and delivers the event from the interrupt.
 */
enum hwevent_source {
	HWEVENT_SOURCE_TIMER = 0,
	HWEVENT_SOURCE_EDU = 1,
};

/* &hwevent_info.irq_mode: how the device interrupts. */
#define HWEVENT_IRQ_NONE	0	/* no interrupt: the timer source */
#define HWEVENT_IRQ_INTX	1	/* the legacy INTx line */
#define HWEVENT_IRQ_MSI		2	/* a message-signalled interrupt */

/* &hwevent_info.flags, out: the driver delivers from the threaded handler. */
#define HWEVENT_INFO_IRQ_THREAD	(1U << 0)

/**
 * struct hwevent_info - argument of HWEVENT_IOC_INFO
 * @flags: in: must be 0; out: HWEVENT_INFO_* flags.
 * @source: out: an &enum hwevent_source.
 * @irq_mode: out: HWEVENT_IRQ_NONE, HWEVENT_IRQ_INTX or HWEVENT_IRQ_MSI.
 * @hw_version: out: for HWEVENT_SOURCE_EDU, the device's identification
 *	register (0x010000ed for version 1.0); else 0.
 * @vendor: out: the PCI vendor id (0x1234), or 0.
 * @device: out: the PCI device id (0x11e8), or 0.
 * @irqs: out: the device's interrupts the driver handled so far.
 * @bus_id: out: the PCI address, as in /sys/bus/pci/devices/ (e.g.
 *	"0000:01:00.0"), NUL-terminated; empty for the timer source.
 * @reserved: in: must be 0; out: 0.
 */
struct hwevent_info {
	__u32 flags;
	__u32 source;
	__u32 irq_mode;
	__u32 hw_version;
	__u16 vendor;
	__u16 device;
	__u32 pad;
	__aligned_u64 irqs;
	char bus_id[32];
	__aligned_u64 reserved[4];
};

/*
 * Which device this open file is on.  EINVAL for non-zero flags or
 * reserved fields; ENODEV once the device is gone.
 *
 * A device can go away while files are open on it (an edu device that is
 * unplugged or unbound).  Then, on such a file: every pending request
 * fails with ENODEV (one whose event fired first completes as usual);
 * every registration ends (counted cancelled); each ioctl and io_uring
 * command, new or restarted, fails with ENODEV; poll(2) reports EPOLLHUP
 * and EPOLLERR (and EPOLLIN while records remain); read(2) returns the
 * records queued before, then fails with ENODEV, without blocking; the
 * file's owner gets SIGIO with POLL_HUP if it asked for SIGIO; close(2)
 * works as always.  The node itself disappears at once.
 */
#define HWEVENT_IOC_INFO	_IOWR(HWEVENT_IOC_MAGIC, 0x04, struct hwevent_info)

#endif /* _UAPI_LINUX_HWEVENT_H */
