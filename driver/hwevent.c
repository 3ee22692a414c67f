// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent - notify applications about (simulated) hardware events
 *
 * The Linux counterpart of the "Hardware Event Sample" of the Windows
 * driver samples.  An application registers a notification through
 * /dev/hwevent; a soft hrtimer stands in for the device's interrupt and the
 * deferred routine it would schedule: its callback runs in softirq context,
 * like a DPC at DISPATCH_LEVEL.  When it fires the driver notifies the
 * application in the way the registration asked for:
 *
 *  - HWEVENT_TYPE_REQUEST: a pending request completes with a message.
 *    The request is the ioctl itself (it sleeps, interruptibly), or an
 *    io_uring command that completes asynchronously: the analogs of a
 *    synchronous and an overlapped DeviceIoControl.
 *
 *  - HWEVENT_TYPE_EVENTFD: the application passed an eventfd; the driver
 *    took its own reference to it in the caller's context (the analog of
 *    referencing the user's event handle) and signals it from the callback.
 *
 *  - HWEVENT_TYPE_QUEUE: a record is appended to the open file's event
 *    queue, for read(2), poll(2) and SIGIO.
 *
 * See docs/design.md for how this maps onto the original.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/hwevent.h>

#include "hwevent_compat.h"

#define CREATE_TRACE_POINTS
#include "hwevent_trace.h"

/* Marks a registration that fired for the last time and waits to be freed. */
/* XA_MARK_0 is the free-slot mark of an allocating xarray: use the next. */
#define HWEVENT_MARK_DONE	XA_MARK_1

/**
 * struct hwevent_file - the context of one open file of /dev/hwevent
 * @regs: the file's registrations, by id.  Its xa_lock, taken with BH
 *	disabled since the timer callbacks take it in softirq context, is
 *	the file's lock: it protects @regs, @next_id, @nr_pending, @queue,
 *	@queue_lost and, in every registration, &hwevent_reg.waiters,
 *	&hwevent_reg.lost and &hwevent_reg.done.
 * @next_id: next id to try, for cyclic allocation.
 * @nr_pending: registrations not yet done (see &hwevent_reg.done),
 *	limited by max_pending.  Done ones wait in @regs only until
 *	@reap_work frees them.
 * @reap_work: frees the registrations marked HWEVENT_MARK_DONE, a tick
 *	after a firing: run at once, it would take the CPU before the task
 *	the firing just woke (measured: about half the wake-up latency).
 * @queue: the event queue of HWEVENT_TYPE_QUEUE registrations.
 * @queue_lost: records dropped since the last one queued.
 * @read_lock: serializes readers, so that a record leaves @queue only
 *	once it was copied to the reader (peek, copy, skip).
 * @read_wq: readers and pollers of @queue.
 * @fasync: owners that asked for SIGIO (O_ASYNC).
 *
 * Lifetime of a registration (struct hwevent_reg):
 *
 * Whoever erases a registration from @regs owns it and frees it; the timer
 * callback never erases nor frees, so it may always touch the registration
 * and its file.  An owner calls hrtimer_cancel() before it frees: that
 * stops a timer that has not fired, or waits until a running callback
 * returned, so no callback runs on freed memory, whichever side wins a
 * race.  Owners are:
 *
 *  - HWEVENT_IOC_CANCEL, and a REQUEST registration's own first request
 *    when a signal or its submitter's exit ends it;
 *  - @reap_work, for single-shot registrations whose timer fired;
 *  - hwevent_release(), for everything left when the file is closed.  It
 *    then cancels @reap_work, which also waits for a running instance and
 *    so for the registrations that instance owns.  Every callback has then
 *    returned and nothing can queue @reap_work or touch the file again.
 *
 * Pending requests (struct hwevent_waiter) are linked on their
 * registration under the file lock.  Whoever unlinks one completes it,
 * exactly once: the callback with an event, or a canceller with an error.
 *
 * A request in progress, synchronous or io_uring, holds a reference to the
 * struct file, so release never runs while one is pending.  A fatal signal
 * ends a synchronous wait; hwevent_flush() cancels the io_uring requests
 * of a process that exits, so that it and its ring go away at once.
 *
 * The module cannot be unloaded while any file is open (the misc core
 * takes a module reference on open), and release leaves no timer or work
 * behind, so no callback can run after the module is gone.
 */
