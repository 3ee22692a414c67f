/* SPDX-License-Identifier: GPL-2.0 */
/*
 * event, the test app: what its files share.
 *
 *   main.c      the command line, the table of modes, main()
 *   signals.c   the stop signals, the stop reason, the signal masks
 *   terminal.c  raw mode on a terminal, and job control
 *   output.c    the event lines on stdout, never written blocking
 *   wait.c      waiting for the device, stdin and stdout together
 *   request.c   mode 0, a pending request (blocking ioctl)
 *   eventfd.c   mode 1, an eventfd
 *   uring.c     mode 2, pending requests through io_uring
 *   queue.c     modes 3 and 4, the event queue with poll(2) or SIGIO
 *   loader.c    opening the device, loading hwevent.ko if need be
 *
 * The <type> argument picks a mode, after the original sample's "event
 * <delay> <0|1>".  Modes 0 and 1 are the driver's HWEVENT_TYPE_REQUEST
 * and HWEVENT_TYPE_EVENTFD; the others are not the driver's types (mode 2
 * registers HWEVENT_TYPE_REQUEST, modes 3 and 4 HWEVENT_TYPE_QUEUE).  So
 * event lines give the driver's type, and how it came ("type 2 via
 * poll"), never the mode's number.
 *
 * Modes 1 to 4 keep the stop signals blocked but in their one wait
 * (ppoll() or io_uring_enter()), which also waits for stdout to take
 * output and for stdin to have input: nothing they do blocks elsewhere,
 * so a stop signal always ends the wait.  Mode 0 blocks in its ioctl with
 * the signals unblocked, and a thread makes sure a stop interrupts it.
 */
#ifndef HWEVENT_APP_EVENT_H
#define HWEVENT_APP_EVENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "libhwevent.h"

#define EXIT_USAGE	2
/* Most io_uring requests in flight: the driver's default max_pending. */
#define INFLIGHT_MAX	1024

/* What the command line asked for. */
struct opts {
	uint64_t due_ns;
	uint64_t period_ns;	/* 0: register again for each event */
	unsigned int mode;	/* index into modes[] */
	unsigned int inflight;	/* mode 2: requests in flight */
	uint64_t count;		/* 0: until stopped */
	char dev_path[48];	/* --device: /dev/hwevent by default */
};

/* What every mode's loop works with. */
struct run {
	const struct opts *o;
	const struct mode *mode;
	int fd;			/* /dev/hwevent */
	bool watch_stdin;	/* a key or the end of input stops it */
	bool tty;		/* stdin is a terminal */
	sigset_t waitmask;	/* modes 1-4: the mask while waiting */
	uint64_t n;		/* events printed */
};

/* One way of learning of an event: a row of modes[], indexed by <type>. */
struct mode {
	const char *what;	/* in the banner */
	uint32_t uapi_type;	/* the HWEVENT_TYPE_* it registers */
	const char *via;	/* in event lines after the type, or NULL */
	int open_flags;		/* for hwevent_open() */
	bool inflight;		/* takes --inflight */
	int (*run)(struct run *r);	/* 0, or -1 on failure */
};

extern const struct mode modes[];
extern const unsigned int nr_modes;

/* ---- signals.c ---- */

/* Why the program stops: one of these or, when > 0, a signal number. */
enum {
	STOP_NONE = 0,
	STOP_INPUT = -1,	/* key pressed, or end of standard input */
	STOP_OUTPUT = -2,	/* the reader of stdout went away */
	STOP_ERROR = -3,	/* the stdin watcher failed */
};

/* Write end of a pipe that wakes mode 0's stdin watcher, or -1. */
extern volatile sig_atomic_t wake_fd;
/* Mode 4: SIGIO arrived, the event queue has records. */
extern volatile sig_atomic_t got_sigio;

void request_stop(int why);
bool stopping(void);
int stop_reason(void);
/* Whether to wait for another event. */
bool more(const struct run *r);
/* Wake mode 0's watcher (async-signal-safe). */
void wake_watcher(void);
/* Handlers of the stop signals, but of those ignored at start. */
int setup_signals(void);
/* The signals that stop the program. */
void stop_signals(sigset_t *set);
void block_signals(struct run *r, const sigset_t *set, sigset_t *old);
void take_signals(const struct run *r);
/* After the cleanup: end as the signal @sig ends a program, for the
 * parent (a shell) to see. */
void die_of_signal(int sig);
/* Handlers of mode 0's SIGUSR1 and mode 4's SIGIO. */
void on_kick(int sig);
void on_sigio(int sig);

/* ---- terminal.c ---- */

/* Standard input is a terminal to watch: set it raw while in the
 * foreground, and handle job control.  0, or -errno. */
int term_init(void);
/* Whether this process group has the terminal. */
bool term_foreground(void);
/* As it was: at exit. */
void term_restore(void);

/* ---- output.c ---- */

/* stdout, private and non-blocking where writes could block; at start. */
void out_init(void);
/* Print a message event as number r->n + 1; 0, or -1 on failure. */
int event_msg(struct run *r, const struct hwevent_msg *msg, uint64_t cookie,
	      uint64_t t0);
/* Print an eventfd's count as event r->n + 1; 0, or -1 on failure. */
int event_count(struct run *r, uint64_t cookie, uint64_t count, uint64_t t0,
		uint64_t t1);
/* The descriptor to wait on for POLLOUT. */
int out_fd(void);
/* Lines wait for stdout; so many that no more events should be taken. */
bool out_pending(void);
bool out_full(void);
/* Write what stdout takes now: 0, or -1 on failure. */
int out_flush_ready(void);
/* Mode 0: write it all, waiting with the stop signals unblocked; gives
 * up when stopping.  0, or -1 on failure. */
int out_flush_wait(void);
/* At the end: write what is left; wait for stdout only when no signal
 * stopped the program. */
void out_drain(void);
/* A message on stderr at the end, dropped if stderr cannot take it. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- wait.c ---- */

/* Whether to watch stdin now (in the background, a terminal is not). */
bool input_watch(const struct run *r);
/* stdin polled with @revents: read what is there, see whether it stops. */
void input_ready(const struct run *r, short revents);
/* Modes 1, 3, 4: wait for @fd (unless -1), stdin and stdout; 1 when @fd
 * is readable, 0 when not, -1 on failure. */
int wait_fd(const struct run *r, int fd);

/* ---- the modes ---- */

int run_request(struct run *r);
int run_eventfd(struct run *r);
int run_uring(struct run *r);
int run_queue(struct run *r);

/* ---- loader.c ---- */

/*
 * Open /dev/hwevent with @flags, loading hwevent.ko from the program's
 * folder if it is absent; *loaded tells whether this program loaded it.
 * The descriptor, or -1 (and a message).
 */
int open_device(const char *path, int flags, bool *loaded);
void print_device(int fd, const char *path);
void unload(void);

#endif /* HWEVENT_APP_EVENT_H */
