/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhwevent: a small C library over the /dev/hwevent uAPI: the device's
 * calls and its counters, nothing else (loading the module is root's
 * business, done with modprobe(8)).
 *
 * Every call returns 0 (or a non-negative value where documented) on
 * success and a negative errno on failure, in the style of liburing; errno
 * itself is left alone.  The library holds no global state and is safe to
 * use from several threads at once.
 */
#ifndef LIBHWEVENT_H
#define LIBHWEVENT_H

#include <stdint.h>
#include <linux/hwevent.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HWEVENT_DEV_PATH	"/dev/" HWEVENT_DEVICE_NAME
/* Counters of the device: one file per counter, each a decimal number. */
#define HWEVENT_COUNTERS_DIR	"/sys/class/misc/" HWEVENT_DEVICE_NAME "/counters"

/* Open /dev/hwevent read-write with O_CLOEXEC (plus @flags, e.g.
 * O_NONBLOCK).  Returns the descriptor or a negative errno. */
int hwevent_open(int flags);

/* HWEVENT_IOC_REGISTER with a caller-built argument; 0 or -errno.  For
 * HWEVENT_TYPE_REQUEST this blocks until the event fires. */
int hwevent_register(int fd, struct hwevent_register *reg);

/* Register an eventfd notification due in @due_ns; the driver adds 1 to
 * @efd when it fires.  Stores the registration id in @id if non-NULL. */
int hwevent_register_eventfd(int fd, int efd, uint64_t due_ns,
			     uint64_t cookie, uint64_t *id);

/* Register a pending request due in @due_ns and wait for it; on success
 * the event is in @msg.  -EINTR when a signal ended the wait (the driver
 * has then cancelled the registration). */
int hwevent_wait_request(int fd, uint64_t due_ns, uint64_t cookie,
			 struct hwevent_msg *msg);

/* Fill @reg for a registration of @type due in @due_ns, repeating every
 * @period_ns if non-zero; the other fields are zeroed. */
void hwevent_register_init(struct hwevent_register *reg, uint32_t type,
			   uint64_t due_ns, uint64_t period_ns,
			   uint64_t cookie);

/* Register a HWEVENT_TYPE_QUEUE notification: each firing appends a record
 * that hwevent_read_msgs() returns.  Stores the id in @id if non-NULL. */
int hwevent_register_queue(int fd, uint64_t due_ns, uint64_t period_ns,
			   uint64_t cookie, uint64_t *id);

/* Read up to @n queued records into @msgs: returns how many (at least 1),
 * -EAGAIN on an empty queue with O_NONBLOCK, -EINTR on a signal. */
int hwevent_read_msgs(int fd, struct hwevent_msg *msgs, unsigned int n);

/* Cancel registration @id of this open file (HWEVENT_IOC_CANCEL);
 * -ENOENT when it is not pending. */
int hwevent_cancel(int fd, uint64_t id);

/* Wait for the next firing of the periodic REQUEST registration @id
 * (HWEVENT_IOC_WAIT); the event is in @msg. */
int hwevent_wait(int fd, uint64_t id, struct hwevent_msg *msg);

/* The device's counters, from HWEVENT_COUNTERS_DIR. */
struct hwevent_counters {
	uint64_t registered;	/* registrations accepted since load */
	uint64_t fired;		/* timer firings (periodic ones fire often) */
	uint64_t cancelled;	/* registrations cancelled before they ended */
	uint64_t pending;	/* registrations neither ended nor cancelled */
	uint64_t lost;		/* events not delivered: full queues, periodic
				 * requests that found none pending, overruns */
};
int hwevent_read_counters(struct hwevent_counters *c);

#ifdef __cplusplus
}
#endif

#endif /* LIBHWEVENT_H */
