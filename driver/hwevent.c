// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent - notify applications about (simulated) hardware events
 *
 * The Linux counterpart of the "Hardware Event Sample" of the Windows
 * driver samples.  An application registers a notification through
 * /dev/hwevent; a soft hrtimer stands in for the device's interrupt and the
 * deferred routine it would schedule: its callback runs in softirq context,
 * like a DPC at DISPATCH_LEVEL.  When it fires the driver notifies the
 * application in one of two ways:
 *
 *  - HWEVENT_TYPE_EVENTFD: the application passed an eventfd; the driver
 *    took its own reference to it in the caller's context (the analog of
 *    referencing the user's event handle), signals it from the callback and
 *    drops the reference there.  The ioctl returns at once.
 *
 *  - HWEVENT_TYPE_REQUEST: the ioctl itself is the pending request.  It
 *    sleeps until the callback completes it with a message, and is
 *    interruptible: a signal cancels the registration.
 *
 * See docs/design.md for how this maps onto the original.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/hwevent.h>

/* Upper bound of the max_pending module parameter. */
#define HWEVENT_MAX_PENDING_LIMIT	1000000

/*
 * Marks a registration whose timer fired and that only waits to be freed.
 * XA_MARK_0 is the free-slot mark of an allocating xarray: use the next.
 */
#define HWEVENT_MARK_FIRED		XA_MARK_1

/**
 * struct hwevent_file - the context of one open file of /dev/hwevent
 * @regs: the file's registrations, by id.  Its xa_lock, taken with BH
 *	disabled since the timer callbacks take it in softirq context, is
 *	the file's lock: it protects @regs, @next_id and @nr_pending.
 * @next_id: next id to try, for cyclic allocation.
 * @nr_pending: registrations in @regs that have not fired, limited by
 *	max_pending.  Fired ones are marked HWEVENT_MARK_FIRED and stay in
 *	@regs only until @reap_work frees them.
 * @reap_work: frees EVENTFD registrations that fired.
 *
 * Lifetime of a registration (struct hwevent_reg):
 *
 * Whoever erases a registration from @regs owns it, and frees it; the
 * timer callback never erases nor frees, so it may always touch the
 * registration and its file.  An owner calls hrtimer_cancel() before it
 * frees: that either stops a timer that has not fired or waits until a
 * running callback has returned, so no callback runs on freed memory,
 * whichever side wins a race.  Owners are:
 *
 *  - the REQUEST ioctl, for its own registration, once it was completed or
 *    interrupted by a signal;
 *  - @reap_work, for EVENTFD registrations the callback marked
 *    HWEVENT_MARK_FIRED;
 *  - hwevent_release(), for everything left when the file is closed.  It
 *    then cancels @reap_work, which also waits for a running instance and
 *    so for the registrations that instance owns.  Since every
 *    registration's callback has returned by then, nothing can queue
 *    @reap_work or touch the file again, and the file is freed.
 *
 * A REQUEST ioctl in progress holds a reference to the struct file, so
 * release never runs while one sleeps; a fatal signal ends that sleep when
 * the process exits or is killed, before its files are closed.
 *
 * The module cannot be unloaded while any file is open (the misc core
 * takes a module reference on open), and release leaves no timer or work
 * behind, so no callback can run after the module is gone.
 */
struct hwevent_file {
	struct xarray regs;
	u32 next_id;
	unsigned int nr_pending;
	struct work_struct reap_work;
};

/**
 * struct hwevent_reg - one registered notification
 * @timer: the simulated device interrupt.
 * @hf: the open file it was registered on.
 * @efd: EVENTFD: the driver's reference to the eventfd, until it is
 *	signalled (then NULL) or the registration is cancelled.
 * @done: REQUEST: completed by the timer callback.
 * @msg: the message reported to the application, completed by the callback.
 * @id: key in &hwevent_file.regs.
 * @fired: set by the callback; read by the owner after hrtimer_cancel().
 */
struct hwevent_reg {
	struct hrtimer timer;
	struct hwevent_file *hf;
	struct eventfd_ctx *efd;
	struct completion done;
	struct hwevent_msg msg;
	u32 id;
	bool fired;
};

static struct kmem_cache *hwevent_reg_cache;

/*
 * Device-wide counters, shown in /sys/class/misc/hwevent/counters/.  Every
 * accepted registration ends up either fired or cancelled, so at rest
 * registered == fired + cancelled + pending.
 */
static atomic64_t hwevent_registered = ATOMIC64_INIT(0);
static atomic64_t hwevent_fired = ATOMIC64_INIT(0);
static atomic64_t hwevent_cancelled = ATOMIC64_INIT(0);
static atomic64_t hwevent_pending = ATOMIC64_INIT(0);
/* Number of the last firing, for hwevent_msg.seq. */
static atomic64_t hwevent_seq = ATOMIC64_INIT(0);

static unsigned int max_pending = 1024;

static int max_pending_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > HWEVENT_MAX_PENDING_LIMIT)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops max_pending_ops = {
	.set = max_pending_set,
	.get = param_get_uint,
};

