// SPDX-License-Identifier: GPL-2.0
/*
 * Loading hwevent.ko from the program's own folder when the device is
 * absent, as the original's event.exe installs its driver through the
 * service control manager, and unloading it again on exit.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "module.h"

/* How long to wait for /dev/hwevent after loading the module. */
#define DEVICE_TIMEOUT_MS	5000

static int ko_path(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t len;
	char *slash;
	int n;

	len = readlink("/proc/self/exe", exe, sizeof(exe));
	if (len < 0)
		return -errno;
	if ((size_t)len >= sizeof(exe))
		return -ENAMETOOLONG;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	n = snprintf(buf, size, "%s/%s.ko", exe, HWEVENT_MODULE_NAME);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

void unload(void)
{
	int ret = module_unload();

	if (!ret)
		warnx("unloaded %s", HWEVENT_MODULE_NAME);
	else if (ret == -EBUSY)
		warnx("left %s loaded: still in use", HWEVENT_MODULE_NAME);
	else
		warnx("cannot unload %s: %s", HWEVENT_MODULE_NAME,
		      strerror(-ret));
}

int ensure_driver(bool *loaded)
{
	char ko[PATH_MAX + 16];
	int ret;

	*loaded = false;
	if (access(HWEVENT_DEV_PATH, F_OK) == 0)
		return 0;
	if (!module_loaded()) {
		ret = ko_path(ko, sizeof(ko));
		if (ret) {
			warnx("cannot find the program's directory: %s",
			      strerror(-ret));
			return -1;
		}
		ret = module_load(ko, NULL);
		switch (ret) {
		case 0:
			*loaded = true;
			warnx("loaded %s", ko);
			break;
		case -EEXIST:
			/* Someone else loaded it meanwhile: theirs to keep. */
			break;
		case -ENOENT:
			warnx("%s does not exist and module file %s is missing",
			      HWEVENT_DEV_PATH, ko);
			return -1;
		case -EPERM:
			warnx("cannot load %s: %s: needs root (CAP_SYS_MODULE)",
			      ko, strerror(-ret));
			return -1;
		case -ENOEXEC:
			warnx("cannot load %s: %s: built for another kernel?",
			      ko, strerror(-ret));
			return -1;
		case -ENOSYS:
			warnx("cannot load %s: kernel without module support",
			      ko);
			return -1;
		default:
			warnx("cannot load %s: %s", ko, strerror(-ret));
			return -1;
		}
	}
	if (device_wait_node(DEVICE_TIMEOUT_MS)) {
		warnx("%s did not appear within %d s", HWEVENT_DEV_PATH,
		      DEVICE_TIMEOUT_MS / 1000);
		if (*loaded)
			unload();
		*loaded = false;
		return -1;
	}
	return 0;
}