struct hwevent_file {
	struct xarray regs;
	u32 next_id;
	unsigned int nr_pending;
	struct delayed_work reap_work;
	DECLARE_KFIFO_PTR(queue, struct hwevent_msg);
	u64 queue_lost;
	struct mutex read_lock;		/* readers: peek, copy, skip */
	wait_queue_head_t read_wq;
	struct fasync_struct *fasync;
};

/**
 * struct hwevent_reg - one registered notification
 * @timer: the simulated device interrupt.
 * @hf: the open file it was registered on.
 * @efd: EVENTFD: the driver's reference to the eventfd, dropped by the
 *	callback after the last firing, or by the owner.
 * @waiters: REQUEST: pending requests, oldest first.
 * @cookie: the caller's cookie.
 * @period_ns: 0 for a single event, else the period of the timer.
 * @lost: REQUEST: firings not delivered since the last delivered one.
 * @id: key in &hwevent_file.regs.
 * @type: &enum hwevent_type.
 * @done: the timer will not fire again: it fired its single event, or the
 *	registration was withdrawn (erased from its file while pending).
 *	Set under the file lock; the callback fires only while it is clear,
 *	so fire and cancel are decided there, once.
 * @cancelled: withdrawn before its single event: counts as cancelled.
 * @link: on a local list of its owner.
 */
struct hwevent_reg {
	struct hrtimer timer;
	struct hwevent_file *hf;
	struct eventfd_ctx *efd;
	struct list_head waiters;
	u64 cookie;
	u64 period_ns;
	u64 lost;
	u32 id;
	u32 type;
	bool done;
	bool cancelled;
	struct list_head link;
};

/**
 * struct hwevent_waiter - a pending request of a REQUEST registration
 * @node: in &hwevent_reg.waiters while pending; empty once unlinked.
 * @msg: the event, filled in by whoever unlinked it.
 * @status: 0 with @msg, or the error to complete the request with.
 * @done: synchronous requests: completed after @msg/@status are set.
 * @ioucmd: io_uring requests: the command to complete.
 * @umsg: io_uring requests: where the message goes.
 * @owner: io_uring requests: descriptor table of the submitter.
 * @reg_id: id of the registration it waits on.
 * @owns_reg: the request that registered: if it fails, the registration
 *	is cancelled with it.
 */
struct hwevent_waiter {
	struct list_head node;
	struct hwevent_msg msg;
	int status;
	struct completion done;
	struct io_uring_cmd *ioucmd;
	struct hwevent_msg __user *umsg;
	fl_owner_t owner;
	u32 reg_id;
	bool owns_reg;
};

static struct kmem_cache *hwevent_reg_cache;

/*
 * Device-wide counters, shown in /sys/class/misc/hwevent/counters/.  Every
 * accepted registration ends either by its single firing or by a cancel,
 * so at rest registered == cancelled + pending + single-shot firings.
 */
static atomic64_t hwevent_registered = ATOMIC64_INIT(0);
static atomic64_t hwevent_fired = ATOMIC64_INIT(0);
static atomic64_t hwevent_cancelled = ATOMIC64_INIT(0);
static atomic64_t hwevent_pending = ATOMIC64_INIT(0);
static atomic64_t hwevent_lost = ATOMIC64_INIT(0);
/* Number of the last firing, for hwevent_msg.seq. */
static atomic64_t hwevent_seq = ATOMIC64_INIT(0);

static unsigned int max_pending = 1024;
static unsigned int queue_len = 64;

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
		 "Most registrations one open file may hold (1-1000000, default 1024)");

static int queue_len_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 2, 65536);
}

static const struct kernel_param_ops queue_len_ops = {
	.set = queue_len_set,
	.get = param_get_uint,
};

