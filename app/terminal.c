// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal on standard input, when the program watches it: raw
 * (non-canonical, no echo) while the program runs in the foreground, so
 * that any key stops it and is not shown; as it was whenever the program
 * stops, goes to the background, or ends.
 *
 * Job control: Ctrl-Z (SIGTSTP) restores the terminal and then stops the
 * program; SIGCONT (fg or bg) sets it raw again only if the program has
 * the terminal.  A background job that touches its terminal (tcsetattr,
 * read) gets SIGTTOU or SIGTTIN and stops, so in the background the
 * program neither changes nor reads it (wait.c asks term_foreground()).
 *
 * Everything the handlers call is async-signal-safe: tcgetpgrp,
 * tcsetattr, sigaction, sigprocmask, raise.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "event.h"

static struct termios saved_tio, raw_tio;
/* saved_tio holds the terminal's modes; it is raw now. */
static volatile sig_atomic_t have_tty, is_raw;

bool term_foreground(void)
{
	return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* Raw, if in the foreground; never from the background. */
static void go_raw(void)
{
	if (have_tty && !is_raw && term_foreground() &&
	    !tcsetattr(STDIN_FILENO, TCSANOW, &raw_tio))
		is_raw = 1;
}

static void go_cooked(void)
{
	if (is_raw && term_foreground())
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	is_raw = 0;
}

/* fg or bg: raw again if it has the terminal; either way the watchers
 * look again whether to read it. */
static void on_cont(int sig)
{
	int saved_errno = errno;

	(void)sig;
	go_raw();
	wake_watcher();
	errno = saved_errno;
}

/* Ctrl-Z: the terminal as it was, then stop as SIGTSTP would. */
static void on_tstp(int sig)
{
	int saved_errno = errno;
	struct sigaction dfl, mine;
	sigset_t set;

	go_cooked();
	memset(&dfl, 0, sizeof(dfl));
	sigemptyset(&dfl.sa_mask);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, &mine);
	sigemptyset(&set);
	sigaddset(&set, sig);
	/* Blocked while this handler runs: let it in, and stop here. */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	/* Continued (SIGCONT ran on_cont() already). */
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(sig, &mine, NULL);
	go_raw();
	errno = saved_errno;
}

int term_init(void)
{
	struct sigaction sa, old;

	if (tcgetattr(STDIN_FILENO, &saved_tio))
		return -errno;
	raw_tio = saved_tio;
	raw_tio.c_lflag &= ~(ICANON | ECHO);
	raw_tio.c_cc[VMIN] = 1;
	raw_tio.c_cc[VTIME] = 0;
	have_tty = 1;

	/*
	 * SA_RESTART: job control must not end a blocking call; the waits
	 * that are never restarted (ppoll, io_uring_enter) just wait again.
	 */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_cont;
	if (sigaction(SIGCONT, &sa, NULL))
		return -errno;
	/* A SIGTSTP ignored at start stays ignored, as the stop signals. */
	if (sigaction(SIGTSTP, NULL, &old))
		return -errno;
	sa.sa_handler = on_tstp;
	if (old.sa_handler != SIG_IGN && sigaction(SIGTSTP, &sa, NULL))
		return -errno;
	go_raw();
	return 0;
}

void term_restore(void)
{
	go_cooked();
	have_tty = 0;
}
