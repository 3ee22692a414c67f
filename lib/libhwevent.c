// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhwevent: a small C library over the /dev/hwevent uAPI.
 *
 * See libhwevent.h.  Every function returns 0 (or a descriptor) or a
 * negative errno; none keeps state between calls, so all are thread-safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "libhwevent.h"

#define NSEC_PER_SEC	1000000000ULL

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

/* How often hwevent_wait_for_device() looks for the device node. */
#define DEVICE_POLL_NS	(10 * 1000 * 1000)

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

/* Digits, then at most one newline (as sysfs writes it), then nothing. */
static int parse_u64_line(const char *s, uint64_t *val)
{
	uint64_t v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (p == s)
		return -EINVAL;
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*val = v;
	return 0;
}

static int read_u64_file(const char *path, uint64_t *val)
{
	char buf[32];
	size_t len = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One read is enough for sysfs, but do not rely on it. */
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
		if (len == sizeof(buf) - 1) {
			/* Longer than any u64 and its newline. */
			ret = -EINVAL;
			break;
		}
	}
	close(fd);
	if (ret)
		return ret;
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EINVAL;
	return parse_u64_line(buf, val);
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
		ret = read_u64_file(path, files[i].val);
		if (ret)
			return ret;
	}
	/* All or nothing: @c is only written once every file was read. */
	*c = tmp;
	return 0;
}

/* A parameter is one file of HWEVENT_PARAMS_DIR, never a path. */
static int param_path(const char *name, char *path, size_t size)
{
	int n;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	n = snprintf(path, size, "%s/%s", HWEVENT_PARAMS_DIR, name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int hwevent_param_read(const char *name, uint64_t *val)
{
	KEEP_ERRNO;
	char path[256];
	uint64_t v;
	int ret;

	if (!val)
		return -EINVAL;
	ret = param_path(name, path, sizeof(path));
	if (ret)
		return ret;
	ret = read_u64_file(path, &v);
	if (ret)
		return ret;
	*val = v;
	return 0;
}

int hwevent_param_write(const char *name, uint64_t val)
{
	KEEP_ERRNO;
	char path[256], buf[32];
	ssize_t n;
	int fd, len, ret;

	ret = param_path(name, path, sizeof(path));
	if (ret)
		return ret;
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes the value in a single write and reports errors there. */
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if (n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

bool hwevent_module_loaded(void)
{
	KEEP_ERRNO;
	struct stat st;

	return stat("/sys/module/" HWEVENT_MODULE_NAME, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

int hwevent_module_load(const char *ko_path, const char *params)
{
	KEEP_ERRNO;
	struct stat st;
	int fd, ret = 0;

	if (!ko_path)
		return -EINVAL;
	/* O_NONBLOCK only so that a FIFO cannot block the open. */
	fd = open(ko_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (S_ISDIR(st.st_mode))
		ret = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else if (syscall(SYS_finit_module, fd, params ? params : "", 0) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int hwevent_module_unload(void)
{
	KEEP_ERRNO;
	int err;

	if (syscall(SYS_delete_module, HWEVENT_MODULE_NAME, O_NONBLOCK) == 0)
		return 0;
	err = errno;
	/*
	 * With O_NONBLOCK the kernel reports a module still in use (an open
	 * file holds a reference) as EWOULDBLOCK; callers are promised EBUSY.
	 */
	return err == EWOULDBLOCK ? -EBUSY : -err;
}

static bool device_present(void)
{
	struct stat st;

	return stat(HWEVENT_DEV_PATH, &st) == 0 && S_ISCHR(st.st_mode);
}

int hwevent_wait_for_device(int timeout_ms)
{
	KEEP_ERRNO;
	uint64_t deadline;
	struct timespec ts = { 0, DEVICE_POLL_NS };

	if (timeout_ms < 0)
		return -EINVAL;
	deadline = hwevent_now_ns() + (uint64_t)timeout_ms * 1000000;
	/* Polling is simple and fast enough: the node appears within ms. */
	for (;;) {
		if (device_present())
			return 0;
		if (hwevent_now_ns() >= deadline)
			return -ETIMEDOUT;
		/* A signal cuts a sleep short; the deadline still holds. */
		nanosleep(&ts, NULL);
	}
}

int hwevent_parse_seconds(const char *s, uint64_t *ns)
{
	const char *p = s, *int_end, *frac = NULL;
	uint64_t sec = 0, nsec = 0;
	int digits = 0;

	if (!s || !ns)
		return -EINVAL;
	/*
	 * Check the whole syntax first, by hand: strtoull() would take
	 * leading blanks, signs and hex, and a malformed string should be
	 * -EINVAL even when its digits would also overflow.
	 */
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s)
		return -EINVAL;
	int_end = p;
	if (*p == '.') {
		frac = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		digits = p - frac;
		if (digits < 1 || digits > 9)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;

	for (p = s; p < int_end; p++) {
		unsigned int d = *p - '0';

		if (sec > (UINT64_MAX - d) / 10)
			return -ERANGE;
		sec = sec * 10 + d;
	}
	/* "0.25" is 250000000 ns: pad the fraction to 9 digits. */
	for (int i = 0; i < 9; i++)
		nsec = nsec * 10 + (i < digits ? frac[i] - '0' : 0);

	if (sec > UINT64_MAX / NSEC_PER_SEC ||
	    sec * NSEC_PER_SEC > UINT64_MAX - nsec)
		return -ERANGE;
	*ns = sec * NSEC_PER_SEC + nsec;
	return 0;
}

uint64_t hwevent_now_ns(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}
