// SPDX-License-Identifier: GPL-2.0
/*
 * libfailsubmit.so: preloaded into the event app by the device suite
 * (test_app.c), it makes chosen calls of io_uring_submit() fail without
 * submitting anything, as the kernel does with EAGAIN (no memory for
 * requests just now) or EBUSY (completions to reap first), or with an
 * error that is not transient.
 *
 *   HWEVENT_FAIL_SUBMIT=EAGAIN:1,3   calls 1 and 3 fail with -EAGAIN
 *
 * Every other call is liburing's.  Each failure is said on stderr
 * ("fail_submit: failed call N with -EAGAIN"), so that a test knows the
 * library was in use.  Not built with the sanitizers: it allocates
 * nothing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

static int errno_of(const char *name)
{
	static const struct {
		const char *name;
		int err;
	} names[] = {
		{ "EAGAIN", EAGAIN }, { "EBUSY", EBUSY }, { "EINVAL", EINVAL },
		{ "ENOMEM", ENOMEM },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i].name))
			return names[i].err;
	}
	return 0;
}

/* Whether call @n is one to fail, and with what (0: no). */
static int failure_for(unsigned long n)
{
	const char *spec = getenv("HWEVENT_FAIL_SUBMIT");
	char name[16];
	const char *p;
	size_t len;

	if (!spec || !(p = strchr(spec, ':')))
		return 0;
	len = (size_t)(p - spec);
	if (len >= sizeof(name))
		return 0;
	memcpy(name, spec, len);
	name[len] = '\0';
	while (*p == ':' || *p == ',') {
		char *end;
		unsigned long k = strtoul(p + 1, &end, 10);

		if (end == p + 1)
			return 0;
		if (k == n)
			return errno_of(name);
		p = end;
	}
	return 0;
}

int io_uring_submit(struct io_uring *ring)
{
	static int (*real)(struct io_uring *);
	static unsigned long calls;
	int err;

	if (!real)
		real = (int (*)(struct io_uring *))dlsym(RTLD_NEXT,
							 "io_uring_submit");
	err = failure_for(++calls);
	if (err) {
		fprintf(stderr, "fail_submit: failed call %lu with -%s\n",
			calls, strerrorname_np(err));
		return -err;
	}
	return real ? real(ring) : -ENOSYS;
}
