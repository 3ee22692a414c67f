// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent - notify applications about hardware events: the notification core
 *
 * The Linux counterpart of the "Hardware Event Sample" of the Windows
 * driver samples.  An application registers a notification through a
 * device node of the driver.  An hrtimer, armed for the due time, runs its
 * callback in hard interrupt context, as the device's interrupt would
 * (softirq context, the original's DPC at DISPATCH_LEVEL, on PREEMPT_RT or
 * with soft_timers=1), and hands the event to the node's source
 * (hwevent_core.h): on /dev/hwevent (hwevent_timer.c) the timer is the
 * device, and the event fires there; on /dev/hwevent-eduN (hwevent_edu.c)
 * the source makes a PCI device interrupt, and the event fires from the
 * interrupt.  When it fires the core notifies the application in the way
 * the registration asked for:
 *
 *  - HWEVENT_TYPE_REQUEST: a pending request completes with a message.
 *    The request is the ioctl itself (it sleeps, interruptibly), or an
 *    io_uring command that completes asynchronously: the analogs of a
 *    synchronous and an overlapped DeviceIoControl.
 *  - HWEVENT_TYPE_EVENTFD: the driver took its own reference to the
 *    caller's eventfd (the analog of referencing the user's event handle)
 *    and signals it from the callback.
 *  - HWEVENT_TYPE_QUEUE: a record is appended to the open file's event
 *    queue, for read(2), poll(2) and SIGIO.
 *
 * A path through this file, in the order of a registration's life:
 *
 *  1. open: hwevent_open() makes the file's context, on its device.
 *  2. register: hwevent_register() checks the argument, reserves a slot
 *     under the file's limit, creates the registration
 *     (hwevent_reg_create()) and inserts it (hwevent_reg_insert()): id,
 *     pending request, armed timer.  A synchronous request then sleeps in
 *     hwevent_wait_sync(); HWEVENT_IOC_WAIT adds more requests.
 *  3. fire: hwevent_timer_fn() hands the due event to the source, which
 *     calls hwevent_reg_fire(): it delivers the event and, for a request,
 *     claims the oldest pending one and completes it.
 *  4. complete or cancel: a request is completed by whoever claimed it:
 *     the callback, HWEVENT_IOC_CANCEL, a signal, io_uring's own cancel,
 *     its deadline, or the exit of its submitter.  A registration ends in
 *     hwevent_reg_dispose() (stop, then free).
 *  5. release: hwevent_release() disposes of everything left.
 *  6. the device: hwevent_dev_add() makes the node of a source,
 *     hwevent_dev_remove() takes it away, and with it every
 *     registration of the files still open on it, which outlive it
 *     (hwevent_file_gone()).
 *
 * The rules that make this safe are written above struct hwevent_file;
 * docs/design.md has the why.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/kref.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/hwevent.h>

#include "hwevent_compat.h"
#include "hwevent_core.h"

#define CREATE_TRACE_POINTS
#include "hwevent_trace.h"

/* The uAPI promises one layout to 32-bit and 64-bit callers. */
static_assert(sizeof(struct hwevent_msg) == 56);
static_assert(sizeof(struct hwevent_register) == 128);
static_assert(offsetof(struct hwevent_register, id) == 64);
static_assert(sizeof(struct hwevent_cancel) == 16);
static_assert(sizeof(struct hwevent_wait) == 88);
static_assert(sizeof(struct hwevent_uring_cmd) == 16);
static_assert(sizeof(struct hwevent_info) == 96);

/* ------------------------------------------------------------------ */
/* Objects, locks and lifetimes                                        */
/* ------------------------------------------------------------------ */

/* Single events due within this queue @reap_work when registered. */
#define HWEVENT_REAP_AHEAD_NS	NSEC_PER_SEC

/**
 * struct hwevent_file - the context of one open file of a device node
 * @hdev: the device, referenced for as long as the file is open.
 * @dev_node: in &hwevent_dev.files.
 * @gone: the device is gone (hwevent_file_gone()): nothing is registered
 *	or waited for any more.  Set under the file lock.
 * @regs: the file's registrations, by id.  Its xa_lock, taken with
 *	interrupts disabled since a source may fire from its hard interrupt
 *	handler (and the timers fire in hard interrupt context), is the file's
 *	lock: it protects @gone, @regs, @next_id, @nr_pending, @rate_hz,
 *	@uring_waiters, @parked, @stalled, @done, @queue, @queue_lost,
 *	@queue_lost_ns and, in every registration, &hwevent_reg.waiters,
 *	&hwevent_reg.lost, &hwevent_reg.done, &hwevent_reg.done_node and
 *	&hwevent_reg.stalled, and in every request &hwevent_waiter.state.
 * @next_id: next id to try, for cyclic allocation.
 * @nr_pending: registrations not yet done (see &hwevent_reg.done),
 *	limited by max_pending.  Done ones wait in @regs only until
 *	@reap_work frees them.
 * @nr_waits: HWEVENT_IOC_WAIT requests allocated, limited by max_pending.
 * @rate_hz: summed rate of the file's periodic registrations, limited by
 *	max_file_rate_hz.
 * @stalled: periodic QUEUE and EVENTFD registrations whose timer stopped
 *	because their consumer did not consume (see hwevent_reg_stall()).
 * @done: registrations that are done but still in @regs, oldest first,
 *	for @reap_work.  A list, not an xarray mark: linking one costs the
 *	event's path a few stores where setting a mark walks the tree.
 * @rearm_work: restarts the stalled EVENTFD registrations whose eventfd
 *	was read, from outside the eventfd's wake-up.
 * @efd_watches: the eventfds the file's periodic EVENTFD registrations
 *	signal, one &struct hwevent_efd_watch each, however many
 *	registrations share it.
 * @efd_lock: protects @efd_watches and &hwevent_efd_watch.users; taken
 *	only in process context, where registrations are made and disposed
 *	of.
 * @reap_work: frees the registrations on @done, a tick
 *	after a firing: run at once, it would take the CPU before the task
 *	the firing just woke (measured: about half the wake-up latency).
 *	A registration due soon queues it ahead (hwevent_reap_ahead()), so
 *	that its firing need not: a done registration waits at most
 *	HWEVENT_REAP_AHEAD_NS and two ticks for it.
 * @uring_waiters: the pending io_uring requests, for hwevent_flush().
 * @parked: synchronous requests interrupted by a signal, kept for the
 *	same thread to resume (see hwevent_park()).
 * @queue: the event queue of HWEVENT_TYPE_QUEUE registrations.
 * @queue_buf: its buffer (kvmalloc'ed: queue_len may be large).
 * @queue_lost: records dropped since the last one queued or reported.
 * @queue_lost_ns: when the last of them was dropped.
 * @read_lock: serializes readers, so that a record leaves @queue only
 *	once it was copied to the reader (peek, copy, skip).
 * @read_wq: readers and pollers of @queue.
 * @fasync: owners that asked for SIGIO (O_ASYNC).
 *
 * Lifetime of a registration (struct hwevent_reg):
 *
 * Whoever erases a registration from @regs owns it and disposes of it
 * (hwevent_reg_dispose()); the timer callback never erases nor frees, so
 * it may always touch the registration and its file.  The owner calls
 * hrtimer_cancel() before it frees: that stops a timer that has not
 * fired, or waits until a running callback returned, so no callback runs
 * on freed memory, whichever side wins a race.  Owners are:
 *
 *  - HWEVENT_IOC_CANCEL, and a REQUEST registration's own first request
 *    when it is abandoned (fatal signal, another call of its thread);
 *  - @reap_work, for the registrations on @done: those that fired their
 *    single event, and those withdrawn where nothing may sleep (by an
 *    io_uring cancel, a deadline or the exit of the submitter);
 *  - hwevent_release(), for everything left when the file is closed.  It
 *    then cancels @reap_work, which also waits for a running instance and
 *    so for the registrations that instance owns.  Every callback has then
 *    returned and nothing can queue @reap_work or touch the file again.
 *
 * Lifetime of a pending request (struct hwevent_waiter):
 *
 * A request is linked on its registration while HWEVENT_WAITER_QUEUED.
 * Whoever unlinks it claims it, under the file lock, by setting
 * HWEVENT_WAITER_CLAIMED (hwevent_waiter_claim()), and completes it,
 * exactly once, after filling in its result: nobody else touches it after
 * the claim.  A synchronous request that a signal interrupts tests that
 * state under the lock: still queued, it is parked or abandoned by its own
 * thread; claimed, it waits for the completion that is on its way.  A
 * synchronous request lives in its thread's stack frame, which the thread
 * leaves only once the request is completed or no longer queued: parking
 * puts a heap copy in its place, under the lock, before the call returns.
 * The copy is freed by the thread that resumes or abandons it (or by
 * release), an io_uring request in hwevent_uring_done() just before its
 * CQE is posted.  (On the stack, the event's path frees nothing.)
 *
 * A request in progress, synchronous or io_uring, holds a reference to the
 * struct file, so release never runs while one is pending; parked requests
 * hold none and are freed by release.  Where io_uring cannot cancel a
 * command (before 6.7), hwevent_flush() cancels the io_uring requests of
 * an exiting process, and every io_uring request has a deadline
 * (uring_timeout_ms), so that no ring waits long for the driver.
 *
 * The module cannot be unloaded while any file is open (the misc core
 * takes a module reference on open), and release leaves no timer or work
 * behind, so no callback can run after the module is gone.
 *
 * Lifetime of a file that outlives its device:
 *
 * Each open file holds a reference to its &hwevent_dev, so the device's
 * counters, name and source stay valid until the last file is closed,
 * whatever became of the hardware.  When the source takes its device
 * away (hwevent_dev_remove(), from the PCI driver's remove), the node
 * goes first (misc_deregister(), which waits for opens in progress), then
 * under &hwevent_dev.files_lock every open file is marked @gone under its
 * own lock and all its registrations are disposed of, their requests
 * failed with ENODEV.  @gone is the one decision point: a registration or
 * request is inserted under the file lock only while the file is not
 * gone, so none can slip in after the sweep, and each entry point that
 * finds @gone returns ENODEV.  The source's @stop, called by every
 * dispose, takes the registration off the source's own lists; once the
 * sweep is over no registration of the device exists, so no timer, and no
 * interrupt, touches the hardware on behalf of a file again.
 */
struct hwevent_file {
	struct hwevent_dev *hdev;
	struct list_head dev_node;
	bool gone;
	struct xarray regs;
	u32 next_id;
	unsigned int nr_pending;
	atomic_t nr_waits;
	u64 rate_hz;
	struct list_head stalled;
	struct list_head done;
	struct work_struct rearm_work;
	struct list_head efd_watches;
	struct mutex efd_lock;		/* @efd_watches, watch users */
	struct delayed_work reap_work;
	struct list_head uring_waiters;
	struct list_head parked;
	DECLARE_KFIFO_PTR(queue, struct hwevent_msg);
	struct hwevent_msg *queue_buf;
	u64 queue_lost;
	u64 queue_lost_ns;
	struct mutex read_lock;		/* readers: peek, copy, skip */
	wait_queue_head_t read_wq;
	struct fasync_struct *fasync;
};

