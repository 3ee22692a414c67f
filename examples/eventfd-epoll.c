// SPDX-License-Identifier: MIT
/*
 * An eventfd with epoll: the driver adds 1 to an eventfd of ours at each
 * firing, and the eventfd takes its place in an epoll loop next to any
 * other descriptor.  Choose it for a plain "something happened" that
 * must not get lost: a count, no data.  The original sample's type 1,
 * its event object.
 *
 *   cc -o eventfd-epoll eventfd-epoll.c \
 *      $(pkg-config --cflags --libs libhwevent)
 *   sudo modprobe hwevent && sudo ./eventfd-epoll
 *
 * See hwevent(4) and libhwevent(3).
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libhwevent.h>

#define WAKEUPS		3
#define PERIOD_NS	(50 * 1000 * 1000ULL)	/* 50 ms */

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct hwevent_register reg;
	uint64_t count, total = 0;
	int fd, efd, ep, ret;

	fd = hwevent_open(0);
	if (fd < 0)
		errx(1, "cannot open %s: %s", HWEVENT_DEV_PATH, strerror(-fd));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (efd < 0 || ep < 0)
		err(1, "eventfd, epoll");
	ev.data.fd = efd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		err(1, "epoll_ctl");

	/* A periodic registration: the eventfd counts every firing. */
	hwevent_register_init(&reg, HWEVENT_TYPE_EVENTFD, PERIOD_NS,
			      PERIOD_NS, 1);
	reg.eventfd = efd;
	ret = hwevent_register(fd, &reg);
	if (ret < 0)
		errx(1, "register: %s", strerror(-ret));

	for (int i = 1; i <= WAKEUPS; i++) {
		if (epoll_wait(ep, &ev, 1, -1) != 1) {
			i--;	/* a signal: wait again */
			continue;
		}
		/* The count of firings since the last read: more than 1
		 * when we fell behind, none lost. */
		if (read(efd, &count, sizeof(count)) != sizeof(count))
			err(1, "read eventfd");
		total += count;
		printf("eventfd wakeup %d: count %llu, %llu firings in all\n",
		       i, (unsigned long long)count,
		       (unsigned long long)total);
	}
	ret = hwevent_cancel(fd, reg.id);
	if (ret < 0)
		errx(1, "cancel: %s", strerror(-ret));
	close(ep);
	close(efd);
	close(fd);
	return 0;
}