module_param_cb(queue_len, &queue_len_ops, &queue_len, 0644);
MODULE_PARM_DESC(queue_len,
		 "Records in the event queue of a file opened from now on (2-65536, rounded up to a power of 2, default 64)");

static struct hwevent_waiter **hwevent_pdu(struct io_uring_cmd *ioucmd)
{
	BUILD_BUG_ON(sizeof(struct hwevent_waiter *) > sizeof(ioucmd->pdu));
	return (struct hwevent_waiter **)ioucmd->pdu;
}

/* Task context of the submitter: deliver the message, post the CQE. */
static void hwevent_uring_done(struct io_uring_cmd *ioucmd,
			       unsigned int issue_flags)
{
	struct hwevent_waiter *w = *hwevent_pdu(ioucmd);
	int ret = w->status;

	/* An exiting submitter, or io_uring's fallback worker: no mm to use. */
	if (!ret && (current->flags & (PF_EXITING | PF_KTHREAD)))
		ret = -ECANCELED;
	if (!ret && copy_to_user(w->umsg, &w->msg, sizeof(w->msg)))
		ret = -EFAULT;
	kfree(w);
	hwevent_uring_cmd_done(ioucmd, ret, issue_flags);
}

/* Complete a request that the caller unlinked; any context. */
static void hwevent_waiter_complete(struct hwevent_waiter *w, int status)
{
	trace_hwevent_complete(w->reg_id, w->ioucmd, status);
	w->status = status;
	if (w->ioucmd)
		hwevent_uring_complete_in_task(w->ioucmd);
	else
		complete(&w->done);
}

static void hwevent_waiters_complete(struct list_head *list, int status)
{
	struct hwevent_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, list, node) {
		list_del_init(&w->node);
		hwevent_waiter_complete(w, status);
	}
}

/* Append @msg to @hf's queue, or count it lost; under the file lock. */
static void hwevent_queue_put(struct hwevent_file *hf, struct hwevent_msg *msg)
{
	if (kfifo_is_full(&hf->queue)) {
		hf->queue_lost++;
		atomic64_inc(&hwevent_lost);
		return;
	}
	msg->lost = hf->queue_lost;
	hf->queue_lost = 0;
	kfifo_put(&hf->queue, *msg);
}

/* The simulated interrupt: softirq context, like the original's DPC. */
static enum hrtimer_restart hwevent_timer_fn(struct hrtimer *timer)
{
	struct hwevent_reg *reg = container_of(timer, struct hwevent_reg, timer);
	struct hwevent_file *hf = reg->hf;
	struct hwevent_waiter *w = NULL;
	struct hwevent_msg msg = {
		.cookie = reg->cookie,
		.id = reg->id,
		.type = reg->type,
	};
	bool last = !reg->period_ns;
	u64 periods = 1;

	/* More than one period elapsed if the callback itself ran late. */
	if (!last)
		periods = hrtimer_forward_now(timer, ns_to_ktime(reg->period_ns));

	xa_lock(&hf->regs);
	if (reg->done) {
		/* Withdrawn: the canceller waits in hrtimer_cancel() for us. */
		xa_unlock(&hf->regs);
		return HRTIMER_NORESTART;
	}
	/* Numbered under the file lock, so a file's queue stays in order. */
	msg.fired_ns = ktime_get_ns();
	msg.seq = atomic64_inc_return(&hwevent_seq);
	atomic64_inc(&hwevent_fired);
	if (last) {
		reg->done = true;
		hf->nr_pending--;
		__xa_set_mark(&hf->regs, reg->id, HWEVENT_MARK_DONE);
		atomic64_dec(&hwevent_pending);
	}
	switch (reg->type) {
	case HWEVENT_TYPE_REQUEST:
		reg->lost += periods - 1;
		atomic64_add(periods - 1, &hwevent_lost);
		w = list_first_entry_or_null(&reg->waiters,
					     struct hwevent_waiter, node);
		if (w) {
			list_del_init(&w->node);
			msg.lost = reg->lost;
			reg->lost = 0;
			w->msg = msg;
		} else {
			reg->lost++;
			atomic64_inc(&hwevent_lost);
		}
		break;
	case HWEVENT_TYPE_QUEUE:
		hf->queue_lost += periods - 1;
		atomic64_add(periods - 1, &hwevent_lost);
		hwevent_queue_put(hf, &msg);
		break;
	}
	xa_unlock(&hf->regs);

