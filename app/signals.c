// SPDX-License-Identifier: GPL-2.0
/*
 * Why and when event stops: the signals that stop it, the first reason
 * to stop, and the signal masks of the modes that wait with ppoll().
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "event.h"

/* The first reason wins; set from signal handlers and the stdin watcher. */
static atomic_int stop_reason_;
/* Write end of a pipe that wakes the stdin watcher; see wake_watcher(). */
volatile sig_atomic_t wake_fd = -1;
/* Type 4: SIGIO arrived, the event queue has records. */
volatile sig_atomic_t got_sigio;

void request_stop(int why)
{
	int none = STOP_NONE;

	/* Lock-free, so safe in a signal handler. */
	atomic_compare_exchange_strong(&stop_reason_, &none, why);
}

bool stopping(void)
{
	return atomic_load(&stop_reason_) != STOP_NONE;
}

int stop_reason(void)
{
	return atomic_load(&stop_reason_);
}

/* Whether to wait for another event. */
bool more(const struct run *r)
{
	return !stopping() && (!r->o->count || r->n < r->o->count);
}

void wake_watcher(void)
{
	int saved_errno = errno;
	ssize_t n;

	/* Nothing to do if it fails: the pipe is full, a wake-up pending. */
	if (wake_fd >= 0) {
		n = write(wake_fd, "", 1);
		(void)n;
	}
	errno = saved_errno;
}

/* Ctrl-\ (SIGQUIT) too: a stop with the cleanup, not a core dump. */
static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void on_stop_signal(int sig)
{
	request_stop(sig);
	wake_watcher();
}

/* SIGUSR1 only interrupts the main thread's blocking ioctl (EINTR). */
void on_kick(int sig)
{
	(void)sig;
}

/* SIGIO only says so; the main loop reads the queue. */
void on_sigio(int sig)
{
	(void)sig;
	got_sigio = 1;
}

int setup_signals(void)
{
	struct sigaction sa, old;

	/* No SA_RESTART: a signal must end the blocking ioctl with EINTR. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++) {
		if (sigaction(stop_sigs[i], NULL, &old))
			return -errno;
		/*
		 * Ignored at start (nohup, or a background job of a shell
		 * without job control): the caller wants it so, keep it.
		 */
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(stop_sigs[i], &sa, NULL))
			return -errno;
	}
	sa.sa_handler = on_kick;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	/* A closed stdout must not kill us before the module is unloaded. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -errno;
	return 0;
}

void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(set, stop_sigs[i]);
}

/*
 * Modes 1-4 wait in one place, ppoll() or io_uring_enter(), that unblocks
 * the signals of @set atomically: blocked everywhere else, none of them
 * can slip in between a check and the wait.  Saves the old mask in @old.
 */
void block_signals(struct run *r, const sigset_t *set, sigset_t *old)
{
	int sig;

	sigprocmask(SIG_BLOCK, set, old);
	r->waitmask = *old;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(set, sig) == 1)
			sigdelset(&r->waitmask, sig);
	}
}

/*
 * Let the signals that came since the last wait in, and block them again.
 * The waits do it too, but only when they have to wait: under a flood of
 * events they return at once, and the loops call this each round, so
 * that Ctrl-C still stops them.
 */
void take_signals(const struct run *r)
{
	sigset_t cur;

	sigprocmask(SIG_SETMASK, &r->waitmask, &cur);
	sigprocmask(SIG_SETMASK, &cur, NULL);
}

/*
 * A shell learns that its child was stopped by Ctrl-C only if the child
 * dies of SIGINT: a loop of `event 1 0` must stop with it.  So, once
 * everything is cleaned up, the signal gets its default action again and
 * comes back.  SIGQUIT would then dump core; it was a stop like the
 * others, so no core is written.
 */
void die_of_signal(int sig)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction sa;
	sigset_t set;

	if (sig == SIGQUIT)
		setrlimit(RLIMIT_CORE, &no_core);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
