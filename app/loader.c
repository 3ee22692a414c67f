// SPDX-License-Identifier: GPL-2.0
/*
 * Opening the device, and loading hwevent.ko from the program's own
 * folder when it is absent (or, installed from a package, with
 * modprobe(8)), as the original's event.exe installs its
 * driver through the service control manager; unloading it again on
 * exit if this program loaded it.
 *
 * What decides is the result of open(2), not a look at /dev or
 * /sys/module first: another instance may load or unload the module in
 * between, and a node left behind in /dev (ENODEV, ENXIO) is not a
 * device.  So: open; when the device is absent, load the module (EEXIST:
 * someone else did, theirs to unload), wait for the node while trying to
 * open it, and start again if the module went away meanwhile, a bounded
 * number of times.
 *
 * The program may run with root's rights for a user (a sudoers rule), so
 * it loads a file only if the file and its folder are root's and nobody
 * else may write to them: otherwise whoever can write there could have
 * the kernel run their code.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"
#include "module.h"

/* How long to wait for /dev/hwevent after loading the module. */
#define DEVICE_TIMEOUT_MS	5000
/* How often to try open(2) meanwhile. */
#define OPEN_POLL_NS		(10 * NS_PER_MS)
/* How long a module that is not (or no more) there may take to show. */
#define SHOW_NS			(100 * NS_PER_MS)
/* Loads to try: more means other instances keep unloading it. */
#define LOAD_TRIES		5

/* What open(2) says of a device that is not there. */
static bool absent(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO;
}

/* The program's folder, from /proc/self/exe. */
static int exe_dir(char *buf, size_t size)
{
	ssize_t len;
	char *slash;

	len = readlink("/proc/self/exe", buf, size);
	if (len < 0)
		return -errno;
	if ((size_t)len >= size)
		return -ENAMETOOLONG;
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	return 0;
}

/* Root's, and nobody else may write to it; else why not. */
static const char *untrusted(const struct stat *st)
{
	if (st->st_uid != 0)
		return "not root's";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	return NULL;
}

/*
 * Open @dir/hwevent.ko for loading if it can be trusted, and say why not
 * otherwise (-1); -ENOENT, silently, if there is none.  The checks are
 * made on what was opened: a name swapped after them is not loaded.
 */
static int open_module_file(const char *dir, const char *ko)
{
	const char *why = NULL;
	struct stat st;
	int dfd, fd;

	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		warn("cannot open the program's folder %s", dir);
		return -1;
	}
	if (fstat(dfd, &st))
		why = strerror(errno);
	else
		why = untrusted(&st);
	if (why) {
		warnx("not loading %s: its folder %s is %s", ko, dir, why);
		close(dfd);
		return -1;
	}
	/* O_NONBLOCK only so that a FIFO cannot block the open. */
	fd = openat(dfd, HWEVENT_MODULE_NAME ".ko", O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW | O_NONBLOCK);
	close(dfd);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;		/* the caller tries modprobe(8) */
	if (fd < 0 && errno == ELOOP) {
		warnx("not loading %s: it is a symbolic link", ko);
		return -1;
	}
	if (fd < 0) {
		warn("cannot open %s", ko);
		return -1;
	}
	if (fstat(fd, &st))
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else
		why = untrusted(&st);
	if (why) {
		warnx("not loading %s: it is %s", ko, why);
		close(fd);
		return -1;
	}
	return fd;
}

/* What a failed finit_module(2) means, in words. */
static void load_failed(const char *ko, int err)
{
	char level[32];

	switch (err) {
	case -ENOENT:
		/* The file was open: a symbol of the module is missing. */
		warnx("cannot load %s: it needs a symbol this kernel does not "
		      "have (unknown symbol: see dmesg)", ko);
		break;
	case -EPERM:
		if (modules_disabled())
			warnx("cannot load %s: module loading is disabled "
			      "(kernel.modules_disabled=1)", ko);
		else if (kernel_locked_down(level, sizeof(level)))
			warnx("cannot load %s: the kernel is locked down (%s, "
			      "as under Secure Boot) and takes signed modules "
			      "only", ko, level);
		else if (!have_cap_sys_module())
			warnx("cannot load %s: needs root (CAP_SYS_MODULE)",
			      ko);
		else
			warnx("cannot load %s: %s (see dmesg)", ko,
			      strerror(-err));
		break;
	case -ENOEXEC:
		warnx("cannot load %s: %s: built for another kernel? (see "
		      "dmesg)", ko, strerror(-err));
		break;
	case -EKEYREJECTED:
	case -EBADMSG:
		warnx("cannot load %s: the kernel rejected its signature (see "
		      "dmesg)", ko);
		break;
	case -ENOSYS:
		warnx("cannot load %s: kernel without module support", ko);
		break;
	default:
		warnx("cannot load %s: %s (see dmesg)", ko, strerror(-err));
		break;
	}
}

/*
 * No hwevent.ko beside the program: it was installed from a package, and
 * the module lives under /lib/modules, where DKMS put it.  modprobe(8)
 * finds it there, with its options from modprobe.d.  Run by its full path
 * with a fixed PATH: the program may run with root's rights for a user.
 * @path is the node that was missing, for the messages.
 * 0 if the module is loaded now (*@loaded if it was not before), or -1.
 */
