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
 * schedule_hrtimeout_range_clock() has kept its form from 6.1 to 7.x,
 * so nothing here needs hwevent_compat.h.  Test-only: run-bench.sh loads
 * it in its throwaway VM; no package installs it.
 */
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "hwevent_floor.h"

static long floor_sleep(struct hwevent_floor_sleep __user *uarg, ktime_t called)
{
	struct hwevent_floor_sleep arg;
	enum hrtimer_mode mode;
	ktime_t due;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~HWEVENT_FLOOR_SOFT) || arg.reserved ||
	    arg.due_ns > HWEVENT_FLOOR_MAX_DUE_NS)
		return -EINVAL;
	mode = arg.flags & HWEVENT_FLOOR_SOFT ? HRTIMER_MODE_ABS_SOFT :
						HRTIMER_MODE_ABS;
	due = ktime_add_ns(called, arg.due_ns);
	__set_current_state(TASK_INTERRUPTIBLE);
	/* 0 when the timer woke us; -EINTR when a signal came first. */
	if (schedule_hrtimeout_range_clock(&due, 0, mode, CLOCK_MONOTONIC))
		return -EINTR;
	return 0;
}

static long floor_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	/* The driver reads its clock first thing, too. */
	ktime_t called = ktime_get();

	if (cmd != HWEVENT_FLOOR_IOC_SLEEP)
		return -ENOTTY;
	return floor_sleep((struct hwevent_floor_sleep __user *)arg, called);
}

static const struct file_operations floor_fops = {
	.owner = THIS_MODULE,
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

MODULE_DESCRIPTION("hwbench's latency floor: an hrtimer that only wakes its sleeper");
MODULE_LICENSE("GPL");
