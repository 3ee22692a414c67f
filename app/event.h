/* SPDX-License-Identifier: GPL-2.0 */
/*
 * event, the test app: what its files share.
 *
 *   main.c      the command line and the table of modes
 *   signals.c   why and when the program stops: signals, the stop reason
 *   output.c    the event lines on stdout
 *   wait.c      waiting for a descriptor and standard input together
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
};

/* What every mode's loop works with. */
struct run {
	const struct opts *o;
	const struct mode *mode;
	int fd;			/* /dev/hwevent */
	bool watch_stdin;
	bool tty;
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
int setup_signals(void);
/* The signals that stop the program. */
void stop_signals(sigset_t *set);
void block_signals(struct run *r, const sigset_t *set, sigset_t *old);
void take_signals(const struct run *r);
/* Handlers of mode 0's SIGUSR1 and mode 4's SIGIO. */
void on_kick(int sig);
void on_sigio(int sig);

/* ---- output.c ---- */

/* Print a message event as number r->n + 1; 0, or -1 on failure. */
int event_msg(struct run *r, const struct hwevent_msg *msg, uint64_t cookie,
	      uint64_t t0);
/* Print an eventfd's count as event r->n + 1; 0, or -1 on failure. */
int event_count(struct run *r, uint64_t cookie, uint64_t count, uint64_t t0,
		uint64_t t1);

/* ---- wait.c ---- */

void consume_input(bool tty);
int wait_input(const struct run *r, int fd);

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
int open_device(int flags, bool *loaded);
void unload(void);

#endif /* HWEVENT_APP_EVENT_H */
