// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhwevent: a small C library over the /dev/hwevent uAPI.
 *
 * See libhwevent.h.  Every function returns 0 (or a descriptor) or a
 * negative errno; none keeps state between calls, so all are thread-safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libhwevent.h"
/* Static inline helpers shared with the tests; none is exported. */
#include "textfile.h"

/*
 * Errors are returned, so errno is left as the caller had it: each public
 * function that makes system calls starts with KEEP_ERRNO, which restores
 * errno on return (after the return value was computed from it).
 */
static inline void restore_errno(const int *saved)
{
	errno = *saved;
}
#define KEEP_ERRNO							\
	const int saved_errno_						\
		__attribute__((cleanup(restore_errno), unused)) = errno

/*
 * Flags hwevent_open() passes on.  Anything else (O_CREAT, O_TRUNC, an
 * access mode, ...) makes no sense for a device node, and O_CREAT would
 * even create a regular file at /dev/hwevent when the driver is absent.
 */
#define OPEN_FLAGS_OK	(O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)

int hwevent_open(int flags)
{
	KEEP_ERRNO;
	int fd;

	if (flags & ~OPEN_FLAGS_OK)
		return -EINVAL;
	fd = open(HWEVENT_DEV_PATH, O_RDWR | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

void hwevent_register_init(struct hwevent_register *reg, uint32_t type,
			   uint64_t due_ns, uint64_t period_ns,
			   uint64_t cookie)
{
	if (!reg)
		return;
	memset(reg, 0, sizeof(*reg));
	reg->type = type;
	reg->due_ns = due_ns;
	reg->period_ns = period_ns;
	reg->cookie = cookie;
}

int hwevent_register(int fd, struct hwevent_register *reg)
{
	KEEP_ERRNO;

	if (!reg)
		return -EINVAL;
	return ioctl(fd, HWEVENT_IOC_REGISTER, reg) < 0 ? -errno : 0;
}

int hwevent_register_eventfd(int fd, int efd, uint64_t due_ns,
			     uint64_t cookie, uint64_t *id)
{
	KEEP_ERRNO;
	struct hwevent_register reg;
	int ret;

	hwevent_register_init(&reg, HWEVENT_TYPE_EVENTFD, due_ns, 0, cookie);
	reg.eventfd = efd;
	ret = hwevent_register(fd, &reg);
	if (!ret && id)
		*id = reg.id;
	return ret;
}

int hwevent_wait_request(int fd, uint64_t due_ns, uint64_t cookie,
			 struct hwevent_msg *msg)
{
	KEEP_ERRNO;
	struct hwevent_register reg;
	int ret;

	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, due_ns, 0, cookie);
	ret = hwevent_register(fd, &reg);
	if (!ret && msg)
		*msg = reg.msg;
	return ret;
}

int hwevent_register_queue(int fd, uint64_t due_ns, uint64_t period_ns,
			   uint64_t cookie, uint64_t *id)
{
	KEEP_ERRNO;
	struct hwevent_register reg;
	int ret;

	hwevent_register_init(&reg, HWEVENT_TYPE_QUEUE, due_ns, period_ns,
			      cookie);
	ret = hwevent_register(fd, &reg);
	if (!ret && id)
		*id = reg.id;
	return ret;
}

int hwevent_read_msgs(int fd, struct hwevent_msg *msgs, unsigned int n)
{
	KEEP_ERRNO;
	const size_t size = sizeof(*msgs);
	size_t max = SSIZE_MAX / size;
	ssize_t len;

	if (!msgs || !n)
		return -EINVAL;
	/* The count must fit both read(2) and the int returned. */
	if (max > INT_MAX)
		max = INT_MAX;
	if (n > max)
		n = max;
	len = read(fd, msgs, n * size);
	if (len < 0)
		return -errno;
	/* The driver returns whole records, at least one, or blocks. */
	if (len == 0 || len % size)
		return -EIO;
	return len / size;
}

int hwevent_cancel(int fd, uint64_t id)
{
	KEEP_ERRNO;
	struct hwevent_cancel arg;

	memset(&arg, 0, sizeof(arg));
	arg.id = id;
	return ioctl(fd, HWEVENT_IOC_CANCEL, &arg) < 0 ? -errno : 0;
}

int hwevent_wait(int fd, uint64_t id, struct hwevent_msg *msg)
{
	KEEP_ERRNO;
	struct hwevent_wait arg;

	memset(&arg, 0, sizeof(arg));
	arg.id = id;
	if (ioctl(fd, HWEVENT_IOC_WAIT, &arg) < 0)
		return -errno;
	if (msg)
		*msg = arg.msg;
	return 0;
}

int hwevent_read_counters(struct hwevent_counters *c)
{
	KEEP_ERRNO;
	struct hwevent_counters tmp;
	const struct {
		const char *name;
		uint64_t *val;
	} files[] = {
		{ "registered", &tmp.registered },
		{ "fired", &tmp.fired },
		{ "cancelled", &tmp.cancelled },
		{ "pending", &tmp.pending },
		{ "lost", &tmp.lost },
	};
	char path[sizeof(HWEVENT_COUNTERS_DIR) + 16];
	size_t i;
	int ret;

	if (!c)
		return -EINVAL;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", HWEVENT_COUNTERS_DIR,
			 files[i].name);
		ret = read_u64(path, files[i].val);
		if (ret)
			return ret;
	}
	/* All or nothing: @c is only written once every file was read. */
	*c = tmp;
	return 0;
}
