// SPDX-License-Identifier: GPL-2.0
/*
 * The public headers from C++: a C library's headers are included from
 * C++ too.  Compiled only (make tests, g++ -std=c++17 -pedantic -Werror).
 */
#include <libhwevent.h>
#include <libhwevent-uring.h>

int headers_cxx(struct io_uring_sqe *sqe, int fd);

int headers_cxx(struct io_uring_sqe *sqe, int fd)
{
	struct hwevent_register reg;
	struct hwevent_wait wait = {};

	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, 1000, 0, 1);
	hwevent_uring_prep_register(sqe, fd, &reg);
	hwevent_uring_prep_wait(sqe, fd, &wait);
	return hwevent_cancel(fd, reg.id);
}
