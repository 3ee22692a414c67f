// SPDX-License-Identifier: MIT
/*
 * A pending request: HWEVENT_IOC_REGISTER of a HWEVENT_TYPE_REQUEST blocks
 * until the event fires, and returns it.  The simplest model: one thread
 * per event source, no descriptor but the device's.  The original
 * sample's type 0, its pending IRP.
 *
 *   cc -o request request.c $(pkg-config --cflags --libs libhwevent)
 *   sudo modprobe hwevent && sudo ./request
 *
 * See hwevent(4) and libhwevent(3).
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libhwevent.h>

#define EVENTS	3
#define DUE_NS	(100 * 1000 * 1000ULL)	/* 0.1 s */

int main(void)
{
	struct hwevent_msg msg;
	int fd, ret;

	fd = hwevent_open(0);
	if (fd < 0)
		errx(1, "cannot open %s: %s", HWEVENT_DEV_PATH, strerror(-fd));

	for (int i = 1; i <= EVENTS; i++) {
		/* Registers, sleeps until the event fires, returns it. */
		ret = hwevent_wait_request(fd, DUE_NS, i, &msg);
		if (ret == -EINTR) {
			/* A signal handler ran; the driver cancelled it. */
			i--;
			continue;
		}
		if (ret < 0)
			errx(1, "request: %s", strerror(-ret));
		printf("request %d: cookie %llu seq %llu fired %llu ns\n", i,
		       (unsigned long long)msg.cookie,
		       (unsigned long long)msg.seq,
		       (unsigned long long)msg.fired_ns);
	}
	close(fd);
	return 0;
}
