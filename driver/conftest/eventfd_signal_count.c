// SPDX-License-Identifier: GPL-2.0
/* eventfd_signal() takes the amount to add (it adds 1 from 6.8 on). */
#include <linux/eventfd.h>

void hwevent_conftest(struct eventfd_ctx *ctx);
void hwevent_conftest(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 2);
}
