// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for the device (or an eventfd) and standard input together,
 * with the stop signals unblocked only inside the wait.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "event.h"

/* Key presses on a terminal are read, so they do not reach the shell. */
void consume_input(bool tty)
{
	char buf[64];
	ssize_t n;

	/* A failed read still ends the run; nothing else to do. */
	if (tty) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		(void)n;
	}
}

/*
 * Modes 1, 3 and 4: wait until @fd (unless -1) is readable, standard input
 * (when watched) has something, or a signal comes, which the caller has
 * blocked (block_signals()).  Returns 1 when @fd is readable, 0 when not
 * (stopping() tells whether to stop), -1 on failure.
 */
int wait_input(const struct run *r, int fd)
{
	struct pollfd fds[2];
	int stdin_idx = -1;
	nfds_t nfds = 0;

	if (fd >= 0)
		fds[nfds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (r->watch_stdin) {
		stdin_idx = (int)nfds;
		fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO,
					       .events = POLLIN };
	}
	if (ppoll(fds, nfds, NULL, &r->waitmask) < 0) {
		if (errno == EINTR)
			return 0;
		warn("ppoll");
		return -1;
	}
	/* Readable, EOF or hangup: all end the run. */
	if (stdin_idx >= 0 && fds[stdin_idx].revents) {
		consume_input(r->tty);
		request_stop(STOP_INPUT);
	}
	return fd >= 0 && (fds[0].revents & POLLIN);
}