/**
 * struct hwevent_efd_watch - how a file learns that an eventfd was read
 * @node: in &hwevent_file.efd_watches.
 * @ctx: the eventfd; the watch's own reference.
 * @wait: on the eventfd's wait queue: every read of the eventfd wakes it
 *	with EPOLLOUT.  One entry per file and eventfd, not per registration:
 *	each signal of the eventfd walks its wait queue, so entries per
 *	registration would make n registrations on one eventfd cost n^2.
 * @wqh: the eventfd's wait queue.
 * @reads: reads of the eventfd seen by @wait.
 * @users: periodic EVENTFD registrations of the file on it, under
 *	&hwevent_file.efd_lock; the last one to go frees the watch, after
 *	taking @wait off the queue, which also waits for a running wake-up.
 * @hf: the file.
 */
struct hwevent_efd_watch {
	struct list_head node;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	atomic_t reads;
	unsigned int users;
	struct hwevent_file *hf;
};

/**
 * struct hwevent_reg - one registered notification
 * @timer: expires at the due time (and every period), in hard interrupt
 *	context, or softirq context if @timer_soft (see soft_timers).
 * @timer_soft: HRTIMER_MODE_SOFT if its timer is soft, else 0.
 * @src: the device, and a list node for its source.
 * @hf: the open file it was registered on.
 * @efd: EVENTFD: the driver's reference to the eventfd, dropped by the
 *	callback after the last firing, or by the owner.
 * @efd_debt: EVENTFD: periods counted but not yet added to the eventfd
 *	(only where eventfd_signal() adds one at a time; see
 *	HWEVENT_EFD_BURST).  Under the file lock; the owner's alone once
 *	the registration is done and its timer stopped.
 * @waiters: REQUEST: pending requests, oldest first.
 * @cookie: the caller's cookie.
 * @period_ns: 0 for a single event, else the period of the timer.
 * @lost: REQUEST: firings not delivered since the last delivered one.
 * @id: key in &hwevent_file.regs.
 * @type: &enum hwevent_type.
 * @done: the timer will not fire again: it fired its single event, or the
 *	registration was withdrawn.  Set under the file lock; the callback
 *	fires only while it is clear, so fire and cancel are decided there,
 *	once.
 * @cancelled: withdrawn before its single event: counts as cancelled.
 * @stalled: periodic, and its timer is stopped until its consumer
 *	consumes; its missed periods are counted when it restarts.
 * @stall_node: in &hwevent_file.stalled while stalled (QUEUE, EVENTFD).
 * @done_node: in &hwevent_file.done from when it is done in place (fired
 *	its single event, or withdrawn) until it is erased.
 * @rate_hz: what it takes of its file's and the device's rate budgets.
 * @efd_watch: periodic EVENTFD: tells when the eventfd is read.
 * @efd_reads_seen: &hwevent_efd_watch.reads just before the callback last
 *	signalled.
 * @efd_signalled: the callback signalled the eventfd at least once.
 */
struct hwevent_reg {
	struct hrtimer timer;
	enum hrtimer_mode timer_soft;
	struct hwevent_src_reg src;
	struct hwevent_file *hf;
	struct eventfd_ctx *efd;
	u64 efd_debt;
	struct list_head waiters;
	u64 cookie;
	u64 period_ns;
	u64 lost;
	u32 id;
	u32 type;
	bool done;
	bool cancelled;
	bool stalled;
	struct list_head stall_node;
	struct list_head done_node;
	u64 rate_hz;
	struct hwevent_efd_watch *efd_watch;
	int efd_reads_seen;
	bool efd_signalled;
};

enum hwevent_waiter_state {
	HWEVENT_WAITER_NEW,	/* not yet linked on its registration */
	HWEVENT_WAITER_QUEUED,	/* on &hwevent_reg.waiters */
	HWEVENT_WAITER_CLAIMED,	/* unlinked: being or been completed */
};

/**
 * struct hwevent_waiter - a pending request of a REQUEST registration
 * @node: in &hwevent_reg.waiters while queued; then on its claimer's list.
 * @file_node: io_uring: in &hwevent_file.uring_waiters while queued;
 *	synchronous: in &hwevent_file.parked while parked.
 * @hf: the file.
 * @msg: the event, filled in by its claimer.
 * @status: 0 with @msg, or the error to complete the request with.
 * @state: &enum hwevent_waiter_state, under the file lock.
 * @is_uring: an io_uring request (@uring), else synchronous (@sync).
 * @owns_reg: the request that registered: if it is abandoned or
 *	cancelled, the registration goes with it.
 * @on_stack: synchronous, and in its thread's stack frame: nothing to
 *	free when the call returns.  A signal that parks it puts a copy on
 *	the heap in its place (hwevent_wait_sync()).
 * @reg_id: id of the registration it waits on.
 * @sync: synchronous requests:
 * @sync.done: completed after @msg/@status are set.
 * @sync.thread: the thread that parked it.
 * @sync.cmd: the ioctl it was made by.
 * @sync.uarg: the ioctl's argument, in user memory.
 * @sync.in: what the caller passed (the input fields of @sync.uarg).
 * @uring: io_uring requests:
 * @uring.cmd: the command to complete.
 * @uring.umsg: where the message goes.
 * @uring.owner: descriptor table of the submitter.
 * @uring.deadline: fails the request with ETIME where io_uring cannot
 *	cancel it.
 */
struct hwevent_waiter {
	struct list_head node;
	struct list_head file_node;
	struct hwevent_file *hf;
	struct hwevent_msg msg;
	int status;
	u8 state;
	bool is_uring;
	bool owns_reg;
	bool on_stack;
	u32 reg_id;
	union {
		struct {
			struct completion done;
			struct pid *thread;
			unsigned int cmd;
			void __user *uarg;
			union {
				struct hwevent_register reg;
				struct hwevent_wait wait;
			} in;
		} sync;
		struct {
			struct io_uring_cmd *cmd;
			struct hwevent_msg __user *umsg;
			fl_owner_t owner;
			struct hrtimer deadline;
		} uring;
	};
};

static struct kmem_cache *hwevent_reg_cache;

/*
 * The counters are each device's (&hwevent_dev), shown in
 * /sys/class/misc/NAME/counters/.  Every accepted registration ends either
 * by its single firing or by a cancel, so at rest registered == cancelled
 * + pending + single-shot firings.
 */

/* ------------------------------------------------------------------ */
/* Module parameters                                                   */
/* ------------------------------------------------------------------ */

static unsigned int max_pending = 1024;
static unsigned int queue_len = 64;
/* One registration at the shortest period, per file; ten for the device. */
static unsigned int max_file_rate_hz = 100000;
static unsigned int max_device_rate_hz = 1000000;

static int max_pending_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 1000000);
}

static const struct kernel_param_ops max_pending_ops = {
	.set = max_pending_set,
	.get = param_get_uint,
};

module_param_cb(max_pending, &max_pending_ops, &max_pending, 0644);
MODULE_PARM_DESC(max_pending,
		 "Most registrations, and most HWEVENT_IOC_WAIT requests, one open file may hold (1-1000000, default 1024)");

/* kfifo needs a power of 2: say so rather than round behind the back. */
static int queue_len_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 2 || n > 65536 || !is_power_of_2(n))
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops queue_len_ops = {
	.set = queue_len_set,
	.get = param_get_uint,
};

module_param_cb(queue_len, &queue_len_ops, &queue_len, 0644);
MODULE_PARM_DESC(queue_len,
		 "Records in the event queue of a file opened from now on (a power of 2, 2-65536, default 64)");

static int rate_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 1000000000);
}

static const struct kernel_param_ops rate_ops = {
	.set = rate_set,
	.get = param_get_uint,
};

/*
 * The context a registration's timer expires in, chosen when it is made.
 * By default hard interrupt context, as a timerfd's: the callback notifies
 * straight away (nothing in hwevent_reg_fire() sleeps, as the edu
 * source's interrupt handler needs too), one softirq hop sooner than a
 * soft timer, whose callback waits for the timer softirq (or ksoftirqd).
 * soft_timers=1 gives the soft timer, the original's DPC, so that the
 * benchmark can weigh the two.  On PREEMPT_RT the kernel expires both in
 * its timer thread, where the file's spinlock may sleep.
 */
static bool soft_timers;
module_param(soft_timers, bool, 0644);
MODULE_PARM_DESC(soft_timers,
		 "Expire new registrations' timers in softirq, not hard interrupt, context (default 0)");

/*
 * The rate budgets: what the periodic registrations of one file, and of
 * the whole device, may together ask of the CPU, in firings per second.
 */
module_param_cb(max_file_rate_hz, &rate_ops, &max_file_rate_hz, 0644);
MODULE_PARM_DESC(max_file_rate_hz,
		 "Summed rate of one open file's periodic registrations, in Hz (1-1000000000, default 100000)");
module_param_cb(max_device_rate_hz, &rate_ops, &max_device_rate_hz, 0644);
MODULE_PARM_DESC(max_device_rate_hz,
		 "Summed rate of all periodic registrations, in Hz (1-1000000000, default 1000000)");

#if !HWEVENT_URING_CANCELABLE
/*
 * Before 6.7 io_uring cannot ask a driver to cancel a command, and a ring
 * that goes away waits for its commands, with a WARNING after 5 minutes.
 * So every io_uring request of this driver ends within this time.  The
 * parameter exists only on such kernels: its presence tells userspace.
 */
static unsigned int uring_timeout_ms = 60000;

static int uring_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1000, 240000);
}

static const struct kernel_param_ops uring_timeout_ops = {
	.set = uring_timeout_set,
	.get = param_get_uint,
};

module_param_cb(uring_timeout_ms, &uring_timeout_ops, &uring_timeout_ms, 0644);
MODULE_PARM_DESC(uring_timeout_ms,
		 "Longest life of an io_uring request, where io_uring cannot cancel it (1000-240000, default 60000)");

static u64 hwevent_uring_timeout_ns(void)
{
	return (u64)READ_ONCE(uring_timeout_ms) * NSEC_PER_MSEC;
}
#endif

/* ------------------------------------------------------------------ */
/* Forward declarations: the life of a registration, in file order     */
/* ------------------------------------------------------------------ */

static enum hrtimer_restart hwevent_timer_fn(struct hrtimer *timer);
static void hwevent_waiter_complete(struct hwevent_waiter *w, int status);
static void hwevent_waiter_free(struct hwevent_waiter *w);
static struct hwevent_reg *__hwevent_reg_take(struct hwevent_file *hf, u64 id);
static void __hwevent_reg_withdraw(struct hwevent_file *hf,
				   struct hwevent_reg *reg);
static bool hwevent_reg_dispose(struct hwevent_reg *reg, int status);
static void hwevent_reg_free_all(struct hwevent_file *hf, bool done_only,
				 int status);
static void __hwevent_reg_rearm(struct hwevent_file *hf,
				struct hwevent_reg *reg);
#if !HWEVENT_URING_CANCELABLE
static enum hrtimer_restart hwevent_deadline_fn(struct hrtimer *timer);
#endif

/* ------------------------------------------------------------------ */
/* 1. open                                                             */
/* ------------------------------------------------------------------ */

static void hwevent_reap_work(struct work_struct *work)
{
	struct hwevent_file *hf = container_of(to_delayed_work(work),
					       struct hwevent_file, reap_work);

	hwevent_reg_free_all(hf, true, -ECANCELED);
}