	switch (reg->type) {
	case HWEVENT_TYPE_REQUEST:
		if (w)
			hwevent_waiter_complete(w, 0);
		break;
	case HWEVENT_TYPE_EVENTFD:
		/* An eventfd counts: every period adds one. */
		hwevent_eventfd_add(reg->efd, periods);
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
		return HRTIMER_RESTART;
	schedule_delayed_work(&hf->reap_work, 1);
	return HRTIMER_NORESTART;
}

/*
 * Erase @reg from @hf, under the file lock: the caller owns it from now on.
 * One still pending is withdrawn here, so its timer will not fire it.
 */
static void __hwevent_reg_erase(struct hwevent_file *hf, struct hwevent_reg *reg)
{
	__xa_erase(&hf->regs, reg->id);
	if (!reg->done) {
		reg->done = true;
		reg->cancelled = true;
		hf->nr_pending--;
	}
}

/*
 * Stop a registration the caller erased: stop the timer, waiting for a
 * running callback, fail its pending requests with @status and drop its
 * eventfd reference.  Returns true if it was cancelled before its single
 * event.
 */
static bool hwevent_reg_stop(struct hwevent_reg *reg, int status)
{
	struct hwevent_file *hf = reg->hf;
	LIST_HEAD(waiters);

	hrtimer_cancel(&reg->timer);

	xa_lock_bh(&hf->regs);
	list_splice_init(&reg->waiters, &waiters);
	xa_unlock_bh(&hf->regs);

	hwevent_waiters_complete(&waiters, status);
	if (reg->efd)
		eventfd_ctx_put(reg->efd);
	if (reg->cancelled) {
		atomic64_inc(&hwevent_cancelled);
		atomic64_dec(&hwevent_pending);
		trace_hwevent_cancel(reg->id, reg->type);
	}
	return reg->cancelled;
}

static void hwevent_reg_free(struct hwevent_reg *reg)
{
	kmem_cache_free(hwevent_reg_cache, reg);
}

/* Erase registration @id of @hf, if it is there: the caller owns it then. */
static struct hwevent_reg *hwevent_reg_take(struct hwevent_file *hf, u64 id)
{
	struct hwevent_reg *reg = NULL;

