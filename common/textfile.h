/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole small text files (sysfs, cgroupfs) for the tests and the
 * benchmark: 0 or a negative errno, like the library.
 */
#ifndef HWEVENT_TEXTFILE_H
#define HWEVENT_TEXTFILE_H

#include <errno.h>
#include <fcntl.h>
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
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

#endif /* HWEVENT_TEXTFILE_H */