static int modprobe(const char *path, const char *ko, bool *loaded)
{
	static const char *const paths[] = {
		"/usr/sbin/modprobe", "/sbin/modprobe",
	};
	char *argv[] = { "modprobe", HWEVENT_MODULE_NAME, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	bool before = module_loaded();
	const char *prog = NULL;
	int status, ret;
	pid_t pid;

#ifdef HWEVENT_NO_MODPROBE
	/* The tests' build (Makefile): the file or nothing. */
	warnx("%s does not exist and module file %s is missing", path, ko);
	return -1;
#endif

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!access(paths[i], X_OK)) {
			prog = paths[i];
			break;
		}
	}
	if (!prog) {
		warnx("%s does not exist, module file %s is missing, and "
		      "there is no modprobe(8) to load an installed one",
		      path, ko);
		return -1;
	}
	ret = posix_spawn(&pid, prog, NULL, NULL, argv, envp);
	if (ret) {
		warnx("cannot run %s: %s", prog, strerror(ret));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			warn("waitpid for %s", prog);
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		warnx("%s does not exist, module file %s is missing, and "
		      "\"modprobe %s\" failed (installed with DKMS for this "
		      "kernel?)", path, ko, HWEVENT_MODULE_NAME);
		return -1;
	}
	if (!before && module_loaded()) {
		*loaded = true;
		warnx("loaded %s with modprobe", HWEVENT_MODULE_NAME);
	}
	return 0;
}

/*
 * Load hwevent.ko from the program's folder, or else the installed one:
 * 0 (also EEXIST), or -1.
 */
static int load(const char *path, bool *loaded)
{
	char dir[PATH_MAX], ko[PATH_MAX + 16];
	int fd, ret;

	ret = exe_dir(dir, sizeof(dir));
	if (ret) {
		warnx("cannot find the program's directory: %s",
		      strerror(-ret));
		return -1;
	}
	snprintf(ko, sizeof(ko), "%s/%s.ko", dir, HWEVENT_MODULE_NAME);
	fd = open_module_file(dir, ko);
	if (fd == -ENOENT)
		return modprobe(path, ko, loaded);
	if (fd < 0)
		return -1;
	ret = module_load_fd(fd, NULL);
	close(fd);
	/*
	 * EEXIST: someone else's, theirs to unload.  EBUSY: another load or
	 * an unload of it is under way (since 6.1 the kernel does not wait
	 * for a load that fails, or for an unload): wait and see.
	 */
	if (ret == -EEXIST || ret == -EBUSY)
		return 0;
	if (ret) {
		load_failed(ko, ret);
		return -1;
	}
	*loaded = true;
	warnx("loaded %s", ko);
	return 0;
}

void unload(void)
{
	int ret = module_unload();

	/* At the end: stderr may be stalled too (note()). */
	if (!ret)
		note("unloaded %s", HWEVENT_MODULE_NAME);
	else if (ret == -EBUSY)
		note("left %s loaded: still in use", HWEVENT_MODULE_NAME);
	else
		note("cannot unload %s: %s", HWEVENT_MODULE_NAME,
		     strerror(-ret));
}

/* open(2) of the device node @path, as hwevent_open() opens /dev/hwevent. */
static int open_node(const char *path, int flags)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | flags);

	return fd < 0 ? -errno : fd;
}

int open_device(const char *path, int flags, bool *loaded)
{
	bool edu = strcmp(path, HWEVENT_DEV_PATH);
	uint64_t start, deadline;
	int fd, tries;

	*loaded = false;
	fd = open_node(path, flags);
	for (tries = 0; fd < 0 && absent(fd) && tries < LOAD_TRIES; tries++) {
		if (load(path, loaded))
			break;
		/*
		 * udev or devtmpfs make the node a little after the load.
		 * A module that is not there (after EBUSY) or no more there
		 * (another instance unloaded it): load it again.
		 */
		start = now_ns();
		deadline = start + DEVICE_TIMEOUT_MS * NS_PER_MS;
		while ((fd = open_node(path, flags)) < 0 && absent(fd) &&
		       (module_loaded() || now_ns() < start + SHOW_NS) &&
		       now_ns() < deadline)
			sleep_ns(OPEN_POLL_NS);
		/* Still absent with the module there: no node will come. */
		if (fd < 0 && absent(fd) && module_loaded()) {
			warnx("%s did not appear within %d s%s", path,
			      DEVICE_TIMEOUT_MS / 1000,
			      edu ? ": no such edu device bound to hwevent" :
			      "");
			break;
		}
		/* Unloaded meanwhile by another instance: load it again. */
	}
	if (fd >= 0)
		return fd;
	if (!absent(fd))
		warnx("cannot open %s: %s", path, strerror(-fd));
	else if (tries == LOAD_TRIES)
		warnx("cannot open %s: the module was unloaded %d times while "
		      "starting", path, LOAD_TRIES);
	if (*loaded)
		unload();
	*loaded = false;
	return -1;
}

/*
 * What an edu node is (HWEVENT_IOC_INFO), on stderr: the PCI device and
 * how it interrupts.  Nothing for /dev/hwevent, the timer.
 */
void print_device(int fd, const char *path)
{
	struct hwevent_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, HWEVENT_IOC_INFO, &info)) {
		warn("%s: HWEVENT_IOC_INFO", path);
		return;
	}
	if (info.source != HWEVENT_SOURCE_EDU)
		return;
	info.bus_id[sizeof(info.bus_id) - 1] = '\0';
	warnx("%s: edu device %04x:%04x at %s, id %#010x, %s interrupt, "
	      "events from the %s handler", path, info.vendor, info.device,
	      info.bus_id, info.hw_version,
	      info.irq_mode == HWEVENT_IRQ_MSI ? "MSI" :
	      info.irq_mode == HWEVENT_IRQ_INTX ? "INTx" : "no",
	      info.flags & HWEVENT_INFO_IRQ_THREAD ? "threaded" : "hard");
}
