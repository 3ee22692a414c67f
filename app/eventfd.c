// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 1, an eventfd the driver signals: the analog of the original's
 * event object.
 */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"

/*
 * Mode 1: poll the eventfd and stdin.  Without a period, register again
 * after each event; with one, the eventfd counts every firing, so a count
 * above 1 says the program fell behind.
 */
int run_eventfd(struct run *r)
{
	const struct opts *o = r->o;
	struct hwevent_register reg;
	uint64_t cookie = 0, t0 = 0, t1, count;
	sigset_t set, old;
	int efd, ret, status = 0;
	bool armed = false;
	ssize_t len;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		warn("eventfd");
		return -1;
	}
	stop_signals(&set);
	block_signals(r, &set, &old);

	for (;;) {
		take_signals(r);
		if (!more(r))
			break;
		/* While stdout lags, no new registration: a periodic one
		 * counts on in the eventfd meanwhile. */
		if (!armed && !out_full()) {
			t0 = now_ns();
			hwevent_register_init(&reg, HWEVENT_TYPE_EVENTFD,
					      o->due_ns, o->period_ns,
					      ++cookie);
			reg.eventfd = efd;
			ret = hwevent_register(r->fd, &reg);
			if (ret) {
				warnx("cannot register: %s", strerror(-ret));
				status = -1;
				break;
			}
			armed = true;
		}
		/* A stop leaves the registration pending: close cancels it. */
		ret = wait_fd(r, out_full() ? -1 : efd);
		if (ret < 0) {
			status = -1;
			break;
		}
		if (!ret)
			continue;
		t1 = now_ns();
		len = read(efd, &count, sizeof(count));
		if (len < 0 && errno == EAGAIN)
			continue;
		if (len != sizeof(count)) {
			warn("read eventfd");
			status = -1;
			break;
		}
		if (!o->period_ns)
			armed = false;
		if (event_count(r, cookie, count, t0, t1)) {
			status = -1;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(efd);
	return status;
}

