// SPDX-License-Identifier: GPL-2.0
/* io_uring_cmd_done() takes a second result; 7.x moved it to _done32(). */
#include "conftest.h"

void hwevent_conftest(struct io_uring_cmd *cmd, unsigned int issue_flags);
void hwevent_conftest(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, 0, 0, issue_flags);
}
