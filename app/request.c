// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 0, a pending request: the analog of the original's pending IRP,
 * a blocking ioctl that returns the event.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"

/* How often to re-signal the main thread until its ioctl gave up. */
#define KICK_MS		100

/*
 * Mode 0: the ioctl blocks, so a thread watches stdin.  It also makes
 * stopping race-free: a signal that lands just before the main thread
 * enters the ioctl (or its wait for stdout) would be lost, so once a stop
 * is requested the watcher signals the main thread every KICK_MS until it
 * has left its loop.
 */
struct watcher {
	pthread_t main;
	int pipe_r;
	const struct run *r;
	atomic_bool quit;
};

static void *watch_thread(void *arg)
{
	struct watcher *w = arg;
	struct pollfd fds[2];
	bool kicking = false;
	char buf[64];
	nfds_t nfds;

	while (!atomic_load(&w->quit)) {
		fds[0] = (struct pollfd){ .fd = w->pipe_r, .events = POLLIN };
		nfds = 1;
		/* Looked at again after each wake-up: fg, bg (SIGCONT). */
		if (input_watch(w->r) && !kicking) {
			fds[1] = (struct pollfd){ .fd = STDIN_FILENO,
						  .events = POLLIN | POLLRDHUP };
			nfds = 2;
		}
		if (poll(fds, nfds, kicking ? KICK_MS : -1) < 0) {
			if (errno != EINTR)
				request_stop(STOP_ERROR);
			fds[0].revents = 0;
			nfds = 1;
		}
		if (atomic_load(&w->quit))
			break;
		if (fds[0].revents & POLLIN) {
			while (read(w->pipe_r, buf, sizeof(buf)) > 0)
				;
		}
		if (nfds == 2 && fds[1].revents)
			input_ready(w->r, fds[1].revents);
		if (stopping()) {
			kicking = true;
			pthread_kill(w->main, SIGUSR1);
		}
	}
	return NULL;
}

/*
 * Mode 0.  Without a period, each event is a registration whose ioctl
 * returns it.  With one, the registration's ioctl returns the first event
 * and HWEVENT_IOC_WAIT each later one; firings that come while no WAIT is
 * pending show as "lost".  A signal ends a REGISTER wait and cancels its
 * registration (it is made again), or ends a WAIT and leaves it (closing
 * the file cancels it).
 */
int run_request(struct run *r)
{
	const struct opts *o = r->o;
	struct watcher w = {
		.main = pthread_self(),
		.r = r,
	};
	struct hwevent_register reg;
	struct hwevent_msg msg;
	uint64_t cookie = 0, t0 = 0, id = 0;
	sigset_t set, old;
	pthread_t thread;
	int pipefd[2], ret, status = 0;

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		warn("pipe");
		return -1;
	}
	w.pipe_r = pipefd[0];
	wake_fd = pipefd[1];
	atomic_init(&w.quit, false);

	/* Signals go to the main thread, where they interrupt the ioctl. */
	stop_signals(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ret = pthread_create(&thread, NULL, watch_thread, &w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		warnx("cannot create thread: %s", strerror(ret));
		status = -1;
		goto out;
	}

	while (more(r)) {
		if (!id) {
			t0 = now_ns();
			hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST,
					      o->due_ns, o->period_ns,
					      ++cookie);
			ret = hwevent_register(r->fd, &reg);
			if (!ret) {
				msg = reg.msg;
				if (o->period_ns)
					id = reg.id;
			}
		} else {
			ret = hwevent_wait(r->fd, id, &msg);
		}
		/* Stop, or try again. */
		if (ret == -EINTR)
			continue;
		if (ret) {
			warnx("cannot %s: %s", id ? "wait" : "register",
			      strerror(-ret));
			status = -1;
			break;
		}
		/* The line is written before the next wait, or given up
		 * on a stop: the signal, or the watcher's kick, ends it. */
		if (event_msg(r, &msg, cookie, t0) || out_flush_wait()) {
			status = -1;
			break;
		}
	}

	atomic_store(&w.quit, true);
	/* The watcher sees quit once woken; the pipe cannot be full long. */
	while (write(pipefd[1], "", 1) < 0 && errno == EINTR)
		;
	pthread_join(thread, NULL);
out:
	wake_fd = -1;
	close(pipefd[0]);
	close(pipefd[1]);
	return status;
}