	if (id && id <= U32_MAX) {
		xa_lock_bh(&hf->regs);
		reg = xa_load(&hf->regs, id);
		if (reg)
			__hwevent_reg_erase(hf, reg);
		xa_unlock_bh(&hf->regs);
	}
	return reg;
}

/* Cancel registration @id of @hf; -ENOENT if it is not pending. */
static int hwevent_cancel_id(struct hwevent_file *hf, u64 id)
{
	struct hwevent_reg *reg = hwevent_reg_take(hf, id);
	bool cancelled;

	if (!reg)
		return -ENOENT;
	cancelled = hwevent_reg_stop(reg, -ECANCELED);
	hwevent_reg_free(reg);
	return cancelled ? 0 : -ENOENT;
}

/*
 * Take every registration of @hf that has @mark (or every one, for
 * XA_PRESENT), stop it and free it.
 */
static void hwevent_reg_free_all(struct hwevent_file *hf, xa_mark_t mark)
{
	struct hwevent_reg *reg;
	unsigned long id = 0;

	xa_lock_bh(&hf->regs);
	while ((reg = xa_find(&hf->regs, &id, ULONG_MAX, mark))) {
		__hwevent_reg_erase(hf, reg);
		xa_unlock_bh(&hf->regs);

		hwevent_reg_stop(reg, -ECANCELED);
		hwevent_reg_free(reg);
		cond_resched();

		xa_lock_bh(&hf->regs);
	}
	xa_unlock_bh(&hf->regs);
}

static void hwevent_reap_work(struct work_struct *work)
{
	struct hwevent_file *hf = container_of(to_delayed_work(work),
					       struct hwevent_file, reap_work);

	hwevent_reg_free_all(hf, HWEVENT_MARK_DONE);
}

/*
 * Prepare the request @w: synchronous if @ioucmd is NULL, else completed
 * through io_uring, with the message going to @umsg.
 */
static void hwevent_waiter_init(struct hwevent_waiter *w,
				struct io_uring_cmd *ioucmd,
				struct hwevent_msg __user *umsg, bool owns_reg)
{
	*w = (struct hwevent_waiter){ .owns_reg = owns_reg };
	INIT_LIST_HEAD(&w->node);
	if (ioucmd) {
		w->ioucmd = ioucmd;
		w->umsg = umsg;
		w->owner = current->files;
		*hwevent_pdu(ioucmd) = w;
	} else {
		init_completion(&w->done);
	}
}

/*
 * Sleep until the synchronous request @w of registration @id completes or
 * a signal arrives.  An interrupted request leaves, and one that made its
 * registration takes the registration along, unless the event (or a
 * cancel) completed it first.  -ERESTARTSYS lets the signal code decide:
 * EINTR when a handler ran, a restart, i.e. a new request, when none did
 * (a stop signal, a debugger, io_uring task work) or SA_RESTART asked.
 */
static int hwevent_wait_sync(struct hwevent_file *hf, struct hwevent_waiter *w,
			     u64 id, struct hwevent_msg __user *umsg)
{
	struct hwevent_reg *reg = NULL;
	bool queued;

	if (wait_for_completion_interruptible(&w->done)) {
		xa_lock_bh(&hf->regs);
		queued = !list_empty(&w->node);
		list_del_init(&w->node);
		if (queued && w->owns_reg) {
			reg = xa_load(&hf->regs, id);
			if (reg)
				__hwevent_reg_erase(hf, reg);
		}
		xa_unlock_bh(&hf->regs);
		if (reg) {
			hwevent_reg_stop(reg, -ECANCELED);
			hwevent_reg_free(reg);
		}
		if (queued)
			return -ERESTARTSYS;
		/* Unlinked, so about to be completed: the event won. */
		wait_for_completion(&w->done);
	}
	if (w->status)
		return w->status;
	if (copy_to_user(umsg, &w->msg, sizeof(w->msg)))
		return -EFAULT;
	return 0;
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
 * HWEVENT_IOC_REGISTER, as an ioctl (@ioucmd NULL) or an io_uring command.
 * Returns -EIOCBQUEUED when an io_uring request completes later.
 */
static int hwevent_register(struct hwevent_file *hf,
			    struct hwevent_register __user *uarg,
			    struct io_uring_cmd *ioucmd)
{
	struct hwevent_waiter sync_waiter, *w = NULL;
	struct hwevent_register arg;
	struct hwevent_reg *reg;
	u32 id;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = hwevent_check_register(&arg);
	if (ret) {
		pr_debug("%s[%d]: invalid registration (type %u)\n",
			 current->comm, task_pid_nr(current), arg.type);
		return ret;
	}
	/*
	 * Clear the output fields first: a caller whose buffer cannot be
	 * written to learns it before anything was registered.
	 */
	if (clear_user(&uarg->id, sizeof(arg) -
		       offsetof(struct hwevent_register, id)))
		return -EFAULT;

	if (arg.type == HWEVENT_TYPE_REQUEST) {
		w = &sync_waiter;
		if (ioucmd) {
			w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
			if (!w)
				return -ENOMEM;
		}
		hwevent_waiter_init(w, ioucmd, &uarg->msg, true);
	}

	/* Charged to the caller, as the original charges its pool quota. */
	reg = kmem_cache_zalloc(hwevent_reg_cache, GFP_KERNEL_ACCOUNT);
	if (!reg) {
		ret = -ENOMEM;
		goto err_waiter;
	}
	hwevent_hrtimer_setup(&reg->timer, hwevent_timer_fn, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_SOFT);
	INIT_LIST_HEAD(&reg->waiters);
	reg->hf = hf;
	reg->cookie = arg.cookie;
	reg->period_ns = arg.period_ns;
	reg->type = arg.type;

	if (arg.type == HWEVENT_TYPE_EVENTFD) {
		/* Resolved in the caller's context, in its descriptor table. */
		reg->efd = eventfd_ctx_fdget(arg.eventfd);
		if (IS_ERR(reg->efd)) {
			ret = PTR_ERR(reg->efd);
			goto err_reg;
		}
	}

	xa_lock_bh(&hf->regs);
	if (hf->nr_pending >= READ_ONCE(max_pending)) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	/* Counted first: the allocation may drop the lock to get memory. */
	hf->nr_pending++;
	/* A reserved slot: lookups do not see it until @reg is stored. */
	ret = __xa_alloc_cyclic(&hf->regs, &id, NULL, XA_LIMIT(1, U32_MAX),
				&hf->next_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		hf->nr_pending--;
		goto err_unlock;
	}
	xa_unlock_bh(&hf->regs);

	/*
	 * The id reaches the caller before the event can: an io_uring
	 * request may be completed, and its CQE posted, as soon as the timer
	 * fires, even while this runs in an io_uring worker.
	 */
	if (put_user((u64)id, &uarg->id)) {
		ret = -EFAULT;
		goto err_release_id;
	}

	xa_lock_bh(&hf->regs);
	/* Replaces the reserved entry: nothing to allocate. */
	__xa_store(&hf->regs, id, reg, GFP_NOWAIT);
	reg->id = id;
	if (w) {
		w->reg_id = id;
		list_add_tail(&w->node, &reg->waiters);
	}
	atomic64_inc(&hwevent_registered);
	atomic64_inc(&hwevent_pending);
	hrtimer_start(&reg->timer, ns_to_ktime(arg.due_ns),
		      HRTIMER_MODE_REL_SOFT);
	xa_unlock_bh(&hf->regs);
	trace_hwevent_register(id, arg.type, arg.due_ns, arg.period_ns,
			       arg.cookie);

	/* From here on @reg may be gone and an io_uring @w completed. */
	if (!w)
		return 0;
	if (ioucmd)
		return -EIOCBQUEUED;
	return hwevent_wait_sync(hf, w, id, &uarg->msg);

err_release_id:
	xa_lock_bh(&hf->regs);
	__xa_erase(&hf->regs, id);
	hf->nr_pending--;
err_unlock:
	xa_unlock_bh(&hf->regs);
	if (reg->efd)
		eventfd_ctx_put(reg->efd);
err_reg:
	hwevent_reg_free(reg);
err_waiter:
	if (w != &sync_waiter)
		kfree(w);
	return ret;
}

/* HWEVENT_IOC_WAIT, as an ioctl (@ioucmd NULL) or an io_uring command. */
static int hwevent_wait(struct hwevent_file *hf, struct hwevent_wait __user *uarg,
			struct io_uring_cmd *ioucmd)
{
	struct hwevent_waiter sync_waiter, *w = &sync_waiter;
	struct hwevent_wait arg;
	struct hwevent_reg *reg;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.pad ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if (clear_user(&uarg->msg, sizeof(uarg->msg)))
		return -EFAULT;
	if (!arg.id || arg.id > U32_MAX)
		return -ENOENT;

	if (ioucmd) {
		w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
		if (!w)
			return -ENOMEM;
	}
	hwevent_waiter_init(w, ioucmd, &uarg->msg, false);

	xa_lock_bh(&hf->regs);
	reg = xa_load(&hf->regs, arg.id);
	if (!reg || reg->done) {
		ret = -ENOENT;
	} else if (reg->type != HWEVENT_TYPE_REQUEST || !reg->period_ns) {
		ret = -EINVAL;
	} else {
		w->reg_id = reg->id;
		list_add_tail(&w->node, &reg->waiters);
	}
	xa_unlock_bh(&hf->regs);

	if (ret) {
		if (w != &sync_waiter)
			kfree(w);
		return ret;
	}
	if (ioucmd)
		return -EIOCBQUEUED;
	return hwevent_wait_sync(hf, w, arg.id, &uarg->msg);
}

static int hwevent_cancel(struct hwevent_file *hf,
			  struct hwevent_cancel __user *uarg)
{
	struct hwevent_cancel arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.pad)
		return -EINVAL;
	return hwevent_cancel_id(hf, arg.id);
}

static long hwevent_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct hwevent_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case HWEVENT_IOC_REGISTER:
		return hwevent_register(hf, uarg, NULL);
	case HWEVENT_IOC_CANCEL:
		return hwevent_cancel(hf, uarg);
	case HWEVENT_IOC_WAIT:
		return hwevent_wait(hf, uarg, NULL);
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
	/* The SQE is shared with userspace: read each field once. */
	void __user *uarg = u64_to_user_ptr(READ_ONCE(cmd->addr));

