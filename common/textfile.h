/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole small text files (sysfs, procfs, cgroupfs) for the library's
 * counters, the module helpers, the tests and the benchmark: each call
 * returns 0 or a negative errno, and leaves errno alone only if the
 * caller says so (the library does).  Static inline, so that the library
 * exports none of it.
 */
#ifndef HWEVENT_COMMON_TEXTFILE_H
#define HWEVENT_COMMON_TEXTFILE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Read @path into @buf, NUL-terminated, at most @size - 1 bytes. */
static inline int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Write @s to @path in one write(2), as sysfs and cgroupfs want it. */
static inline int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, s, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* Digits, then at most one newline (as sysfs writes it), then nothing. */
static inline int parse_u64_line(const char *s, uint64_t *val)
{
	uint64_t v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

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

/*
 * The one unsigned decimal number of @path (a sysfs attribute), strictly:
 * -EINVAL for anything else, -ERANGE beyond 64 bits; @val is written
 * only on success.
 */
static inline int read_u64(const char *path, uint64_t *val)
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
		len += (size_t)n;
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

#endif /* HWEVENT_COMMON_TEXTFILE_H */