/* Restart the stalled EVENTFD registrations whose eventfd was read. */
static void hwevent_rearm_work(struct work_struct *work)
{
	struct hwevent_file *hf = container_of(work, struct hwevent_file,
					       rearm_work);
	struct hwevent_reg *reg, *tmp;

	xa_lock_irq(&hf->regs);
	list_for_each_entry_safe(reg, tmp, &hf->stalled, stall_node)
		if (reg->type == HWEVENT_TYPE_EVENTFD &&
		    atomic_read(&reg->efd_watch->reads) != reg->efd_reads_seen)
			__hwevent_reg_rearm(hf, reg);
	xa_unlock_irq(&hf->regs);
}

/*
 * The misc core calls this under its lock, with file->private_data its
 * &hwevent_dev.misc: hwevent_dev_remove(), which deregisters the node
 * first, waits for it.
 */
static int hwevent_open(struct inode *inode, struct file *file)
{
	struct hwevent_dev *hdev = container_of(file->private_data,
						struct hwevent_dev, misc);
	unsigned int len = READ_ONCE(queue_len);
	struct hwevent_file *hf;
	int ret;

	hf = kzalloc(sizeof(*hf), GFP_KERNEL_ACCOUNT);
	if (!hf)
		return -ENOMEM;
	/* Up to 3.5 MB: it need not be physically contiguous. */
	hf->queue_buf = kvmalloc_array(len, sizeof(*hf->queue_buf),
				       GFP_KERNEL_ACCOUNT);
	if (!hf->queue_buf) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = kfifo_init(&hf->queue, hf->queue_buf,
			 len * sizeof(*hf->queue_buf));
	if (ret)
		goto err_free_queue;
	/* Accounted: the xarray's nodes are charged to the caller too. */
	xa_init_flags(&hf->regs,
		      XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ | XA_FLAGS_ACCOUNT);
	atomic_set(&hf->nr_waits, 0);
	INIT_LIST_HEAD(&hf->stalled);
	INIT_LIST_HEAD(&hf->done);
	INIT_WORK(&hf->rearm_work, hwevent_rearm_work);
	INIT_LIST_HEAD(&hf->efd_watches);
	mutex_init(&hf->efd_lock);
	INIT_DELAYED_WORK(&hf->reap_work, hwevent_reap_work);
	INIT_LIST_HEAD(&hf->uring_waiters);
	INIT_LIST_HEAD(&hf->parked);
	mutex_init(&hf->read_lock);
	init_waitqueue_head(&hf->read_wq);

	mutex_lock(&hdev->files_lock);
	if (hdev->gone) {
		mutex_unlock(&hdev->files_lock);
		ret = -ENODEV;
		goto err_free_queue;
	}
	kref_get(&hdev->ref);
	hf->hdev = hdev;
	list_add_tail(&hf->dev_node, &hdev->files);
	mutex_unlock(&hdev->files_lock);

	file->private_data = hf;
	pr_debug("%s[%d]: open %s\n", current->comm, task_pid_nr(current),
		 hdev->name);
	return stream_open(inode, file);

err_free_queue:
	kvfree(hf->queue_buf);
err_free:
	kfree(hf);
	return ret;
}

/* ------------------------------------------------------------------ */
/* 2. register                                                         */
/* ------------------------------------------------------------------ */

static struct hwevent_waiter **hwevent_pdu(struct io_uring_cmd *ioucmd)
{
	BUILD_BUG_ON(sizeof(struct hwevent_waiter *) > sizeof(ioucmd->pdu));
	return (struct hwevent_waiter **)ioucmd->pdu;
}