	if (READ_ONCE(cmd->reserved))
		return -EINVAL;

	switch (ioucmd->cmd_op) {
	case HWEVENT_IOC_REGISTER:
		return hwevent_register(hf, uarg, ioucmd);
	case HWEVENT_IOC_WAIT:
		return hwevent_wait(hf, uarg, ioucmd);
	default:
		return -ENOTTY;
	}
}

static ssize_t hwevent_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct hwevent_file *hf = file->private_data;
	struct hwevent_msg msg;
	ssize_t done = 0;
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
			xa_lock_bh(&hf->regs);
			ret = kfifo_peek(&hf->queue, &msg);
			xa_unlock_bh(&hf->regs);
			if (!ret)
				break;
			/* Copied before it leaves the queue: a fault loses none. */
			if (copy_to_user(buf + done, &msg, sizeof(msg))) {
				mutex_unlock(&hf->read_lock);
				return done ? done : -EFAULT;
			}
			xa_lock_bh(&hf->regs);
			kfifo_skip(&hf->queue);
			xa_unlock_bh(&hf->regs);
			done += sizeof(msg);
		}
		mutex_unlock(&hf->read_lock);

		if (done)
			return done;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(hf->read_wq,
					       !kfifo_is_empty(&hf->queue));
		if (ret)
			return ret;
	}
}

