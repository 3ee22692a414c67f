// SPDX-License-Identifier: GPL-2.0
/* The command area is reached through ->sqe (6.7) rather than ->cmd. */
#include "conftest.h"

const void *hwevent_conftest(struct io_uring_cmd *cmd);
const void *hwevent_conftest(struct io_uring_cmd *cmd)
{
	return cmd->sqe->cmd;
}