static int hwevent_check_register(const struct hwevent_register *arg)
{
	if (arg->flags || arg->pad ||
	    memchr_inv(arg->reserved, 0, sizeof(arg->reserved)))
		return -EINVAL;
	if (arg->due_ns < HWEVENT_DUE_MIN_NS || arg->due_ns > HWEVENT_DUE_MAX_NS)
		return -EINVAL;
	if (arg->period_ns && (arg->period_ns < HWEVENT_PERIOD_MIN_NS ||
			       arg->period_ns > HWEVENT_PERIOD_MAX_NS))
		return -EINVAL;

	switch (arg->type) {
	case HWEVENT_TYPE_REQUEST:
	case HWEVENT_TYPE_QUEUE:
		return arg->eventfd ? -EINVAL : 0;
	case HWEVENT_TYPE_EVENTFD:
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * A new request: synchronous if @ioucmd is NULL, made in @sync, the
 * caller's stack frame, which the request does not outlive unless a
 * signal parks it (then hwevent_wait_sync() moves it); else completed
 * through io_uring, with the message going to @umsg, allocated and
 * charged to the caller.
 */
static struct hwevent_waiter *hwevent_waiter_new(struct hwevent_file *hf,
						 struct io_uring_cmd *ioucmd,
						 struct hwevent_msg __user *umsg,
						 bool owns_reg,
						 struct hwevent_waiter *sync)
{
	struct hwevent_waiter *w = sync;

	if (ioucmd) {
		w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
		if (!w)
			return NULL;
	} else {
		memset(w, 0, sizeof(*w));
		w->on_stack = true;
	}
	INIT_LIST_HEAD(&w->node);
	INIT_LIST_HEAD(&w->file_node);
	w->hf = hf;
	w->owns_reg = owns_reg;
	if (ioucmd) {
		w->is_uring = true;
		w->uring.cmd = ioucmd;
		w->uring.umsg = umsg;
		w->uring.owner = current->files;
#if !HWEVENT_URING_CANCELABLE
		hwevent_hrtimer_setup(&w->uring.deadline, hwevent_deadline_fn,
				      CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
#endif
		*hwevent_pdu(ioucmd) = w;
	} else {
		init_completion(&w->sync.done);
	}
	return w;
}

/*
 * Link @w on @reg, under the file lock.  An io_uring request also goes on
 * the file's list and, where io_uring cannot cancel it, gets its deadline:
 * both before anyone can claim it.
 */
static void __hwevent_waiter_queue(struct hwevent_file *hf,
				   struct hwevent_reg *reg,
				   struct hwevent_waiter *w)
{
	w->reg_id = reg->id;
	w->state = HWEVENT_WAITER_QUEUED;
	list_add_tail(&w->node, &reg->waiters);
	/* Stopped for want of a request: here is one. */
	if (reg->stalled)
		__hwevent_reg_rearm(hf, reg);
	if (!w->is_uring)
		return;
	list_add_tail(&w->file_node, &hf->uring_waiters);
#if !HWEVENT_URING_CANCELABLE
	hrtimer_start(&w->uring.deadline,
		      ns_to_ktime(hwevent_uring_timeout_ns()),
		      HRTIMER_MODE_REL_SOFT);
#endif
}

/* The rate a registration of period @period_ns takes of the budgets. */
static u64 hwevent_rate_hz_of(u64 period_ns)
{
	return period_ns ? DIV_ROUND_UP_ULL(NSEC_PER_SEC, period_ns) : 0;
}

/*
 * Take one slot under the file's limit and @rate_hz of the file's and the
 * device's rate budgets, before anything is allocated.
 */
static int hwevent_reserve(struct hwevent_file *hf, u64 rate_hz)
{
	int ret = 0;

	xa_lock_irq(&hf->regs);
	if (hf->nr_pending >= READ_ONCE(max_pending)) {
		ret = -ENOSPC;
	} else if (hf->rate_hz + rate_hz > READ_ONCE(max_file_rate_hz)) {
		ret = -EBUSY;
	} else if (atomic64_add_return(rate_hz, &hf->hdev->rate_hz) >
		   READ_ONCE(max_device_rate_hz)) {
		atomic64_sub(rate_hz, &hf->hdev->rate_hz);
		ret = -EBUSY;
	} else {
		hf->nr_pending++;
		hf->rate_hz += rate_hz;
	}
	xa_unlock_irq(&hf->regs);
	return ret;
}

static void hwevent_unreserve(struct hwevent_file *hf, u64 rate_hz)
{
	xa_lock_irq(&hf->regs);
	hf->nr_pending--;
	hf->rate_hz -= rate_hz;
	xa_unlock_irq(&hf->regs);
	atomic64_sub(rate_hz, &hf->hdev->rate_hz);
}

/*
 * A file's entry on an eventfd's wait queue: a read of the eventfd wakes it
 * with EPOLLOUT, which tells the stalled registrations on that eventfd
 * that their consumer consumes again.  Any context, under the eventfd's
 * own lock: only atomics here, the restart is @rearm_work's.  A stall
 * decided while this runs is followed by the signal of its own firing, so
 * the consumer's next read comes here again and finds it.
 */
static int hwevent_efd_wake(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct hwevent_efd_watch *watch =
		container_of(wait, struct hwevent_efd_watch, wait);
	struct hwevent_file *hf = watch->hf;

	if (key_to_poll(key) & EPOLLOUT) {
		atomic_inc(&watch->reads);
		if (!list_empty_careful(&hf->stalled))
			queue_work(system_wq, &hf->rearm_work);
	}
	return 0;
}

struct hwevent_efd_table {
	poll_table pt;
	struct hwevent_efd_watch *watch;
};

static void hwevent_efd_queue(struct file *file, wait_queue_head_t *wqh,
			      poll_table *pt)
{
	struct hwevent_efd_watch *watch =
		container_of(pt, struct hwevent_efd_table, pt)->watch;

	watch->wqh = wqh;
	add_wait_queue(wqh, &watch->wait);
}

/*
 * The file's watch of the eventfd @ctx, open as @file, made if it has none
 * yet; process context.  NULL when it cannot be made.
 */
static struct hwevent_efd_watch *
hwevent_efd_watch_get(struct hwevent_file *hf, struct file *file,
		      struct eventfd_ctx *ctx)
{
	struct hwevent_efd_table table;
	struct hwevent_efd_watch *watch;

	mutex_lock(&hf->efd_lock);
	list_for_each_entry(watch, &hf->efd_watches, node) {
		if (watch->ctx == ctx) {
			watch->users++;
			goto out;
		}
	}
	watch = kzalloc(sizeof(*watch), GFP_KERNEL_ACCOUNT);
	if (!watch)
		goto out;
	/* Its own reference: it may outlive the registration that made it. */
	watch->ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(watch->ctx)) {
		kfree(watch);
		watch = NULL;
		goto out;
	}
	watch->hf = hf;
	watch->users = 1;
	init_waitqueue_func_entry(&watch->wait, hwevent_efd_wake);
	table.watch = watch;
	init_poll_funcptr(&table.pt, hwevent_efd_queue);
	vfs_poll(file, &table.pt);
	list_add(&watch->node, &hf->efd_watches);
out:
	mutex_unlock(&hf->efd_lock);
	return watch;
}

static void hwevent_efd_watch_put(struct hwevent_file *hf,
				  struct hwevent_efd_watch *watch)
{
	mutex_lock(&hf->efd_lock);
	if (--watch->users) {
		mutex_unlock(&hf->efd_lock);
		return;
	}
	list_del(&watch->node);
	mutex_unlock(&hf->efd_lock);
	/* Waits for a wake-up running under the queue's lock. */
	if (watch->wqh)
		remove_wait_queue(watch->wqh, &watch->wait);
	eventfd_ctx_put(watch->ctx);
	kfree(watch);
}

/*
 * Take a reference to the caller's eventfd @fd, in its own context and
 * descriptor table; a periodic registration also watches its reads.
 */
static int hwevent_efd_get(struct hwevent_reg *reg, int fd)
{
	struct file *file;

	if (!reg->period_ns) {
		reg->efd = eventfd_ctx_fdget(fd);
		return PTR_ERR_OR_ZERO(reg->efd);
	}
	file = fget(fd);
	if (!file)
		return -EBADF;
	reg->efd = eventfd_ctx_fileget(file);
	if (IS_ERR(reg->efd)) {
		fput(file);
		return PTR_ERR(reg->efd);
	}
	reg->efd_watch = hwevent_efd_watch_get(reg->hf, file, reg->efd);
	fput(file);
	if (!reg->efd_watch) {
		eventfd_ctx_put(reg->efd);
		reg->efd = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Create the registration @arg asks for: allocated, not yet visible. */
static struct hwevent_reg *hwevent_reg_create(struct hwevent_file *hf,
					      const struct hwevent_register *arg)
{
	struct hwevent_reg *reg;
	int ret;

	/* Charged to the caller, as the original charges its pool quota. */
	reg = kmem_cache_zalloc(hwevent_reg_cache, GFP_KERNEL_ACCOUNT);
	if (!reg)
		return ERR_PTR(-ENOMEM);
	reg->timer_soft = READ_ONCE(soft_timers) ? HRTIMER_MODE_SOFT : 0;
	hwevent_hrtimer_setup(&reg->timer, hwevent_timer_fn, CLOCK_MONOTONIC,
			      HRTIMER_MODE_ABS | reg->timer_soft);
	INIT_LIST_HEAD(&reg->waiters);
	INIT_LIST_HEAD(&reg->stall_node);
	INIT_LIST_HEAD(&reg->done_node);
	reg->src.dev = hf->hdev;
	INIT_LIST_HEAD(&reg->src.node);
	reg->hf = hf;
	reg->cookie = arg->cookie;
	reg->period_ns = arg->period_ns;
	reg->rate_hz = hwevent_rate_hz_of(arg->period_ns);
	reg->type = arg->type;

	if (arg->type == HWEVENT_TYPE_EVENTFD) {
		ret = hwevent_efd_get(reg, arg->eventfd);
		if (ret) {
			kmem_cache_free(hwevent_reg_cache, reg);
			return ERR_PTR(ret);
		}
	}
	return reg;
}

static void hwevent_reg_destroy(struct hwevent_reg *reg)
{
	if (reg->efd_watch)
		hwevent_efd_watch_put(reg->hf, reg->efd_watch);
	if (reg->efd)
		eventfd_ctx_put(reg->efd);
	kmem_cache_free(hwevent_reg_cache, reg);
}

/*
 * Queue @reap_work for two ticks after a single event due soon (counted
 * from now, so after the event), from the registration, where it costs
 * the event nothing (its timer is armed already): the callback then finds it
 * pending and leaves it be, rather than queue it in the event's own path.
 * Only for events due within HWEVENT_REAP_AHEAD_NS, so that a firing
 * that finds the work pending is freed within that much time.
 */
static void hwevent_reap_ahead(struct hwevent_file *hf,
			       const struct hwevent_register *arg)
{
	if (arg->period_ns || arg->due_ns > HWEVENT_REAP_AHEAD_NS)
		return;
	schedule_delayed_work(&hf->reap_work,
			      nsecs_to_jiffies(arg->due_ns) + 2);
}

/*
 * Insert @reg, whose slot the caller reserved, into its file: give it an
 * id, write the id to @uid, link its first request @w (if any) and arm its
 * timer for @expires (CLOCK_MONOTONIC).  From then on the file owns it.
 * Returns the id, or a negative errno with nothing inserted: -ENODEV once
 * the device is gone, decided under the file lock (see struct
 * hwevent_file).
 */
static int hwevent_reg_insert(struct hwevent_file *hf, struct hwevent_reg *reg,
			      struct hwevent_waiter *w, u64 __user *uid,
			      ktime_t expires, unsigned int issue_flags)
{
	u32 id;
	int ret;

	xa_lock_irq(&hf->regs);
	/* A reserved slot: lookups do not see it until @reg is stored. */
	ret = hf->gone ? -ENODEV :
	      __xa_alloc_cyclic(&hf->regs, &id, NULL, XA_LIMIT(1, U32_MAX),
				&hf->next_id, GFP_KERNEL_ACCOUNT);
	xa_unlock_irq(&hf->regs);
	if (ret < 0)
		return ret;

	/*
	 * The id reaches the caller before the event can: an io_uring
	 * request may be completed, and its CQE posted, as soon as the timer
	 * fires, even while this runs in an io_uring worker.
	 */
	if (put_user((u64)id, uid)) {
		xa_lock_irq(&hf->regs);
		__xa_erase(&hf->regs, id);
		xa_unlock_irq(&hf->regs);
		return -EFAULT;
	}

	/* Nothing fails from here on: io_uring may now cancel it. */
	if (w && w->is_uring)
		hwevent_uring_mark_cancelable(w->uring.cmd, issue_flags);

	xa_lock_irq(&hf->regs);
	if (hf->gone) {
		/* The device went while the id was on its way. */
		__xa_erase(&hf->regs, id);
		xa_unlock_irq(&hf->regs);
		return -ENODEV;
	}
	/* Replaces the reserved entry: nothing to allocate. */
	__xa_store(&hf->regs, id, reg, GFP_NOWAIT);
	reg->id = id;
	if (w)
		__hwevent_waiter_queue(hf, reg, w);
	atomic64_inc(&hf->hdev->registered);
	atomic64_inc(&hf->hdev->pending);
	hrtimer_start(&reg->timer, expires, HRTIMER_MODE_ABS | reg->timer_soft);
	xa_unlock_irq(&hf->regs);
	return id;
}

/*
 * Whether the synchronous request @w is the one its thread repeats: the
 * same ioctl, at the same address, with the same input.
 */
static bool hwevent_parked_matches(const struct hwevent_waiter *w,
				   unsigned int cmd, const void __user *uarg,
				   const void *in)
{
	size_t n = cmd == HWEVENT_IOC_REGISTER ?
		   offsetof(struct hwevent_register, id) :
		   offsetof(struct hwevent_wait, msg);

	return w->sync.cmd == cmd && w->sync.uarg == uarg &&
	       !memcmp(&w->sync.in, in, n);
}

/*
 * Claim the queued synchronous request @w for its own thread, which gives
 * it up, and take the registration it made, if still pending; under the
 * file lock.
 */
static struct hwevent_reg *__hwevent_waiter_withdraw(struct hwevent_file *hf,
						     struct hwevent_waiter *w)
{
	list_del_init(&w->node);
	w->state = HWEVENT_WAITER_CLAIMED;
	return w->owns_reg ? __hwevent_reg_take(hf, w->reg_id) : NULL;
}

/*
 * A parked request whose thread made another call instead of asking for it
 * again: withdraw it, and the registration it made.  An event it got while
 * parked is lost to the application, and counted so.
 */
static void hwevent_waiter_abandon(struct hwevent_waiter *w)
{
	struct hwevent_file *hf = w->hf;
	struct hwevent_reg *reg = NULL;
	bool queued;

	xa_lock_irq(&hf->regs);
	queued = w->state == HWEVENT_WAITER_QUEUED;
	if (queued)
		reg = __hwevent_waiter_withdraw(hf, w);
	else if (w->owns_reg)
		reg = __hwevent_reg_take(hf, w->reg_id);
	xa_unlock_irq(&hf->regs);

	if (!queued) {
		/* Claimed by another: wait for its completion to be done. */
		wait_for_completion(&w->sync.done);
		if (!w->status) {
			struct hwevent_reg *r;

			xa_lock_irq(&hf->regs);
			r = w->owns_reg ? NULL : xa_load(&hf->regs, w->reg_id);
			if (r)
				r->lost++;
			atomic64_inc(&hf->hdev->lost);
			xa_unlock_irq(&hf->regs);
		}
	}
	if (reg)
		hwevent_reg_dispose(reg, -ECANCELED);
	hwevent_waiter_free(w);
}

/*
 * At the start of a synchronous call: take this thread's parked requests
 * off the file.  The one this call repeats (@cmd, @uarg, @in) is returned,
 * to be resumed; the others were abandoned by the thread, and go.
 */
static struct hwevent_waiter *hwevent_unpark(struct hwevent_file *hf,
					     unsigned int cmd,
					     const void __user *uarg,
					     const void *in)
{
	struct hwevent_waiter *w, *tmp, *found = NULL;
	struct pid *me = task_pid(current);
	LIST_HEAD(abandoned);

	if (list_empty_careful(&hf->parked))
		return NULL;
	xa_lock_irq(&hf->regs);
	list_for_each_entry_safe(w, tmp, &hf->parked, file_node) {
		if (w->sync.thread != me)
			continue;
		if (!found && in && hwevent_parked_matches(w, cmd, uarg, in)) {
			list_del_init(&w->file_node);
			found = w;
		} else {
			list_move_tail(&w->file_node, &abandoned);
		}
	}
	xa_unlock_irq(&hf->regs);

	list_for_each_entry_safe(w, tmp, &abandoned, file_node) {
		list_del_init(&w->file_node);
		pr_debug("%s[%d]: abandons interrupted request on %u\n",
			 current->comm, task_pid_nr(current), w->reg_id);
		hwevent_waiter_abandon(w);
	}
	if (found) {
		put_pid(found->sync.thread);
		found->sync.thread = NULL;
	}
	return found;
}

/*
 * Whether the way out of this call runs a signal handler that ends it with
 * EINTR: a pending, unblocked signal has a handler without SA_RESTART.
 * A guess, made as the signal code will decide, that a later signal or a
 * debugger can prove wrong; hwevent_wait_sync() copes with both outcomes.
 */
static bool hwevent_eintr_ahead(void)
{
	/*
	 * Only an exec by this very thread replaces its sighand, and this
	 * thread is here, in our syscall: no RCU read side is needed.
	 */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, true);
	const struct k_sigaction *ka;
	bool eintr = false;
	sigset_t pending;
	int sig;

	/* A debugger decides what its tracee's signals do. */
	if (current->ptrace)
		return false;
	spin_lock_irq(&sighand->siglock);
	sigorsets(&pending, &current->pending.signal,
		  &current->signal->shared_pending.signal);
	sigandnsets(&pending, &pending, &current->blocked);
	for (sig = 1; sig <= _NSIG && !eintr; sig++) {
		ka = &sighand->action[sig - 1];
		eintr = sigismember(&pending, sig) &&
			ka->sa.sa_handler != SIG_DFL &&
			ka->sa.sa_handler != SIG_IGN &&
			!(ka->sa.sa_flags & SA_RESTART);
	}
	spin_unlock_irq(&sighand->siglock);
	return eintr;
}

/*
 * Put the heap copy @to in the place of the queued synchronous request @w,
 * which is on its thread's stack, before the thread leaves the call; under
 * the file lock.  Nobody claimed @w, so nobody completes it.
 */
static void hwevent_waiter_move(struct hwevent_waiter *w,
				struct hwevent_waiter *to)
{
	*to = *w;
	to->on_stack = false;
	list_replace(&w->node, &to->node);
	INIT_LIST_HEAD(&to->file_node);
	init_completion(&to->sync.done);
}

/*
 * Sleep until the synchronous request @w completes or a signal arrives.
 *
 * A signal that finds @w still queued, and that is not about to end the
 * call with EINTR, parks @w on the file and returns -ERESTARTSYS: the
 * signal code restarts the call, i.e. the same thread makes the same call
 * again, which finds @w in hwevent_unpark() and goes on waiting for it.
 * The registration keeps its id, due time and phase and @w its place in
 * line, however often io_uring task work, the freezer, a debugger or job
 * control interrupt it.  (A restart_block would do this without parking,
 * but its function would live in the module, which may be gone before the
 * restart comes.)  A handler that will end the call with EINTR, or a fatal
 * signal, abandons @w at once: the registration it made is cancelled.  If
 * a handler comes after all to a parked @w, the thread's next call on the
 * file abandons it, or release does.  A signal that finds @w claimed is
 * too late: the event won, and the call returns it.
 */
static int hwevent_wait_sync(struct hwevent_file *hf, struct hwevent_waiter *w,
			     struct hwevent_msg __user *umsg)
{
	int ret;

	if (wait_for_completion_interruptible(&w->sync.done)) {
		bool eintr = fatal_signal_pending(current) ||
			     hwevent_eintr_ahead();
		struct hwevent_waiter *parked = w;
		struct hwevent_reg *reg = NULL;
		bool queued, nomem = false;

		/* A request that outlives the call cannot stay on the stack. */
		if (!eintr && w->on_stack) {
			parked = kmalloc(sizeof(*parked), GFP_KERNEL_ACCOUNT);
			nomem = !parked;
		}
		/* The reference is taken before the lock, dropped if unused. */
		if (!eintr && !nomem)
			w->sync.thread = get_pid(task_pid(current));
		xa_lock_irq(&hf->regs);
		queued = w->state == HWEVENT_WAITER_QUEUED;
		if (queued && (eintr || nomem)) {
			reg = __hwevent_waiter_withdraw(hf, w);
		} else if (queued) {
			if (parked != w)
				hwevent_waiter_move(w, parked);
			list_add_tail(&parked->file_node, &hf->parked);
		}
		xa_unlock_irq(&hf->regs);
		if (!queued && parked != w)
			kfree(parked);
		if (queued && (eintr || nomem)) {
			if (reg)
				hwevent_reg_dispose(reg, -ECANCELED);
			hwevent_waiter_free(w);
		}
		/* Without memory to keep it for the restart, it is cancelled. */
		if (queued)
			return nomem ? -ENOMEM : -ERESTARTSYS;
		put_pid(w->sync.thread);
		w->sync.thread = NULL;
		wait_for_completion(&w->sync.done);
	}
	ret = w->status;
	if (!ret && copy_to_user(umsg, &w->msg, sizeof(w->msg)))
		ret = -EFAULT;
	hwevent_waiter_free(w);
	return ret;
}

/* An io_uring request that failed after io_uring was told it may cancel it. */
static int hwevent_uring_fail(struct hwevent_waiter *w, int ret,
			      unsigned int issue_flags)
{
	struct io_uring_cmd *ioucmd = w->uring.cmd;

	hwevent_waiter_free(w);
	if (!HWEVENT_URING_CANCELABLE)
		return ret;
	hwevent_uring_cmd_done(ioucmd, ret, issue_flags);
	return -EIOCBQUEUED;
}

/*
 * HWEVENT_IOC_REGISTER, as an ioctl (@ioucmd NULL) or an io_uring command.
 * Returns -EIOCBQUEUED when an io_uring request completes later.
 */
static int hwevent_register(struct hwevent_file *hf,
			    struct hwevent_register __user *uarg,
			    struct io_uring_cmd *ioucmd,
			    unsigned int issue_flags)
{
	/*
	 * The due time counts from here, as the caller asked: what the
	 * registration itself takes does not delay the event.
	 */
	ktime_t called = ktime_get();
	struct hwevent_waiter *w = NULL, sync;
	struct hwevent_register arg;
	struct hwevent_reg *reg;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ioucmd) {
		/* A restart of a call a signal interrupted: resume it. */
		w = hwevent_unpark(hf, HWEVENT_IOC_REGISTER, uarg, &arg);
		if (w)
			return hwevent_wait_sync(hf, w, &uarg->msg);
	}
	ret = hwevent_check_register(&arg);
	if (ret) {
		pr_debug("%s[%d]: invalid registration (type %u)\n",
			 current->comm, task_pid_nr(current), arg.type);
		return ret;
	}
#if !HWEVENT_URING_CANCELABLE
	/* It could not complete before its deadline. */
	if (ioucmd && arg.due_ns > hwevent_uring_timeout_ns())
		return -ERANGE;
#endif
	ret = hwevent_reserve(hf, hwevent_rate_hz_of(arg.period_ns));
	if (ret)
		return ret;
	/*
	 * Clear the output fields first: a caller whose buffer cannot be
	 * written to learns it before anything was registered.
	 */
	if (clear_user(&uarg->id, sizeof(arg) -
		       offsetof(struct hwevent_register, id))) {
		ret = -EFAULT;
		goto err_unreserve;
	}

	if (arg.type == HWEVENT_TYPE_REQUEST) {
		w = hwevent_waiter_new(hf, ioucmd, &uarg->msg, true, &sync);
		if (!w) {
			ret = -ENOMEM;
			goto err_unreserve;
		}
		if (!ioucmd) {
			w->sync.cmd = HWEVENT_IOC_REGISTER;
			w->sync.uarg = uarg;
			w->sync.in.reg = arg;
		}
	}
	reg = hwevent_reg_create(hf, &arg);
	if (IS_ERR(reg)) {
		ret = PTR_ERR(reg);
		goto err_waiter;
	}
	ret = hwevent_reg_insert(hf, reg, w, &uarg->id,
				 ktime_add_ns(called, arg.due_ns), issue_flags);
	if (ret < 0)
		goto err_reg;
	trace_hwevent_register(ret, arg.type, arg.due_ns, arg.period_ns,
			       arg.cookie);
	hwevent_reap_ahead(hf, &arg);

	/* From here on @reg may be gone and an io_uring @w completed. */
	if (!w)
		return 0;
	if (ioucmd)
		return -EIOCBQUEUED;
	return hwevent_wait_sync(hf, w, &uarg->msg);

err_reg:
	hwevent_reg_destroy(reg);
	/*
	 * Only a device that went fails the insert after io_uring was told
	 * it may cancel the command: then it must complete as io_uring's.
	 */
	if (w && w->is_uring && ret == -ENODEV) {
		hwevent_unreserve(hf, hwevent_rate_hz_of(arg.period_ns));
		return hwevent_uring_fail(w, ret, issue_flags);
	}
err_waiter:
	if (w)
		hwevent_waiter_free(w);
err_unreserve:
	hwevent_unreserve(hf, hwevent_rate_hz_of(arg.period_ns));
	return ret;
}

/* Whether registration @id of @hf takes WAITs; under the file lock. */
static int __hwevent_wait_check(struct hwevent_file *hf, u64 id,
				struct hwevent_reg **regp)
{
	struct hwevent_reg *reg = xa_load(&hf->regs, id);

	if (hf->gone)
		return -ENODEV;
	if (!reg || reg->done)
		return -ENOENT;
	if (reg->type != HWEVENT_TYPE_REQUEST || !reg->period_ns)
		return -EINVAL;
	if (regp)
		*regp = reg;
	return 0;
}

/* HWEVENT_IOC_WAIT, as an ioctl (@ioucmd NULL) or an io_uring command. */
static int hwevent_wait(struct hwevent_file *hf, struct hwevent_wait __user *uarg,
			struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	struct hwevent_waiter *w, sync;
	struct hwevent_wait arg;
	struct hwevent_reg *reg = NULL;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!ioucmd) {
		w = hwevent_unpark(hf, HWEVENT_IOC_WAIT, uarg, &arg);
		if (w)
			return hwevent_wait_sync(hf, w, &uarg->msg);
	}
	if (arg.flags || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if (clear_user(&uarg->msg, sizeof(uarg->msg)))
		return -EFAULT;
	if (!arg.id || arg.id > U32_MAX)
		return -ENOENT;
	if (atomic_inc_return(&hf->nr_waits) > READ_ONCE(max_pending)) {
		atomic_dec(&hf->nr_waits);
		return -ENOSPC;
	}

	w = hwevent_waiter_new(hf, ioucmd, &uarg->msg, false, &sync);
	if (!w) {
		atomic_dec(&hf->nr_waits);
		return -ENOMEM;
	}
	/* Counted until freed: hwevent_waiter_free() gives it back. */
	if (!ioucmd) {
		w->sync.cmd = HWEVENT_IOC_WAIT;
		w->sync.uarg = uarg;
		w->sync.in.wait = arg;
	}
	/*
	 * io_uring must be told it may cancel the command before the command
	 * can complete, and that cannot be done under the lock: check first,
	 * so that only a cancel racing with this fails the command late.
	 */
	if (ioucmd && HWEVENT_URING_CANCELABLE) {
		xa_lock_irq(&hf->regs);
		ret = __hwevent_wait_check(hf, arg.id, NULL);
		xa_unlock_irq(&hf->regs);
		if (ret) {
			hwevent_waiter_free(w);
			return ret;
		}
		hwevent_uring_mark_cancelable(ioucmd, issue_flags);
	}

	xa_lock_irq(&hf->regs);
	ret = __hwevent_wait_check(hf, arg.id, &reg);
	if (!ret)
		__hwevent_waiter_queue(hf, reg, w);
	xa_unlock_irq(&hf->regs);

	if (ret) {
		if (ioucmd)
			return hwevent_uring_fail(w, ret, issue_flags);
		hwevent_waiter_free(w);
		return ret;
	}
	if (ioucmd)
		return -EIOCBQUEUED;
	return hwevent_wait_sync(hf, w, &uarg->msg);
}

/* ------------------------------------------------------------------ */
/* 3. fire                                                             */
/* ------------------------------------------------------------------ */

/*
 * Append @msg to @hf's queue, or count it lost; under the file lock.  The
 * loss since the last record queued rides on the next one, and if none
 * comes, a marker reports it when the queue drains (hwevent_read()).
 * Returns false if it was lost.
 */
static bool hwevent_queue_put(struct hwevent_file *hf, struct hwevent_msg *msg)
{
	if (kfifo_is_full(&hf->queue)) {
		hf->queue_lost++;
		hf->queue_lost_ns = msg->fired_ns;
		atomic64_inc(&hf->hdev->lost);
		return false;
	}
	msg->lost = hf->queue_lost;
	hf->queue_lost = 0;
	kfifo_put(&hf->queue, *msg);
	return true;
}

/*
 * Count @missed periods of @reg, which it did not fire while stalled, as
 * if it had: each would have found no request, found the queue full, or
 * added one to the eventfd.  Under the file lock.
 */
static void __hwevent_reg_count_missed(struct hwevent_file *hf,
				       struct hwevent_reg *reg, u64 missed)
{
	switch (reg->type) {
	case HWEVENT_TYPE_REQUEST:
		reg->lost += missed;
		atomic64_add(missed, &hf->hdev->lost);
		break;
	case HWEVENT_TYPE_QUEUE:
		hf->queue_lost += missed;
		atomic64_add(missed, &hf->hdev->lost);
		break;
	case HWEVENT_TYPE_EVENTFD:
		/* The timer is stopped: the callback does not touch it now. */
		reg->efd_debt += missed;
		break;
	}
}

/*
 * Stop a periodic registration whose consumer does not consume, as a
 * timerfd stops until it is read: its firing found no request, a full
 * queue, or an eventfd unread since the last one.  Under the file lock,
 * in the callback, which then does not restart the timer.
 */
static void __hwevent_reg_stall(struct hwevent_file *hf,
				struct hwevent_reg *reg)
{
	WRITE_ONCE(reg->stalled, true);
	if (reg->type != HWEVENT_TYPE_REQUEST)
		list_add_tail(&reg->stall_node, &hf->stalled);
}

/*
 * Restart a stalled registration, its consumer being back, under the file
 * lock: the periods it missed are counted, and it fires again on its
 * phase.  An owner sets done before it stops the timer, so a registration
 * that is not done may be restarted.
 */
static void __hwevent_reg_rearm(struct hwevent_file *hf,
				struct hwevent_reg *reg)
{
	u64 missed;

	if (!reg->stalled || reg->done)
		return;
	WRITE_ONCE(reg->stalled, false);
	list_del_init(&reg->stall_node);
	missed = hrtimer_forward_now(&reg->timer, ns_to_ktime(reg->period_ns));
	__hwevent_reg_count_missed(hf, reg, missed);
	hrtimer_start_expires(&reg->timer, HRTIMER_MODE_ABS | reg->timer_soft);
}

/* Claim the queued request @w, under the file lock: it is ours to complete. */
static void __hwevent_waiter_claim(struct hwevent_waiter *w)
{
	list_del_init(&w->node);
	if (w->is_uring)
		list_del_init(&w->file_node);
	w->state = HWEVENT_WAITER_CLAIMED;
}

/*
 * How much to add to the eventfd of @reg now: its @periods and what it
 * still owes, at most HWEVENT_EFD_BURST: where eventfd_signal() adds only
 * 1, the rest waits for the next firing, or for the owner to stop it,
 * rather than loop in the callback after a long stall.  Under the file lock,
 * as the restart that adds what a stall missed (or the registration's
 * owner's alone, once it is done and its timer stopped).
 */
static u64 __hwevent_efd_take(struct hwevent_reg *reg, u64 periods)
{
	u64 n = reg->efd_debt + periods;
	u64 now = min_t(u64, n, HWEVENT_EFD_BURST);

	reg->efd_debt = n - now;
	return now;
}

/*
 * The event is due: hard interrupt context, like the device interrupt the
 * timer stands for, or softirq context, like the original's timer DPC
 * (soft_timers, or PREEMPT_RT's timer thread).
 */
static enum hrtimer_restart hwevent_timer_fn(struct hrtimer *timer)
{
	struct hwevent_reg *reg = container_of(timer, struct hwevent_reg, timer);

	return reg->src.dev->ops->due(reg);
}

struct hwevent_src_reg *hwevent_reg_src(struct hwevent_reg *reg)
{
	return &reg->src;
}

struct hwevent_reg *hwevent_src_reg(struct hwevent_src_reg *src)
{
	return container_of(src, struct hwevent_reg, src);
}

/**
 * hwevent_reg_fire - deliver the event of @reg, as its model says
 * @reg: a registration whose event its source says happened.
 * @rearm: restart the timer of a periodic registration here.
 *
 * Called by the source: from the timer's callback (hard interrupt, or
 * softirq: see soft_timers), or from the device's interrupt handler, hard
 * or threaded; never under the file lock, which it takes with interrupts
 * disabled.  What each model's delivery needs of that context is in
 * docs/design.md: none of it sleeps.
 * Without @rearm the caller is the timer's callback, which restarts the
 * timer when this returns true.  With @rearm (the source's timer only
 * made the device interrupt, and stopped) a periodic timer is restarted
 * here, under the file lock, so that an owner, which withdraws the
 * registration under the same lock before it stops the timer, never
 * finds it restarted behind its back.
 *
 * Return: whether the registration fires again.
 */
bool hwevent_reg_fire(struct hwevent_reg *reg, bool rearm)
{
	struct hwevent_file *hf = reg->hf;
	struct hrtimer *timer = &reg->timer;
	unsigned long flags;
	struct hwevent_waiter *w = NULL;
	struct hwevent_msg msg = {
		.cookie = reg->cookie,
		.id = reg->id,
		.type = reg->type,
	};
	bool last = !reg->period_ns, stall = false;
	int efd_reads;
	u64 periods = 1, efd_add = 0;

	/* More than one period elapsed if the callback itself ran late. */
	if (!last)
		periods = hrtimer_forward_now(timer, ns_to_ktime(reg->period_ns));

	xa_lock_irqsave(&hf->regs, flags);
	if (reg->done) {
		/*
		 * Withdrawn: its owner stops it, waiting for this callback,
		 * then adds what a periodic eventfd still owes, including
		 * the periods just counted here.
		 */
		if (!last && reg->type == HWEVENT_TYPE_EVENTFD)
			reg->efd_debt += periods;
		xa_unlock_irqrestore(&hf->regs, flags);
		return false;
	}
	/* Numbered under the file lock, so a file's queue stays in order. */
	msg.fired_ns = ktime_get_ns();
	msg.seq = atomic64_inc_return(&hf->hdev->seq);
	atomic64_inc(&hf->hdev->fired);
	if (last) {
		reg->done = true;
		hf->nr_pending--;
		list_add_tail(&reg->done_node, &hf->done);
		atomic64_dec(&hf->hdev->pending);
	}
	switch (reg->type) {
	case HWEVENT_TYPE_REQUEST:
		reg->lost += periods - 1;
		atomic64_add(periods - 1, &hf->hdev->lost);
		w = list_first_entry_or_null(&reg->waiters,
					     struct hwevent_waiter, node);
		if (w) {
			__hwevent_waiter_claim(w);
			msg.lost = reg->lost;
			reg->lost = 0;
			w->msg = msg;
		} else {
			reg->lost++;
			atomic64_inc(&hf->hdev->lost);
			stall = !last;
		}
		break;
	case HWEVENT_TYPE_QUEUE:
		hf->queue_lost += periods - 1;
		atomic64_add(periods - 1, &hf->hdev->lost);
		stall = !hwevent_queue_put(hf, &msg) && !last;
		break;
	case HWEVENT_TYPE_EVENTFD:
		/* An eventfd counts: every period adds one. */
		efd_add = __hwevent_efd_take(reg, periods);
		if (last)
			break;
		/* Sampled before this signal: a read after it counts. */
		efd_reads = atomic_read(&reg->efd_watch->reads);
		stall = reg->efd_signalled && efd_reads == reg->efd_reads_seen;
		reg->efd_reads_seen = efd_reads;
		reg->efd_signalled = true;
		break;
	}
	if (stall)
		__hwevent_reg_stall(hf, reg);
	else if (rearm && !last)
		hrtimer_start_expires(timer, HRTIMER_MODE_ABS | reg->timer_soft);
	xa_unlock_irqrestore(&hf->regs, flags);

	switch (reg->type) {
	case HWEVENT_TYPE_REQUEST:
		if (w)
			hwevent_waiter_complete(w, 0);
		break;
	case HWEVENT_TYPE_EVENTFD:
		hwevent_eventfd_add(reg->efd, efd_add);
		if (last) {
			eventfd_ctx_put(reg->efd);
			reg->efd = NULL;
		}
		break;
	case HWEVENT_TYPE_QUEUE:
		wake_up_interruptible_poll(&hf->read_wq, EPOLLIN | EPOLLRDNORM);
		kill_fasync(&hf->fasync, SIGIO, POLL_IN);
		break;
	}
	trace_hwevent_fire(reg->id, reg->type, msg.seq, periods);

	if (!last)
		return !stall;
	/* Queued already (hwevent_reap_ahead()): it will find this one done. */
	if (!delayed_work_pending(&hf->reap_work))
		schedule_delayed_work(&hf->reap_work, 1);
	return false;
}

/* ------------------------------------------------------------------ */
/* 4. complete or cancel                                               */
/* ------------------------------------------------------------------ */

/* The submitter's task context: deliver the message, post the CQE. */
static void hwevent_uring_done(struct io_uring_cmd *ioucmd,
			       unsigned int issue_flags)
{
	struct hwevent_waiter *w = *hwevent_pdu(ioucmd);
	int ret = w->status;

	/* An exiting submitter, or io_uring's fallback worker: no mm to use. */
	if (!ret && (current->flags & (PF_EXITING | PF_KTHREAD)))
		ret = -ECANCELED;
	if (!ret && copy_to_user(w->uring.umsg, &w->msg, sizeof(w->msg)))
		ret = -EFAULT;
	hwevent_waiter_free(w);
	hwevent_uring_cmd_done(ioucmd, ret, issue_flags);
}

/* Complete the request @w that the caller claimed; any context. */
static void hwevent_waiter_complete(struct hwevent_waiter *w, int status)
{
	trace_hwevent_complete(w->reg_id, w->is_uring, status);
	w->status = status;
	if (w->is_uring)
		hwevent_uring_complete_in_task(w->uring.cmd);
	else
		complete(&w->sync.done);
}

static void hwevent_waiters_complete(struct list_head *list, int status)
{
	struct hwevent_waiter *w, *tmp;

	/* Claimed: @list is the claimer's, nobody else walks it. */
	list_for_each_entry_safe(w, tmp, list, node)
		hwevent_waiter_complete(w, status);
}

/* Free a request once nobody can complete it any more. */
static void hwevent_waiter_free(struct hwevent_waiter *w)
{
	if (w->is_uring) {
#if !HWEVENT_URING_CANCELABLE
		hrtimer_cancel(&w->uring.deadline);
#endif
	} else {
		put_pid(w->sync.thread);
	}
	if (!w->owns_reg)
		atomic_dec(&w->hf->nr_waits);
	if (!w->on_stack)
		kfree(w);
}

/*
 * Withdraw @reg in place, under the file lock, where its owner cannot stop
 * it (the timer's callback, io_uring's cancel): marked done, it no longer
 * fires, and @reap_work disposes of it.
 */
static void __hwevent_reg_withdraw(struct hwevent_file *hf,
				   struct hwevent_reg *reg)
{
	if (reg->done)
		return;
	reg->done = true;
	reg->cancelled = true;
	hf->nr_pending--;
	list_add_tail(&reg->done_node, &hf->done);
	mod_delayed_work(system_wq, &hf->reap_work, 0);
}

/* Erase @reg, under the file lock: the caller owns it from now on. */
static void __hwevent_reg_erase(struct hwevent_file *hf, struct hwevent_reg *reg)
{
	__xa_erase(&hf->regs, reg->id);
	list_del_init(&reg->done_node);
	if (!reg->done) {
		reg->done = true;
		reg->cancelled = true;
		hf->nr_pending--;
	}
}

/*
 * Take registration @id of @hf if it is still pending, under the file
 * lock: the caller owns it then.  One that is done belongs to the reaper.
 */
static struct hwevent_reg *__hwevent_reg_take(struct hwevent_file *hf, u64 id)
{
	struct hwevent_reg *reg;

	if (!id || id > U32_MAX)
		return NULL;
	reg = xa_load(&hf->regs, id);
	if (!reg || reg->done)
		return NULL;
	__hwevent_reg_erase(hf, reg);
	return reg;
}

/*
 * Stop and free a registration the caller erased: stop the timer, waiting
 * for a running callback, fail its pending requests with @status, add to
 * its eventfd what it still owes and drop the reference.  Process context.
 * Returns true if it was cancelled before its single event.
 */
static bool hwevent_reg_dispose(struct hwevent_reg *reg, int status)
{
	struct hwevent_file *hf = reg->hf;
	struct hwevent_waiter *w, *tmp;
	bool cancelled = reg->cancelled;
	LIST_HEAD(claimed);

	hrtimer_cancel(&reg->timer);
	/* The source fires it no more: then nothing else touches it. */
	if (reg->src.dev->ops->stop)
		reg->src.dev->ops->stop(reg);

	xa_lock_irq(&hf->regs);
	list_for_each_entry_safe(w, tmp, &reg->waiters, node) {
		__hwevent_waiter_claim(w);
		list_add_tail(&w->node, &claimed);
	}
	if (reg->stalled) {
		/* What it missed up to now counts, as if it had run. */
		list_del_init(&reg->stall_node);
		__hwevent_reg_count_missed(hf, reg,
					   hrtimer_forward_now(&reg->timer,
							       ns_to_ktime(reg->period_ns)));
	} else if (reg->type == HWEVENT_TYPE_EVENTFD && reg->period_ns &&
		   reg->efd) {
		/*
		 * An eventfd counts every period that expired: also those of
		 * a timer that expired but whose callback had not yet run (a
		 * late softirq) when it was cancelled.
		 */
		__hwevent_reg_count_missed(hf, reg,
					   hrtimer_forward_now(&reg->timer,
							       ns_to_ktime(reg->period_ns)));
	}
	hf->rate_hz -= reg->rate_hz;
	xa_unlock_irq(&hf->regs);
	atomic64_sub(reg->rate_hz, &hf->hdev->rate_hz);
	hwevent_waiters_complete(&claimed, status);

	if (reg->efd) {
		while (reg->efd_debt) {
			hwevent_eventfd_add(reg->efd, __hwevent_efd_take(reg, 0));
			cond_resched();
		}
	}
	if (cancelled) {
		atomic64_inc(&hf->hdev->cancelled);
		atomic64_dec(&hf->hdev->pending);
		trace_hwevent_cancel(reg->id, reg->type);
	}
	hwevent_reg_destroy(reg);
	return cancelled;
}

/* Cancel registration @id of @hf; -ENOENT if it is not pending. */
static int hwevent_cancel_id(struct hwevent_file *hf, u64 id)
{
	struct hwevent_reg *reg;

	xa_lock_irq(&hf->regs);
	reg = __hwevent_reg_take(hf, id);
	xa_unlock_irq(&hf->regs);
	if (!reg)
		return -ENOENT;
	hwevent_reg_dispose(reg, -ECANCELED);
	return 0;
}

static int hwevent_cancel(struct hwevent_file *hf,
			  struct hwevent_cancel __user *uarg)
{
	struct hwevent_cancel arg;

	/* Any other call abandons this thread's interrupted requests. */
	hwevent_unpark(hf, HWEVENT_IOC_CANCEL, uarg, NULL);
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.pad)
		return -EINVAL;
	return hwevent_cancel_id(hf, arg.id);
}

/*
 * Take every registration of @hf that is on &hwevent_file.done (or every
 * one, unless @done_only) and dispose of it, failing its requests with
 * @status.
 */
static void hwevent_reg_free_all(struct hwevent_file *hf, bool done_only,
				 int status)
{
	struct hwevent_reg *reg;
	unsigned long id = 0;

	xa_lock_irq(&hf->regs);
	while ((reg = done_only ?
		list_first_entry_or_null(&hf->done, struct hwevent_reg,
					 done_node) :
		xa_find(&hf->regs, &id, ULONG_MAX, XA_PRESENT))) {
		__hwevent_reg_erase(hf, reg);
		xa_unlock_irq(&hf->regs);

		hwevent_reg_dispose(reg, status);
		cond_resched();

		xa_lock_irq(&hf->regs);
	}
	xa_unlock_irq(&hf->regs);
}

/*
 * Claim the io_uring request @w if it is still queued, and withdraw the
 * registration it made; under the file lock.  Returns whether it did.
 */
static bool __hwevent_uring_claim(struct hwevent_file *hf,
				  struct hwevent_waiter *w)
{
	struct hwevent_reg *reg;

	if (w->state != HWEVENT_WAITER_QUEUED)
		return false;
	__hwevent_waiter_claim(w);
	if (w->owns_reg) {
		reg = xa_load(&hf->regs, w->reg_id);
		if (reg)
			__hwevent_reg_withdraw(hf, reg);
	}
	return true;
}

/*
 * io_uring asks for its command back (6.7 and later): its ring is going
 * away, or its task is exiting.  Task context, under io_uring's lock.
 */
static void hwevent_uring_cancel(struct io_uring_cmd *ioucmd,
				 unsigned int issue_flags)
{
	struct hwevent_waiter *w = *hwevent_pdu(ioucmd);
	struct hwevent_file *hf = w->hf;
	bool claimed;

	xa_lock_irq(&hf->regs);
	claimed = __hwevent_uring_claim(hf, w);
	xa_unlock_irq(&hf->regs);
	/* Not queued: not linked yet (io_uring asks again) or completing. */
	if (!claimed)
		return;
	trace_hwevent_complete(w->reg_id, true, -ECANCELED);
	hwevent_waiter_free(w);
	hwevent_uring_cmd_done(ioucmd, -ECANCELED, issue_flags);
}

#if !HWEVENT_URING_CANCELABLE
/* An io_uring request's deadline (before 6.7): softirq context. */
static enum hrtimer_restart hwevent_deadline_fn(struct hrtimer *timer)
{
	struct hwevent_waiter *w = container_of(timer, struct hwevent_waiter,
						uring.deadline);
	struct hwevent_file *hf = w->hf;
	unsigned long flags;
	bool claimed;

	xa_lock_irqsave(&hf->regs, flags);
	claimed = __hwevent_uring_claim(hf, w);
	xa_unlock_irqrestore(&hf->regs, flags);
	if (claimed)
		hwevent_waiter_complete(w, -ETIME);
	return HRTIMER_NORESTART;
}

/*
 * Called at every close of a descriptor.  When a process exits, cancel the
 * io_uring requests it submitted through this file: io_uring holds the
 * file until they complete, and before 6.7 it has no way to ask a driver
 * to cancel them, so without this the process's ring would wait for
 * them.  Only the file's io_uring requests are walked.
 */
static int hwevent_flush(struct file *file, fl_owner_t owner)
{
	struct hwevent_file *hf = file->private_data;
	struct hwevent_waiter *w, *tmp;
	LIST_HEAD(cancelled);

	if (!(current->flags & PF_EXITING) ||
	    list_empty_careful(&hf->uring_waiters))
		return 0;

	xa_lock_irq(&hf->regs);
	list_for_each_entry_safe(w, tmp, &hf->uring_waiters, file_node) {
		if (w->uring.owner != owner)
			continue;
		__hwevent_uring_claim(hf, w);
		list_add_tail(&w->node, &cancelled);
	}
	xa_unlock_irq(&hf->regs);

	if (!list_empty(&cancelled))
		pr_debug("%s[%d] exits: cancelling its io_uring requests\n",
			 current->comm, task_pid_nr(current));
	hwevent_waiters_complete(&cancelled, -ECANCELED);
	return 0;
}
#endif

/* ------------------------------------------------------------------ */
/* Entry points: ioctl, io_uring, read, poll, fasync                   */
/* ------------------------------------------------------------------ */

/* HWEVENT_IOC_INFO: which device this is. */
static int hwevent_info(struct hwevent_file *hf, struct hwevent_info __user *uarg)
{
	struct hwevent_info info;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.flags || memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	hf->hdev->ops->info(hf->hdev, &info);
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long hwevent_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct hwevent_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;

	/* A hint only: the insert decides under the lock (hwevent_file). */
	if (READ_ONCE(hf->gone))
		return -ENODEV;
	switch (cmd) {
	case HWEVENT_IOC_REGISTER:
		return hwevent_register(hf, uarg, NULL, 0);
	case HWEVENT_IOC_CANCEL:
		return hwevent_cancel(hf, uarg);
	case HWEVENT_IOC_WAIT:
		return hwevent_wait(hf, uarg, NULL, 0);
	case HWEVENT_IOC_INFO:
		return hwevent_info(hf, uarg);
	default:
		return -ENOTTY;
	}
}

/* The same requests, submitted asynchronously through io_uring. */
static int hwevent_uring_cmd(struct io_uring_cmd *ioucmd,
			     unsigned int issue_flags)
{
	struct hwevent_file *hf = ioucmd->file->private_data;
	const struct hwevent_uring_cmd *cmd = hwevent_uring_payload(ioucmd);
	void __user *uarg;

	if (issue_flags & HWEVENT_URING_F_CANCEL) {
		hwevent_uring_cancel(ioucmd, issue_flags);
		return 0;
	}
	/* The SQE is shared with userspace: read each field once. */
	uarg = u64_to_user_ptr(READ_ONCE(cmd->addr));
	if (READ_ONCE(cmd->reserved))
		return -EINVAL;
	if (READ_ONCE(hf->gone))
		return -ENODEV;

	switch (ioucmd->cmd_op) {
	case HWEVENT_IOC_REGISTER:
		return hwevent_register(hf, uarg, ioucmd, issue_flags);
	case HWEVENT_IOC_WAIT:
		return hwevent_wait(hf, uarg, ioucmd, issue_flags);
	default:
		return -ENOTTY;
	}
}

/*
 * The record that reports records the full queue dropped, when no later
 * record came to carry the count; under the file lock.
 */
static bool __hwevent_queue_marker(struct hwevent_file *hf,
				   struct hwevent_msg *msg)
{
	if (!hf->queue_lost || !kfifo_is_empty(&hf->queue))
		return false;
	*msg = (struct hwevent_msg){
		.fired_ns = hf->queue_lost_ns,
		.type = HWEVENT_TYPE_QUEUE,
		.flags = HWEVENT_MSG_LOST,
		.lost = hf->queue_lost,
	};
	/* Reported now: a record queued meanwhile must not carry it too. */
	hf->queue_lost = 0;
	return true;
}

/* A marker that could not be copied: its loss is to be reported again. */
static void hwevent_queue_unreport(struct hwevent_file *hf, u64 lost)
{
	xa_lock_irq(&hf->regs);
	hf->queue_lost += lost;
	xa_unlock_irq(&hf->regs);
}

/* A reader made room: restart the QUEUE registrations a full queue stalled. */
static void hwevent_queue_rearm(struct hwevent_file *hf)
{
	struct hwevent_reg *reg, *tmp;

	if (list_empty_careful(&hf->stalled))
		return;
	xa_lock_irq(&hf->regs);
	list_for_each_entry_safe(reg, tmp, &hf->stalled, stall_node)
		if (reg->type == HWEVENT_TYPE_QUEUE)
			__hwevent_reg_rearm(hf, reg);
	xa_unlock_irq(&hf->regs);
}

/* Whether a reader finds something: a record, or a loss to report. */
static bool hwevent_readable(struct hwevent_file *hf)
{
	return !kfifo_is_empty(&hf->queue) || READ_ONCE(hf->queue_lost);
}

/*
 * The records queued before the device went are still read; then read
 * fails with ENODEV rather than block for records that cannot come.
 */
static bool hwevent_read_ends(struct hwevent_file *hf)
{
	return READ_ONCE(hf->gone) && !hwevent_readable(hf);
}

static ssize_t hwevent_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct hwevent_file *hf = file->private_data;
	struct hwevent_msg msg;
	ssize_t done = 0;
	bool marker;
	int ret;

	if (count < sizeof(msg))
		return -EINVAL;

	for (;;) {
		if (file->f_flags & O_NONBLOCK) {
			if (!mutex_trylock(&hf->read_lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&hf->read_lock)) {
			return -ERESTARTSYS;
		}
		while (count - done >= sizeof(msg)) {
			xa_lock_irq(&hf->regs);
			marker = __hwevent_queue_marker(hf, &msg);
			ret = marker || kfifo_peek(&hf->queue, &msg);
			xa_unlock_irq(&hf->regs);
			if (!ret)
				break;
			/* Copied before it leaves the queue: a fault loses none. */
			if (copy_to_user(buf + done, &msg, sizeof(msg))) {
				if (marker)
					hwevent_queue_unreport(hf, msg.lost);
				mutex_unlock(&hf->read_lock);
				return done ? done : -EFAULT;
			}
			if (!marker) {
				xa_lock_irq(&hf->regs);
				kfifo_skip(&hf->queue);
				xa_unlock_irq(&hf->regs);
			}
			done += sizeof(msg);
		}
		mutex_unlock(&hf->read_lock);

		if (done) {
			hwevent_queue_rearm(hf);
			return done;
		}
		if (hwevent_read_ends(hf))
			return -ENODEV;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(hf->read_wq,
					       hwevent_readable(hf) ||
					       READ_ONCE(hf->gone));
		if (ret)
			return ret;
	}
}

static __poll_t hwevent_poll(struct file *file, poll_table *wait)
{
	struct hwevent_file *hf = file->private_data;

	__poll_t mask = 0;

	poll_wait(file, &hf->read_wq, wait);
	if (READ_ONCE(hf->gone))
		mask |= EPOLLHUP | EPOLLERR;
	if (hwevent_readable(hf))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int hwevent_fasync(int fd, struct file *file, int on)
{
	struct hwevent_file *hf = file->private_data;

	return fasync_helper(fd, file, on, &hf->fasync);
}

/* ------------------------------------------------------------------ */
/* 5. release                                                          */
/* ------------------------------------------------------------------ */

/* The analog of IRP_MJ_CLEANUP and IRP_MJ_CLOSE: cancel everything left. */
static int hwevent_release(struct inode *inode, struct file *file)
{
	struct hwevent_file *hf = file->private_data;
	struct hwevent_dev *hdev = hf->hdev;
	struct hwevent_waiter *w, *tmp;
	LIST_HEAD(parked);

	pr_debug("release: cancelling %u pending\n", READ_ONCE(hf->nr_pending));
	/* The device's sweep no longer sees it; a running one is waited for. */
	mutex_lock(&hdev->files_lock);
	list_del(&hf->dev_node);
	mutex_unlock(&hdev->files_lock);

	xa_lock_irq(&hf->regs);
	list_splice_init(&hf->parked, &parked);
	xa_unlock_irq(&hf->regs);
	/* Fails the parked requests still queued, and stops every timer. */
	hwevent_reg_free_all(hf, false, -ECANCELED);
	cancel_delayed_work_sync(&hf->reap_work);
	/* Queued by eventfd wake-ups, which stopped with the registrations. */
	cancel_work_sync(&hf->rearm_work);
	list_for_each_entry_safe(w, tmp, &parked, file_node)
		hwevent_waiter_free(w);
	WARN_ON_ONCE(hf->nr_pending);
	WARN_ON_ONCE(atomic_read(&hf->nr_waits));
	WARN_ON_ONCE(!list_empty(&hf->efd_watches));
	xa_destroy(&hf->regs);
	kvfree(hf->queue_buf);
	mutex_destroy(&hf->efd_lock);
	mutex_destroy(&hf->read_lock);
	kfree(hf);
	hwevent_dev_put(hdev);
	return 0;
}

static const struct file_operations hwevent_fops = {
	.owner = THIS_MODULE,
	.open = hwevent_open,
#if !HWEVENT_URING_CANCELABLE
	.flush = hwevent_flush,
#endif
	.release = hwevent_release,
	.read = hwevent_read,
	.poll = hwevent_poll,
	.fasync = hwevent_fasync,
	.unlocked_ioctl = hwevent_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = hwevent_uring_cmd,
};

/* ------------------------------------------------------------------ */
/* 6. the device: its node, its counters, its removal; the module      */
/* ------------------------------------------------------------------ */

/*
 * The device is gone: end every registration of @hf, failing its requests
 * with ENODEV, and wake whoever waits in read(2) or poll(2).  Under
 * &hwevent_dev.files_lock, so @hf is not being released.
 */
static void hwevent_file_gone(struct hwevent_file *hf)
{
	xa_lock_irq(&hf->regs);
	hf->gone = true;
	xa_unlock_irq(&hf->regs);
	/* Nothing can be inserted now: what is there is all there is. */
	hwevent_reg_free_all(hf, false, -ENODEV);
	wake_up_interruptible_poll(&hf->read_wq, EPOLLHUP | EPOLLERR);
	kill_fasync(&hf->fasync, SIGIO, POLL_HUP);
}

static struct hwevent_dev *hwevent_dev_of(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct hwevent_dev, misc);
}

/* One show function for every counter: the attribute's name says which. */
static ssize_t hwevent_counter_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct hwevent_dev *hdev = hwevent_dev_of(dev);
	const struct {
		const char *name;
		atomic64_t *val;
	} counters[] = {
		{ "registered", &hdev->registered },
		{ "fired", &hdev->fired },
		{ "cancelled", &hdev->cancelled },
		{ "pending", &hdev->pending },
		{ "lost", &hdev->lost },
		{ "rate_hz", &hdev->rate_hz },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counters); i++)
		if (!strcmp(attr->attr.name, counters[i].name))
			return sysfs_emit(buf, "%lld\n",
					  atomic64_read(counters[i].val));
	return -EIO;
}