static __poll_t hwevent_poll(struct file *file, poll_table *wait)
{
	struct hwevent_file *hf = file->private_data;

	poll_wait(file, &hf->read_wq, wait);
	return kfifo_is_empty(&hf->queue) ? 0 : EPOLLIN | EPOLLRDNORM;
}

static int hwevent_fasync(int fd, struct file *file, int on)
{
	struct hwevent_file *hf = file->private_data;

	return fasync_helper(fd, file, on, &hf->fasync);
}

/*
 * Called at every close of a descriptor.  When a process exits, cancel the
 * io_uring requests it submitted through this file: io_uring holds the
 * file until they complete, and on kernels before 6.7 it has no way to ask
 * a driver to cancel them, so without this the process's ring would wait
 * for their timers.  A request that registered takes its registration
 * along.
 */
static int hwevent_flush(struct file *file, fl_owner_t owner)
{
	struct hwevent_file *hf = file->private_data;
	struct hwevent_reg *reg, *rtmp;
	struct hwevent_waiter *w, *tmp;
	LIST_HEAD(cancelled);
	LIST_HEAD(withdrawn);
	unsigned long id;

	if (!(current->flags & PF_EXITING))
		return 0;

	xa_lock_bh(&hf->regs);
	xa_for_each(&hf->regs, id, reg) {
		bool owned = false;

		list_for_each_entry_safe(w, tmp, &reg->waiters, node) {
			if (!w->ioucmd || w->owner != owner)
				continue;
			list_move_tail(&w->node, &cancelled);
			owned |= w->owns_reg;
		}
		if (owned) {
			__hwevent_reg_erase(hf, reg);
			list_add_tail(&reg->link, &withdrawn);
		}
	}
	xa_unlock_bh(&hf->regs);

	if (!list_empty(&cancelled))
		pr_debug("%s[%d] exits: cancelling its io_uring requests\n",
			 current->comm, task_pid_nr(current));
	hwevent_waiters_complete(&cancelled, -ECANCELED);
	list_for_each_entry_safe(reg, rtmp, &withdrawn, link) {
		hwevent_reg_stop(reg, -ECANCELED);
		hwevent_reg_free(reg);
	}
	return 0;
}

