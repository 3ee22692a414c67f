// SPDX-License-Identifier: GPL-2.0
/* hrtimer_setup() sets the callback too; it replaced hrtimer_init(). */
#include <linux/hrtimer.h>

static enum hrtimer_restart hwevent_conftest_fn(struct hrtimer *timer)
{
	return HRTIMER_NORESTART;
}

void hwevent_conftest(struct hrtimer *timer);
void hwevent_conftest(struct hrtimer *timer)
{
	hrtimer_setup(timer, hwevent_conftest_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_SOFT);
}
