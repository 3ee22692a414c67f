// SPDX-License-Identifier: GPL-2.0
/* Task-work callbacks take a struct io_tw_req (7.x), not the command. */
#include "conftest.h"

static void hwevent_conftest_tw(struct io_tw_req tw_req, io_tw_token_t tw)
{
	io_uring_cmd_done(io_uring_cmd_from_tw(tw_req), 0,
			  IO_URING_CMD_TASK_WORK_ISSUE_FLAGS);
}

void hwevent_conftest(struct io_uring_cmd *cmd);
void hwevent_conftest(struct io_uring_cmd *cmd)
{
	io_uring_cmd_complete_in_task(cmd, hwevent_conftest_tw);
}
