/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The notification core of hwevent, as its event sources see it.
 *
 * The core (hwevent_core.c) owns everything an application touches: the
 * open files, the registrations, the notification models, cancel, release
 * and the lifetime rules.  A source owns a device node and decides what
 * an event is: hwevent_timer.c's is a timer alone (/dev/hwevent),
 * hwevent_edu.c's an interrupt of an edu PCI device (/dev/hwevent-eduN).
 *
 * Every registration has a timer, armed by the core for its due time.
 * When it expires the core calls the source's ->due(); the source then
 * has the event delivered by calling hwevent_reg_fire(), at once (the
 * timer source) or from the interrupt it made its device raise (edu).
 */
#ifndef HWEVENT_CORE_H
#define HWEVENT_CORE_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <linux/hwevent.h>

struct hwevent_dev;
struct hwevent_reg;

/**
 * struct hwevent_source_ops - what a source does for the core
 * @due: the timer of @reg expired: its event is due.  The hrtimer's
 *	callback: hard interrupt context, or softirq context (soft_timers=1;
 *	on PREEMPT_RT the kernel's timer thread).  Nothing here sleeps.  Either
 *	fires it at once, returning what hwevent_reg_fire(@reg, false) says,
 *	or makes the device interrupt and returns HRTIMER_NORESTART: the
 *	interrupt path then calls hwevent_reg_fire(@reg, true).
 * @stop: optional.  @reg is withdrawn and its timer stopped: the source
 *	must let go of it (and must not call hwevent_reg_fire() on it after
 *	this returns).  Process context, may sleep.
 * @info: fill in the source's part of HWEVENT_IOC_INFO.  Process context;
 *	the device may be gone already.
 * @release: the last reference to the device is gone: free what embeds
 *	it.  Any context that may sleep.
 */
struct hwevent_source_ops {
	enum hrtimer_restart (*due)(struct hwevent_reg *reg);
	void (*stop)(struct hwevent_reg *reg);
	void (*info)(struct hwevent_dev *hdev, struct hwevent_info *info);
	void (*release)(struct hwevent_dev *hdev);
};

/**
 * struct hwevent_dev - one device node of the driver
 * @misc: the node, /dev/@name.
 * @name: its name.
 * @ops: its source.
 * @ref: held by the source from hwevent_dev_init() until it has no more
 *	use for the device, and by every open file of it, so a file that
 *	outlives the device (surprise removal) still has it to look at.
 * @files_lock: protects @files and @gone.
 * @files: the open files (&hwevent_file.dev_node).
 * @gone: hwevent_dev_remove() ran: no file may register any more.
 * @registered: counters, shown in /sys/class/misc/@name/counters/:
 *	registrations accepted,
 * @fired: firings,
 * @cancelled: registrations cancelled before their single event,
 * @pending: registrations not yet ended,
 * @lost: events not delivered,
 * @rate_hz: the summed rate of all periodic registrations, in Hz.
 * @seq: number of the last firing, for &hwevent_msg.seq.
 */
struct hwevent_dev {
	struct miscdevice misc;
	char name[32];
	const struct hwevent_source_ops *ops;
	struct kref ref;
	struct mutex files_lock;	/* @files, @gone */
	struct list_head files;
	bool gone;
	atomic64_t registered;
	atomic64_t fired;
	atomic64_t cancelled;
	atomic64_t pending;
	atomic64_t lost;
	atomic64_t rate_hz;
	atomic64_t seq;
};

/**
 * struct hwevent_src_reg - the part of a registration that is its source's
 * @dev: the device it was registered on.
 * @node: free for the source's own list (edu: the raised list); empty
 *	when not on one.
 */
struct hwevent_src_reg {
	struct hwevent_dev *dev;
	struct list_head node;
};

struct hwevent_src_reg *hwevent_reg_src(struct hwevent_reg *reg);
struct hwevent_reg *hwevent_src_reg(struct hwevent_src_reg *src);

bool hwevent_reg_fire(struct hwevent_reg *reg, bool rearm);

void hwevent_dev_init(struct hwevent_dev *hdev, const char *name,
		      const struct hwevent_source_ops *ops);
int hwevent_dev_add(struct hwevent_dev *hdev, struct device *parent);
void hwevent_dev_remove(struct hwevent_dev *hdev);
void hwevent_dev_put(struct hwevent_dev *hdev);

/* The sources, each started and stopped by the module. */
int hwevent_timer_init(void);
void hwevent_timer_exit(void);
int hwevent_edu_init(void);
void hwevent_edu_exit(void);

#endif /* HWEVENT_CORE_H */
