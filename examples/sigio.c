// SPDX-License-Identifier: MIT
/*
 * The event queue with SIGIO: with O_ASYNC and an owner (F_SETOWN), the
 * driver sends SIGIO when records arrive, for a program that does not
 * sit in poll().  Here SIGIO stays blocked and sigwaitinfo() takes it,
 * which needs no handler; then the queue is read until it is empty
 * (EAGAIN), as one signal may stand for several records.
 *
 *   cc -o sigio sigio.c $(pkg-config --cflags --libs libhwevent)
 *   sudo modprobe hwevent && sudo ./sigio
 *
 * See hwevent(4) ("read, poll, and SIGIO"), fcntl(2) and libhwevent(3).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libhwevent.h>

#define EVENTS	3
#define DUE_NS	(50 * 1000 * 1000ULL)	/* 50 ms */

int main(void)
{
	struct hwevent_msg msg;
	sigset_t sigio;
	int fd, flags, ret, got = 0;

	/* Blocked before the first record can come: it stays pending. */
	sigemptyset(&sigio);
	sigaddset(&sigio, SIGIO);
	sigprocmask(SIG_BLOCK, &sigio, NULL);

	fd = hwevent_open(O_NONBLOCK);
	if (fd < 0)
		errx(1, "cannot open %s: %s", HWEVENT_DEV_PATH, strerror(-fd));
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETOWN, getpid()) ||
	    fcntl(fd, F_SETFL, flags | O_ASYNC))
		err(1, "O_ASYNC");

	for (int i = 1; i <= EVENTS; i++) {
		ret = hwevent_register_queue(fd, DUE_NS, 0, i, NULL);
		if (ret < 0)
			errx(1, "register: %s", strerror(-ret));
	}
	while (got < EVENTS) {
		if (sigwaitinfo(&sigio, NULL) < 0) {
			if (errno == EINTR)
				continue;
			err(1, "sigwaitinfo");
		}
		while ((ret = hwevent_read_msgs(fd, &msg, 1)) == 1)
			printf("SIGIO record %d: cookie %llu seq %llu\n", ++got,
			       (unsigned long long)msg.cookie,
			       (unsigned long long)msg.seq);
		if (ret != -EAGAIN)
			errx(1, "read: %s", strerror(-ret));
	}
	close(fd);
	return 0;
}