module_param_cb(max_pending, &max_pending_ops, &max_pending, 0644);
MODULE_PARM_DESC(max_pending,
		 "Most registrations one open file may hold (1-1000000, default 1024)");

/* Kbuild defines HWEVENT_EVENTFD_SIGNAL_ONE where it takes no count (6.8+). */
static void hwevent_eventfd_signal(struct eventfd_ctx *efd)
{
#ifdef HWEVENT_EVENTFD_SIGNAL_ONE
	eventfd_signal(efd);
#else
	eventfd_signal(efd, 1);
#endif
}

/* The simulated interrupt: softirq context, like the original's DPC. */
static enum hrtimer_restart hwevent_timer_fn(struct hrtimer *timer)
{
	struct hwevent_reg *reg = container_of(timer, struct hwevent_reg, timer);
	struct hwevent_file *hf = reg->hf;
	struct eventfd_ctx *efd = reg->efd;

	reg->msg.fired_ns = ktime_get_ns();
	reg->msg.seq = atomic64_inc_return(&hwevent_seq);
	atomic64_inc(&hwevent_fired);
	atomic64_dec(&hwevent_pending);
	pr_debug("fired id %u seq %llu\n", reg->id, reg->msg.seq);

	if (reg->msg.type == HWEVENT_TYPE_REQUEST) {
		/* The waiter owns the registration and frees it. */
		WRITE_ONCE(reg->fired, true);
		complete(&reg->done);
		return HRTIMER_NORESTART;
	}

	reg->efd = NULL;
	WRITE_ONCE(reg->fired, true);
	hwevent_eventfd_signal(efd);
	eventfd_ctx_put(efd);

	/* Unless release erased it already (release frees it then). */
	xa_lock(&hf->regs);
	if (xa_load(&hf->regs, reg->id) == reg) {
		hf->nr_pending--;
		__xa_set_mark(&hf->regs, reg->id, HWEVENT_MARK_FIRED);
	}
	xa_unlock(&hf->regs);
	schedule_work(&hf->reap_work);
	return HRTIMER_NORESTART;
}

/*
 * Stop the timer of a registration the caller owns, waiting for a running
 * callback.  Returns true if the event had not fired: it is cancelled then,
 * and the eventfd reference, if any, dropped.
 */
static bool hwevent_reg_cancel(struct hwevent_reg *reg)
{
	hrtimer_cancel(&reg->timer);
	if (READ_ONCE(reg->fired))
		return false;

	if (reg->efd)
		eventfd_ctx_put(reg->efd);
	atomic64_inc(&hwevent_cancelled);
	atomic64_dec(&hwevent_pending);
	pr_debug("cancelled id %u\n", reg->id);
	return true;
}

/*
 * Erase registration @id from @hf, under the file lock: the caller becomes
 * its owner.  A marked one was already counted out of @nr_pending.
 */
static void __hwevent_reg_erase(struct hwevent_file *hf, unsigned long id)
{
	if (!xa_get_mark(&hf->regs, id, HWEVENT_MARK_FIRED))
		hf->nr_pending--;
	__xa_erase(&hf->regs, id);
}

static void hwevent_reg_remove(struct hwevent_file *hf, struct hwevent_reg *reg)
{
	xa_lock_bh(&hf->regs);
	__hwevent_reg_erase(hf, reg->id);
	xa_unlock_bh(&hf->regs);
}

/*
 * Take every registration of @hf that has @mark (or every one, for
 * XA_PRESENT), cancel it and free it.
 */
static void hwevent_reg_free_all(struct hwevent_file *hf, xa_mark_t mark)
{
	struct hwevent_reg *reg;
	unsigned long id = 0;

	xa_lock_bh(&hf->regs);
	while ((reg = xa_find(&hf->regs, &id, ULONG_MAX, mark))) {
		__hwevent_reg_erase(hf, id);
		xa_unlock_bh(&hf->regs);

		hwevent_reg_cancel(reg);
		kmem_cache_free(hwevent_reg_cache, reg);
		cond_resched();

		xa_lock_bh(&hf->regs);
	}
	xa_unlock_bh(&hf->regs);
}

static void hwevent_reap_work(struct work_struct *work)
{
	struct hwevent_file *hf = container_of(work, struct hwevent_file,
					       reap_work);

	hwevent_reg_free_all(hf, HWEVENT_MARK_FIRED);
}

