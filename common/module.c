// SPDX-License-Identifier: GPL-2.0
/* Loading, unloading and configuring the hwevent module; see module.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "libhwevent.h"
#include "clock.h"
#include "module.h"
#include "textfile.h"

/* How often device_wait_node() looks for the device node. */
#define NODE_POLL_NS	(10 * NS_PER_MS)

bool module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/" HWEVENT_MODULE_NAME, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

int module_load_fd(int fd, const char *params)
{
	return syscall(SYS_finit_module, fd, params ? params : "", 0) < 0 ?
	       -errno : 0;
}

bool modules_disabled(void)
{
	uint64_t v = 0;

	return !read_u64("/proc/sys/kernel/modules_disabled", &v) && v;
}

bool kernel_locked_down(char *level, size_t size)
{
	char buf[128], *open_br, *close_br;

	/* "none [integrity] confidentiality": the bracketed one is set. */
	if (read_text("/sys/kernel/security/lockdown", buf, sizeof(buf)))
		return false;
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (!close_br || !strncmp(open_br + 1, "none]", 5))
		return false;
	*close_br = '\0';
	snprintf(level, size, "%s", open_br + 1);
	return true;
}

bool have_cap_sys_module(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_MODULE)].effective &
	       CAP_TO_MASK(CAP_SYS_MODULE);
}

int module_load(const char *ko_path, const char *params)
{
	struct stat st;
	int fd, ret;

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
	else
		ret = module_load_fd(fd, params);
	close(fd);
	return ret;
}

int module_unload(void)
{
	if (syscall(SYS_delete_module, HWEVENT_MODULE_NAME, O_NONBLOCK) == 0)
		return 0;
	/*
	 * With O_NONBLOCK the kernel reports a module still in use (an open
	 * file holds a reference) as EWOULDBLOCK; callers are promised EBUSY.
	 */
	return errno == EWOULDBLOCK ? -EBUSY : -errno;
}

static bool node_present(void)
{
	struct stat st;

	return stat(HWEVENT_DEV_PATH, &st) == 0 && S_ISCHR(st.st_mode);
}

int device_wait_node(int timeout_ms)
{
	uint64_t deadline;

	if (timeout_ms < 0)
		return -EINVAL;
	deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	/* Polling is simple and fast enough: the node appears within ms. */
	for (;;) {
		if (node_present())
			return 0;
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		sleep_ns(NODE_POLL_NS);
	}
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

int module_param_read(const char *name, uint64_t *val)
{
	char path[256];
	int ret;

	if (!val)
		return -EINVAL;
	ret = param_path(name, path, sizeof(path));
	return ret ? ret : read_u64(path, val);
}

int module_param_write(const char *name, uint64_t val)
{
	char path[256], buf[32];
	int ret;

	ret = param_path(name, path, sizeof(path));
	if (ret)
		return ret;
	/* sysfs takes the value in a single write and reports errors there. */
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", val);
	return write_text(path, buf);
}
