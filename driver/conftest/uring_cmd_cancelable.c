// SPDX-License-Identifier: GPL-2.0
/* Commands that io_uring can ask the driver to cancel (6.7). */
#include "conftest.h"

bool hwevent_conftest(struct io_uring_cmd *cmd, unsigned int issue_flags);
bool hwevent_conftest(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
	return issue_flags & IO_URING_F_CANCEL;
}