static struct device_attribute dev_attr_registered =
	__ATTR(registered, 0444, hwevent_counter_show, NULL);
static struct device_attribute dev_attr_fired =
	__ATTR(fired, 0444, hwevent_counter_show, NULL);
static struct device_attribute dev_attr_cancelled =
	__ATTR(cancelled, 0444, hwevent_counter_show, NULL);
static struct device_attribute dev_attr_pending =
	__ATTR(pending, 0444, hwevent_counter_show, NULL);
static struct device_attribute dev_attr_lost =
	__ATTR(lost, 0444, hwevent_counter_show, NULL);
static struct device_attribute dev_attr_rate_hz =
	__ATTR(rate_hz, 0444, hwevent_counter_show, NULL);

static struct attribute *hwevent_counter_attrs[] = {
	&dev_attr_registered.attr,
	&dev_attr_fired.attr,
	&dev_attr_cancelled.attr,
	&dev_attr_pending.attr,
	&dev_attr_lost.attr,
	&dev_attr_rate_hz.attr,
	NULL
};

static const struct attribute_group hwevent_counter_group = {
	.name = "counters",
	.attrs = hwevent_counter_attrs,
};

static const struct attribute_group *hwevent_groups[] = {
	&hwevent_counter_group,
	NULL
};

/**
 * hwevent_dev_init - start a device of a source
 * @hdev: the device, embedded in the source's object, zeroed.
 * @name: the name its node will have, in /dev and /sys/class/misc.
 * @ops: the source.
 *
 * The caller holds the one reference: hwevent_dev_put() drops it, and
 * @ops->release frees @hdev when the last one goes.
 */