static int hwevent_check_register(const struct hwevent_register *arg)
{
	if (arg->flags || arg->pad ||
	    memchr_inv(arg->reserved, 0, sizeof(arg->reserved)))
		return -EINVAL;
	if (arg->due_ns < HWEVENT_DUE_MIN_NS || arg->due_ns > HWEVENT_DUE_MAX_NS)
		return -EINVAL;

	switch (arg->type) {
	case HWEVENT_TYPE_REQUEST:
		return arg->eventfd ? -EINVAL : 0;
	case HWEVENT_TYPE_EVENTFD:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Sleep until the REQUEST @reg fires or a signal arrives; then free it. */
static int hwevent_wait_request(struct hwevent_file *hf, struct hwevent_reg *reg,
				struct hwevent_register __user *uarg)
{
	struct hwevent_msg msg;
	u64 id = reg->id;
	bool cancelled;
	int ret;

	/* A signal ends the wait; the event still counts if it fired first. */
	ret = wait_for_completion_interruptible(&reg->done);
	hwevent_reg_remove(hf, reg);
	cancelled = hwevent_reg_cancel(reg);
	WARN_ON_ONCE(cancelled && !ret);
	if (cancelled) {
		kmem_cache_free(hwevent_reg_cache, reg);
		return -EINTR;
	}
	msg = reg->msg;
	kmem_cache_free(hwevent_reg_cache, reg);

	if (put_user(id, &uarg->id) ||
	    copy_to_user(&uarg->msg, &msg, sizeof(msg)))
		return -EFAULT;
	return 0;
}

static long hwevent_register(struct hwevent_file *hf,
			     struct hwevent_register __user *uarg)
{
	struct hwevent_register arg;
	struct hwevent_reg *reg;
	u32 id;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = hwevent_check_register(&arg);
	if (ret)
		return ret;
	/*
	 * Clear the output fields first: a caller whose buffer cannot be
	 * written to learns it before anything was registered.
	 */
	if (clear_user(&uarg->id, sizeof(arg) -
		       offsetof(struct hwevent_register, id)))
		return -EFAULT;

	/* Charged to the caller, as the original charges its pool quota. */
	reg = kmem_cache_zalloc(hwevent_reg_cache, GFP_KERNEL_ACCOUNT);
	if (!reg)
		return -ENOMEM;
	hrtimer_init(&reg->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	reg->timer.function = hwevent_timer_fn;
	init_completion(&reg->done);
	reg->hf = hf;
	reg->msg.cookie = arg.cookie;
	reg->msg.type = arg.type;

	if (arg.type == HWEVENT_TYPE_EVENTFD) {
		/* Resolved in the caller's context, in its descriptor table. */
		reg->efd = eventfd_ctx_fdget(arg.eventfd);
		if (IS_ERR(reg->efd)) {
			ret = PTR_ERR(reg->efd);
			goto err_free;
		}
	}

	xa_lock_bh(&hf->regs);
	if (hf->nr_pending >= READ_ONCE(max_pending)) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	ret = __xa_alloc_cyclic(&hf->regs, &id, reg, XA_LIMIT(1, U32_MAX),
				&hf->next_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err_unlock;
	hf->nr_pending++;
	reg->id = id;
	reg->msg.id = id;
	atomic64_inc(&hwevent_registered);
	atomic64_inc(&hwevent_pending);
	hrtimer_start(&reg->timer, ns_to_ktime(arg.due_ns),
		      HRTIMER_MODE_REL_SOFT);
	xa_unlock_bh(&hf->regs);
	pr_debug("registered id %u type %u due %llu ns\n", id, arg.type,
		 arg.due_ns);

	if (arg.type == HWEVENT_TYPE_REQUEST)
		return hwevent_wait_request(hf, reg, uarg);

	/* @reg may be gone already: it fired and was reaped. */
	if (put_user((u64)id, &uarg->id))
		return -EFAULT;
	return 0;

err_unlock:
	xa_unlock_bh(&hf->regs);
	if (reg->efd)
		eventfd_ctx_put(reg->efd);
err_free:
	kmem_cache_free(hwevent_reg_cache, reg);
	return ret;
}

static long hwevent_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct hwevent_file *hf = file->private_data;

	switch (cmd) {
	case HWEVENT_IOC_REGISTER:
		return hwevent_register(hf, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int hwevent_open(struct inode *inode, struct file *file)
{
	struct hwevent_file *hf;

	hf = kzalloc(sizeof(*hf), GFP_KERNEL_ACCOUNT);
	if (!hf)
		return -ENOMEM;
	xa_init_flags(&hf->regs, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	INIT_WORK(&hf->reap_work, hwevent_reap_work);
	file->private_data = hf;
	return stream_open(inode, file);
}

/* The analog of IRP_MJ_CLEANUP and IRP_MJ_CLOSE: cancel everything left. */
static int hwevent_release(struct inode *inode, struct file *file)
{
	struct hwevent_file *hf = file->private_data;

	hwevent_reg_free_all(hf, XA_PRESENT);
	cancel_work_sync(&hf->reap_work);
	WARN_ON_ONCE(hf->nr_pending);
	xa_destroy(&hf->regs);
	kfree(hf);
	return 0;
}

static const struct file_operations hwevent_fops = {
	.owner = THIS_MODULE,
	.open = hwevent_open,
	.release = hwevent_release,
	.unlocked_ioctl = hwevent_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
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

static struct attribute *hwevent_counter_attrs[] = {
	&dev_attr_registered.attr,
	&dev_attr_fired.attr,
	&dev_attr_cancelled.attr,
	&dev_attr_pending.attr,
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
