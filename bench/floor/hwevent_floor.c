// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent_floor: a floor for hwbench's latency phase, not part of the
 * driver.  Its one ioctl sleeps the caller on an hrtimer due as long
 * after the call's arrival as asked, as the driver counts a registration's
 * due time; the timer's callback does nothing but wake the sleeper (the
 * kernel's own hrtimer_wakeup()).  With HWEVENT_FLOOR_SOFT the timer
 * expires in the timer softirq, as the driver's with soft_timers=1 and the
 * original's DPC; without it in hard interrupt context, as the driver's by
 * default.  So, in one run:
 *   floor soft / floor hard          what expiring in softirq costs;
 *   request-ioctl / floor hard       what the driver adds, hard timers;
 *   request-ioctl-soft / floor soft  the same with soft timers.
 * Both go through an ioctl, as the driver's blocking request does.
 *
 * A second ioctl arms the file's own hrtimer, in hard interrupt context,
 * and returns; its callback does nothing but kill_fasync() the file's
 * SIGIO, as the driver's QUEUE callback does among its other work.  So
 *   that / posix timer's signal      what the kernel's SIGIO path costs;
 *   queue-sigio / that               what the driver adds to it.
 *
 * How a timer is set up changed in 6.13 (hrtimer_setup()): the floor
 * reads the driver's probe of it, in the hwevent_config.h that the
 * driver's build writes (the Makefile and scripts/kernel-checks.sh build
 * the driver first).  Test-only:
 * run-bench.sh loads it in its throwaway VM; no package installs it.
 */
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hwevent_config.h"
#include "hwevent_floor.h"

/*
 * One open file.  @timer is armed by HWEVENT_FLOOR_IOC_SIGIO and cancelled
 * (waiting for a running callback) by release; @fasync is the file's
 * O_ASYNC owners, kept by fasync_helper(), whose RCU-freed entries make
 * it safe for the callback to walk while an owner goes.
 */
struct floor_file {
	struct hrtimer timer;
	struct fasync_struct *fasync;
};

static enum hrtimer_restart floor_sigio_fn(struct hrtimer *timer)
{
	struct floor_file *ff = container_of(timer, struct floor_file, timer);

	kill_fasync(&ff->fasync, SIGIO, POLL_IN);
	return HRTIMER_NORESTART;
}

/* Validate @uarg and return its due time, counted from @called. */
static int floor_arg(struct hwevent_floor_sleep __user *uarg, ktime_t called,
		     u32 flags_ok, struct hwevent_floor_sleep *arg, ktime_t *due)
{
	if (copy_from_user(arg, uarg, sizeof(*arg)))
		return -EFAULT;
	if ((arg->flags & ~flags_ok) || arg->reserved ||
	    arg->due_ns > HWEVENT_FLOOR_MAX_DUE_NS)
		return -EINVAL;
	*due = ktime_add_ns(called, arg->due_ns);
	return 0;
}

static long floor_sleep(struct hwevent_floor_sleep __user *uarg, ktime_t called)
{
	struct hwevent_floor_sleep arg;
	enum hrtimer_mode mode;
	ktime_t due;
	int ret;

	ret = floor_arg(uarg, called, HWEVENT_FLOOR_SOFT, &arg, &due);
	if (ret)
		return ret;
	mode = arg.flags & HWEVENT_FLOOR_SOFT ? HRTIMER_MODE_ABS_SOFT :
						HRTIMER_MODE_ABS;
	__set_current_state(TASK_INTERRUPTIBLE);
	/* 0 when the timer woke us; -EINTR when a signal came first. */
	if (schedule_hrtimeout_range_clock(&due, 0, mode, CLOCK_MONOTONIC))
		return -EINTR;
	return 0;
}

/* Arm the file's timer, hard, to send SIGIO then; (re)armed, it returns. */
static long floor_sigio(struct floor_file *ff,
			struct hwevent_floor_sleep __user *uarg, ktime_t called)
{
	struct hwevent_floor_sleep arg;
	ktime_t due;
	int ret;

	ret = floor_arg(uarg, called, 0, &arg, &due);
	if (ret)
		return ret;
	hrtimer_start(&ff->timer, due, HRTIMER_MODE_ABS);
	return 0;
}

static long floor_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	/* The driver reads its clock first thing, too. */
	ktime_t called = ktime_get();
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case HWEVENT_FLOOR_IOC_SLEEP:
		return floor_sleep(uarg, called);
	case HWEVENT_FLOOR_IOC_SIGIO:
		return floor_sigio(file->private_data, uarg, called);
	default:
		return -ENOTTY;
	}
}

static int floor_open(struct inode *inode, struct file *file)
{
	struct floor_file *ff = kzalloc(sizeof(*ff), GFP_KERNEL);

	if (!ff)
		return -ENOMEM;
#ifdef HWEVENT_HAVE_HRTIMER_SETUP
	hrtimer_setup(&ff->timer, floor_sigio_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS);
#else
	hrtimer_init(&ff->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	ff->timer.function = floor_sigio_fn;
#endif
	file->private_data = ff;
	return stream_open(inode, file);
}

static int floor_fasync(int fd, struct file *file, int on)
{
	struct floor_file *ff = file->private_data;

	return fasync_helper(fd, file, on, &ff->fasync);
}

/* The VFS has taken the file's O_ASYNC owner off already (->fasync). */
static int floor_release(struct inode *inode, struct file *file)
{
	struct floor_file *ff = file->private_data;

	hrtimer_cancel(&ff->timer);
	kfree(ff);
	return 0;
}

static const struct file_operations floor_fops = {
	.owner = THIS_MODULE,
	.open = floor_open,
	.release = floor_release,
	.fasync = floor_fasync,
	.unlocked_ioctl = floor_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice floor_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = HWEVENT_FLOOR_NAME,
	.fops = &floor_fops,
	.mode = 0600,
};

module_misc_device(floor_misc);

MODULE_DESCRIPTION("hwbench's latency floors: an hrtimer that only wakes its sleeper, or only sends SIGIO");
MODULE_LICENSE("GPL");
