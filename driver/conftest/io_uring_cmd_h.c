// SPDX-License-Identifier: GPL-2.0
/* struct io_uring_cmd moved to its own header in 6.7. */
#include <linux/io_uring/cmd.h>

u32 hwevent_conftest(struct io_uring_cmd *cmd);
u32 hwevent_conftest(struct io_uring_cmd *cmd)
{
	return cmd->cmd_op;
}
