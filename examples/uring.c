// SPDX-License-Identifier: MIT
/*
 * Pending requests through io_uring: HWEVENT_IOC_REGISTER submitted as
 * IORING_OP_URING_CMD, several in flight from one thread, each completed
 * with its event; the analog of overlapped DeviceIoControl calls.  Choose
 * it to serve many event sources from one thread, or in a program that
 * already runs an io_uring loop.  The structure a command points to must
 * stay in place until its completion: the driver writes the event there.
 *
 *   cc -o uring uring.c $(pkg-config --cflags --libs libhwevent liburing)
 *   sudo modprobe hwevent && sudo ./uring
 *
 * See hwevent(4) ("io_uring") and libhwevent(3).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libhwevent.h>
#include <libhwevent-uring.h>

#define REQUESTS	3

int main(void)
{
	struct hwevent_register reg[REQUESTS];
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd, ret;

	fd = hwevent_open(0);
	if (fd < 0)
		errx(1, "cannot open %s: %s", HWEVENT_DEV_PATH, strerror(-fd));
	ret = io_uring_queue_init(REQUESTS, &ring, 0);
	if (ret < 0)
		errx(1, "io_uring_queue_init: %s", strerror(-ret));

	/* Due in 0.3, 0.2 and 0.1 s: they complete in the other order. */
	for (int i = 0; i < REQUESTS; i++) {
		hwevent_register_init(&reg[i], HWEVENT_TYPE_REQUEST,
				      (REQUESTS - i) * 100000000ULL, 0, i + 1);
		sqe = io_uring_get_sqe(&ring);
		hwevent_uring_prep_register(sqe, fd, &reg[i]);
		io_uring_sqe_set_data64(sqe, i);
	}
	ret = io_uring_submit(&ring);
	if (ret != REQUESTS)
		errx(1, "io_uring_submit: %s", ret < 0 ? strerror(-ret) : "short");

	for (int n = 1; n <= REQUESTS; n++) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret < 0)
			errx(1, "io_uring_wait_cqe: %s", strerror(-ret));
		if (cqe->res < 0)
			errx(1, "request: %s", strerror(-cqe->res));
		struct hwevent_msg *msg = &reg[io_uring_cqe_get_data64(cqe)].msg;

		printf("io_uring completion %d: cookie %llu seq %llu\n", n,
		       (unsigned long long)msg->cookie,
		       (unsigned long long)msg->seq);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}