void hwevent_dev_init(struct hwevent_dev *hdev, const char *name,
		      const struct hwevent_source_ops *ops)
{
	strscpy(hdev->name, name, sizeof(hdev->name));
	hdev->ops = ops;
	kref_init(&hdev->ref);
	mutex_init(&hdev->files_lock);
	INIT_LIST_HEAD(&hdev->files);
}

static void hwevent_dev_release(struct kref *ref)
{
	struct hwevent_dev *hdev = container_of(ref, struct hwevent_dev, ref);

	mutex_destroy(&hdev->files_lock);
	hdev->ops->release(hdev);
}

void hwevent_dev_put(struct hwevent_dev *hdev)
{
	kref_put(&hdev->ref, hwevent_dev_release);
}

/* Make the node of @hdev, child of @parent (or NULL): it can be opened. */
int hwevent_dev_add(struct hwevent_dev *hdev, struct device *parent)
{
	hdev->misc = (struct miscdevice){
		.minor = MISC_DYNAMIC_MINOR,
		.name = hdev->name,
		.fops = &hwevent_fops,
		.groups = hwevent_groups,
		.parent = parent,
		.mode = 0600,
	};
	return misc_register(&hdev->misc);
}

/**
 * hwevent_dev_remove - take the node away, under its open files
 * @hdev: a device whose node hwevent_dev_add() made.
 *
 * The node goes at once; the files still open on it outlive it, their
 * registrations ended and their requests failed with ENODEV (see struct
 * hwevent_file).  When this returns no registration of @hdev is left and
 * none can be made, so the source's ->due() and ->stop() are not called
 * again.  Process context.
 */
