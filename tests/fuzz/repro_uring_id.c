// SPDX-License-Identifier: GPL-2.0
/*
 * Reproducer: an io_uring HWEVENT_IOC_REGISTER of a REQUEST can post its
 * CQE before the driver wrote hwevent_register.id: the id is written by
 * put_user() after hrtimer_start(), by the task that issued the command,
 * while the completion runs as task work of the submitter.  With
 * IOSQE_ASYNC the issuer is an io-wq worker, so the submitter can reap the
 * CQE (msg filled in, id still 0) before the worker's put_user() lands:
 * the driver writes into a user buffer after the request completed.
 *
 *   repro_uring_id [iterations] [async 0/1]   (module loaded, root)
 * Exit 1 and a line per bad CQE when it happens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>

#include "libhwevent.h"
#include "libhwevent-uring.h"

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	int async = argc > 2 ? atoi(argv[2]) : 1;
	struct hwevent_register reg;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	long bad = 0, ok = 0;
	int fd = hwevent_open(0);

	if (fd < 0 || io_uring_queue_init(8, &ring, 0)) {
		fprintf(stderr, "setup failed\n");
		return 2;
	}
	for (long i = 0; i < iters; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, 1, 0, i);
		hwevent_uring_prep_register(sqe, fd, &reg);
		if (async)
			sqe->flags |= IOSQE_ASYNC;
		io_uring_submit(&ring);
		if (io_uring_wait_cqe(&ring, &cqe))
			return 2;
		/* Read before the CQE is marked seen: what userspace sees. */
		if (!cqe->res && (reg.id == 0 || reg.id != reg.msg.id)) {
			if (bad++ < 10)
				printf("iteration %ld: CQE res 0, msg.id %llu, id %llu\n",
				       i, (unsigned long long)reg.msg.id,
				       (unsigned long long)reg.id);
		} else if (!cqe->res) {
			ok++;
		}
		io_uring_cqe_seen(&ring, cqe);
		/* Let a late put_user() land before the next round reuses reg. */
		if (reg.id == 0)
			usleep(1000);
	}
	printf("%ld good, %ld with the id missing at CQE time (async=%d)\n",
	       ok, bad, async);
	return bad ? 1 : 0;
}
