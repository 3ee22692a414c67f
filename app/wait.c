// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for the device (or an eventfd), standard input and standard
 * output together, with the stop signals unblocked only inside the wait;
 * and reading standard input.
 *
 * Standard input stops the program: on a terminal, any key; otherwise
 * its end (or a hangup).  Whatever comes before the end is read and
 * dropped, so that `tail -f log | event 1 0` runs until tail does.  It
 * is read only as far as FIONREAD says there is something, and through a
 * private non-blocking descriptor where one can be had (a terminal, a
 * pipe): another reader of the same terminal or pipe (`event 1 1 | less`)
 * may take what poll(2) announced, even between FIONREAD and read(2), and
 * a read that blocked here, with the stop signals blocked, would never
 * end.  (O_NONBLOCK on standard input itself would change it for the
 * shell too; termios' VMIN is the terminal's, so the other reader's.)
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"

bool input_watch(const struct run *r)
{
	return r->watch_stdin && (!r->tty || term_foreground());
}

/* Standard input, opened again with O_NONBLOCK where it can be (a
 * terminal or a pipe: a new open file description, only ours); else
 * standard input itself. */
static int input_fd(void)
{
	static int fd = -2;
	struct stat st;

	if (fd == -2) {
		fd = STDIN_FILENO;
		if (!fstat(STDIN_FILENO, &st) &&
		    (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
			int nb = open("/proc/self/fd/0", O_RDONLY | O_NONBLOCK |
				      O_NOCTTY | O_CLOEXEC);

			if (nb >= 0)
				fd = nb;
		}
	}
	return fd;
}

void input_ready(const struct run *r, short revents)
{
	char buf[4096];
	struct stat st;
	int avail, in;
	ssize_t n;

	/* From the background, a read of the terminal would stop us. */
	if (!input_watch(r))
		return;
	in = input_fd();
	if (ioctl(STDIN_FILENO, FIONREAD, &avail) == 0) {
		if (avail > 0) {
			/* EAGAIN: another reader took it meanwhile. */
			n = read(in, buf, (size_t)avail < sizeof(buf) ?
				 (size_t)avail : sizeof(buf));
			if (r->tty && n > 0)
				request_stop(STOP_INPUT);	/* a key */
			return;
		}
		/*
		 * Nothing there: the end of a file, a hangup, a socket's
		 * end (POLLIN with nothing to read); or another reader took
		 * it, and the next poll will say so.
		 */
		if ((revents & (POLLHUP | POLLERR | POLLNVAL | POLLRDHUP)) ||
		    (!fstat(STDIN_FILENO, &st) &&
		     (S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode))))
			request_stop(STOP_INPUT);
		return;
	}
	/* No FIONREAD (/dev/null and other devices): read to see. */
	n = read(in, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		request_stop(STOP_INPUT);
}

int wait_fd(const struct run *r, int fd)
{
	struct pollfd fds[3];
	int in_idx = -1, out_idx = -1;
	nfds_t nfds = 0;

	if (fd >= 0)
		fds[nfds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (input_watch(r)) {
		in_idx = (int)nfds;
		fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO,
					       .events = POLLIN | POLLRDHUP };
	}
	if (out_pending()) {
		out_idx = (int)nfds;
		fds[nfds++] = (struct pollfd){ .fd = out_fd(),
					       .events = POLLOUT };
	}
	if (ppoll(fds, nfds, NULL, &r->waitmask) < 0) {
		if (errno == EINTR)
			return 0;
		warn("ppoll");
		return -1;
	}
	if (in_idx >= 0 && fds[in_idx].revents)
		input_ready(r, fds[in_idx].revents);
	if (out_idx >= 0 && fds[out_idx].revents && out_flush_ready())
		return -1;
	return fd >= 0 && (fds[0].revents & POLLIN);
}
