// SPDX-License-Identifier: MIT
/*
 * The event queue with poll: each firing appends a struct hwevent_msg to
 * the open file's queue, poll(2) says when there is one, and read(2)
 * returns whole records.  Choose it for the data of every event through
 * one descriptor, in the style of evdev or the GPIO character device; a
 * full queue drops records and says how many in the next one's "lost".
 *
 *   cc -o queue-poll queue-poll.c $(pkg-config --cflags --libs libhwevent)
 *   sudo modprobe hwevent && sudo ./queue-poll
 *
 * See hwevent(4) ("read, poll, and SIGIO") and libhwevent(3).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libhwevent.h>

#define EVENTS		5
#define PERIOD_NS	(20 * 1000 * 1000ULL)	/* 20 ms */

int main(void)
{
	struct hwevent_msg msgs[8];
	struct pollfd p;
	uint64_t id;
	int fd, ret, got = 0;

	/* Nonblocking: read only what poll said is there. */
	fd = hwevent_open(O_NONBLOCK);
	if (fd < 0)
		errx(1, "cannot open %s: %s", HWEVENT_DEV_PATH, strerror(-fd));
	ret = hwevent_register_queue(fd, PERIOD_NS, PERIOD_NS, 7, &id);
	if (ret < 0)
		errx(1, "register: %s", strerror(-ret));

	while (got < EVENTS) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		ret = hwevent_read_msgs(fd, msgs, 8);
		if (ret == -EAGAIN)
			continue;
		if (ret < 0)
			errx(1, "read: %s", strerror(-ret));
		for (int i = 0; i < ret && got < EVENTS; i++) {
			got++;
			printf("queue record %d: cookie %llu seq %llu lost %llu\n",
			       got, (unsigned long long)msgs[i].cookie,
			       (unsigned long long)msgs[i].seq,
			       (unsigned long long)msgs[i].lost);
		}
	}
	/* Closing would cancel it too. */
	ret = hwevent_cancel(fd, id);
	if (ret < 0)
		errx(1, "cancel: %s", strerror(-ret));
	close(fd);
	return 0;
}
