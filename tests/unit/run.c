// SPDX-License-Identifier: GPL-2.0
/* Running a program of the tree as a child process; see unit.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "unit.h"

/* How long a program may run before it is killed and the test fails. */
#define RUN_TIMEOUT_MS	20000

static void drain(int *fd, char *buf, size_t size, size_t *len)
{
	ssize_t n;

	n = read(*fd, buf + *len, size - 1 - *len);
	if (n > 0) {
		*len += n;
		/* Full: keep reading, dropping the excess. */
		if (*len == size - 1)
			*len = size - 2;
		return;
	}
	if (n < 0 && errno == EINTR)
		return;
	close(*fd);
	*fd = -1;
}

void run_prog(const char *path, const char *const *args, struct run *r)
{
	run_prog_flags(path, args, 0, r);
}

void run_prog_flags(const char *path, const char *const *args,
		    unsigned int flags, struct run *r)
{
	const char *argv[16] = { path };
	int out[2], err[2], status;
	size_t outlen = 0, errlen = 0, i;
	uint64_t deadline;
	pid_t pid;

	for (i = 0; args[i]; i++) {
		ck_assert_uint_lt(i + 2, sizeof(argv) / sizeof(argv[0]));
		argv[i + 1] = args[i];
	}
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(err[1], 2) < 0)
			_exit(126);
		if (flags & RUN_CLOSE_STDIN)
			close(0);
		if (flags & RUN_CLOSE_STDOUT)
			close(1);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);

	deadline = now_ns() + RUN_TIMEOUT_MS * NS_PER_MS;
	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd fds[2] = {
			{ .fd = out[0], .events = POLLIN },
			{ .fd = err[0], .events = POLLIN },
		};
		uint64_t now = now_ns();

		if (now >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			ck_abort_msg("%s did not finish within %d ms", path,
				     RUN_TIMEOUT_MS);
		}
		if (poll(fds, 2, (int)((deadline - now) / NS_PER_MS) + 1) < 0)
			continue;
		if (fds[0].revents)
			drain(&out[0], r->out, sizeof(r->out), &outlen);
		if (fds[1].revents)
			drain(&err[0], r->err, sizeof(r->err), &errlen);
	}
	r->out[outlen] = '\0';
	r->err[errlen] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
}