static int hwevent_open(struct inode *inode, struct file *file)
{
	struct hwevent_file *hf;
	int ret;

	hf = kzalloc(sizeof(*hf), GFP_KERNEL_ACCOUNT);
	if (!hf)
		return -ENOMEM;
	ret = kfifo_alloc(&hf->queue, READ_ONCE(queue_len), GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;
	xa_init_flags(&hf->regs, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	INIT_DELAYED_WORK(&hf->reap_work, hwevent_reap_work);
	mutex_init(&hf->read_lock);
	init_waitqueue_head(&hf->read_wq);
	file->private_data = hf;
	pr_debug("%s[%d]: open\n", current->comm, task_pid_nr(current));
	return stream_open(inode, file);

err_free:
	kfree(hf);
	return ret;
}

/* The analog of IRP_MJ_CLEANUP and IRP_MJ_CLOSE: cancel everything left. */
static int hwevent_release(struct inode *inode, struct file *file)
{
	struct hwevent_file *hf = file->private_data;

	pr_debug("release: cancelling %u pending\n", READ_ONCE(hf->nr_pending));
	hwevent_reg_free_all(hf, XA_PRESENT);
	cancel_delayed_work_sync(&hf->reap_work);
	WARN_ON_ONCE(hf->nr_pending);
	xa_destroy(&hf->regs);
	kfifo_free(&hf->queue);
	mutex_destroy(&hf->read_lock);
	kfree(hf);
	return 0;
}

static const struct file_operations hwevent_fops = {
	.owner = THIS_MODULE,
	.open = hwevent_open,
	.flush = hwevent_flush,
	.release = hwevent_release,
	.read = hwevent_read,
	.poll = hwevent_poll,
	.fasync = hwevent_fasync,
	.unlocked_ioctl = hwevent_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = hwevent_uring_cmd,
};

#define HWEVENT_COUNTER_ATTR(name)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n", atomic64_read(&hwevent_##name)); \
}									\
static DEVICE_ATTR_RO(name)

HWEVENT_COUNTER_ATTR(registered);
HWEVENT_COUNTER_ATTR(fired);
HWEVENT_COUNTER_ATTR(cancelled);
HWEVENT_COUNTER_ATTR(pending);
HWEVENT_COUNTER_ATTR(lost);

static struct attribute *hwevent_counter_attrs[] = {
	&dev_attr_registered.attr,
	&dev_attr_fired.attr,
	&dev_attr_cancelled.attr,
	&dev_attr_pending.attr,
	&dev_attr_lost.attr,
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

static struct miscdevice hwevent_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = HWEVENT_DEVICE_NAME,
	.fops = &hwevent_fops,
	.groups = hwevent_groups,
	.mode = 0600,
};

static int __init hwevent_init(void)
{
	int ret;

	hwevent_reg_cache = KMEM_CACHE(hwevent_reg, SLAB_ACCOUNT);
	if (!hwevent_reg_cache)
		return -ENOMEM;

	ret = misc_register(&hwevent_misc);
	if (ret)
		goto err_cache;
	return 0;

err_cache:
	kmem_cache_destroy(hwevent_reg_cache);
	return ret;
}

static void __exit hwevent_exit(void)
{
	misc_deregister(&hwevent_misc);
	kmem_cache_destroy(hwevent_reg_cache);
}

module_init(hwevent_init);
module_exit(hwevent_exit);

MODULE_AUTHOR("The hwevent authors");
MODULE_DESCRIPTION("Notify applications about simulated hardware events");
MODULE_LICENSE("GPL");
MODULE_VERSION(HWEVENT_VERSION);
