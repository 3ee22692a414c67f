/* SPDX-License-Identifier: GPL-2.0 */
/* The io_uring command interface, wherever this kernel declares it. */
#if __has_include("linux/io_uring/cmd.h")
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif
