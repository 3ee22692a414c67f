// SPDX-License-Identifier: GPL-2.0
/*
 * Modes 3 and 4, the open file's event queue, in the style of evdev: one
 * file for both, as they differ only in how they learn the queue has
 * records (poll(2), or SIGIO).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"

/* Queue records read at once. */
#define READ_BATCH	16

/*
 * Modes 3 and 4: the file's event queue, opened with O_NONBLOCK.  Mode 3
 * waits with ppoll() on it.  Mode 4 asks for SIGIO (F_SETOWN, O_ASYNC),
 * whose handler only sets got_sigio, and waits for a signal (and for
 * standard input) with ppoll(); it reads while got_sigio is set and
 * clears it only when the queue is found empty.  SIGIO is blocked but in
 * the waits, so one that comes after that still interrupts the next wait.
 * Without a period each event is one registration, made again once its
 * record was read; with one, records come every period, and a full queue
 * drops them ("lost" on the next).
 */
int run_queue(struct run *r)
{
	const struct opts *o = r->o;
	struct hwevent_msg msgs[READ_BATCH];
	uint64_t cookie = 0, t0 = 0;
	bool sigio = r->mode == &modes[4], armed = false;
	struct sigaction sa;
	sigset_t set, old;
	int ret, i, flags, status = 0;

	stop_signals(&set);
	if (sigio)
		sigaddset(&set, SIGIO);
	block_signals(r, &set, &old);

	if (sigio) {
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_sigio;
		flags = fcntl(r->fd, F_GETFL);
		if (sigaction(SIGIO, &sa, NULL) ||
		    fcntl(r->fd, F_SETOWN, getpid()) || flags < 0 ||
		    fcntl(r->fd, F_SETFL, flags | O_ASYNC)) {
			warn("cannot set up SIGIO");
			status = -1;
			goto out;
		}
	}

	for (;;) {
		take_signals(r);
		if (!more(r))
			break;
		if (!armed && !out_full()) {
			t0 = now_ns();
			ret = hwevent_register_queue(r->fd, o->due_ns,
						     o->period_ns, ++cookie,
						     NULL);
			if (ret) {
				warnx("cannot register: %s", strerror(-ret));
				status = -1;
				break;
			}
			armed = true;
		}

		/* While stdout lags, the queue is left alone: when it fills,
		 * the driver counts what it drops. */
		if ((sigio && !got_sigio) || out_full()) {
			if (wait_fd(r, -1) < 0) {
				status = -1;
				break;
			}
			continue;
		}
		if (!sigio) {
			ret = wait_fd(r, r->fd);
			if (ret < 0) {
				status = -1;
				break;
			}
			if (!ret)
				continue;
		}

		/* One batch per round, so that a flood cannot shut out
		 * signals: the next round reads on. */
		ret = hwevent_read_msgs(r->fd, msgs, READ_BATCH);
		if (ret == -EAGAIN) {
			got_sigio = 0;
			continue;
		}
		if (ret < 0) {
			warnx("cannot read the event queue: %s",
			      strerror(-ret));
			status = -1;
			break;
		}
		for (i = 0; i < ret && more(r); i++) {
			if (event_msg(r, &msgs[i], cookie, t0)) {
				status = -1;
				goto out;
			}
			if (!o->period_ns)
				armed = false;
		}
	}
out:
	/* Stop signalling before SIGIO is unblocked; closing cancels. */
	if (sigio) {
		flags = fcntl(r->fd, F_GETFL);
		if (flags >= 0)
			fcntl(r->fd, F_SETFL, flags & ~O_ASYNC);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