void hwevent_dev_remove(struct hwevent_dev *hdev)
{
	struct hwevent_file *hf;

	/* Waits for an open in progress; none can start after it. */
	misc_deregister(&hdev->misc);
	mutex_lock(&hdev->files_lock);
	hdev->gone = true;
	list_for_each_entry(hf, &hdev->files, dev_node)
		hwevent_file_gone(hf);
	mutex_unlock(&hdev->files_lock);
}

static int __init hwevent_init(void)
{
	int ret;

	hwevent_reg_cache = KMEM_CACHE(hwevent_reg, SLAB_ACCOUNT);
	if (!hwevent_reg_cache)
		return -ENOMEM;

	ret = hwevent_timer_init();
	if (ret)
		goto err_cache;
	ret = hwevent_edu_init();
	if (ret)
		goto err_timer;
	return 0;

err_timer:
	hwevent_timer_exit();
err_cache:
	kmem_cache_destroy(hwevent_reg_cache);
	return ret;
}

static void __exit hwevent_exit(void)
{
	hwevent_edu_exit();
	hwevent_timer_exit();
	kmem_cache_destroy(hwevent_reg_cache);
}

module_init(hwevent_init);
module_exit(hwevent_exit);

MODULE_AUTHOR("The hwevent authors");
MODULE_DESCRIPTION("Notify applications about hardware events, simulated or from an edu PCI device");
MODULE_LICENSE("GPL");
MODULE_VERSION(HWEVENT_VERSION);
