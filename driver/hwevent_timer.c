// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent - the timer source: /dev/hwevent
 *
 * The original sample's device: no hardware, a timer stands in for the
 * device's interrupt and for the deferred routine it would schedule.  The
 * registration's timer is all there is, so its callback fires the event
 * at once, in hard interrupt context, where a timerfd wakes its reader
 * too (or in softirq context, like the original's DPC at DISPATCH_LEVEL:
 * see soft_timers), and a periodic timer restarts itself.  The device
 * lives from module load to unload.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>

#include "hwevent_core.h"

static struct hwevent_dev hwevent_timer_dev;

static enum hrtimer_restart hwevent_timer_due(struct hwevent_reg *reg)
{
	return hwevent_reg_fire(reg, false) ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static void hwevent_timer_info(struct hwevent_dev *hdev,
			       struct hwevent_info *info)
{
	info->source = HWEVENT_SOURCE_TIMER;
	info->irq_mode = HWEVENT_IRQ_NONE;
}

/* A static object: nothing to free. */
static void hwevent_timer_release(struct hwevent_dev *hdev)
{
}

static const struct hwevent_source_ops hwevent_timer_ops = {
	.due = hwevent_timer_due,
	.info = hwevent_timer_info,
	.release = hwevent_timer_release,
};

int hwevent_timer_init(void)
{
	int ret;

	hwevent_dev_init(&hwevent_timer_dev, HWEVENT_DEVICE_NAME,
			 &hwevent_timer_ops);
	ret = hwevent_dev_add(&hwevent_timer_dev, NULL);
	if (ret)
		hwevent_dev_put(&hwevent_timer_dev);
	return ret;
}

/* No file is open (each holds the module), so nothing outlives it. */
void hwevent_timer_exit(void)
{
	hwevent_dev_remove(&hwevent_timer_dev);
	hwevent_dev_put(&hwevent_timer_dev);
}
