// SPDX-License-Identifier: GPL-2.0
/*
 * Memory accounting: the driver allocates registrations with
 * GFP_KERNEL_ACCOUNT, so they are charged to the memory cgroup of the
 * process that registers.  A child moves itself into a fresh cgroup v2
 * child group and registers a few thousand long-due notifications; the
 * group's memory.current (and the slab figure of memory.stat) must grow
 * by at least a conservative size per registration, and its reclaimable
 * slab by the xarray nodes that hold the ids.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"

#include "textfile.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MEMCG_FILES	4
#define MEMCG_REGS	(MEMCG_FILES * DEFAULT_MAX_PENDING)
/* Far less than a registration really takes (an hrtimer alone is 64). */
#define MEMCG_MIN_BYTES	64

/* Whether the blank-separated list @list contains the word @w. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static uint64_t read_current(const char *cg)
{
	char path[PATH_MAX], buf[64];
	int ret;

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	ret = read_text(path, buf, sizeof(buf));
	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	return strtoull(buf, NULL, 10);
}

/* The line @key of memory.stat, or -1 if there is none. */
static int64_t read_stat(const char *cg, const char *key)
{
	char path[PATH_MAX], buf[8192];
	size_t n = strlen(key);
	const char *p;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return (int64_t)strtoull(p + n + 1, NULL, 10);
	return -1;
}

/* The grandchild: joins @cg, registers MEMCG_REGS notifications between
 * two handshakes on @to_parent / @from_parent.  Exit status 0 or a step. */
static void __attribute__((noreturn))
memcg_child(const char *cg, int to_parent, int from_parent)
{
	char path[PATH_MAX];
	int fds[MEMCG_FILES], efd;
	cpu_set_t set;
	char c;
	int cpu = sched_getcpu();

	/* One CPU: the per-CPU charge caches then hold at most one batch. */
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (write_text(path, "0"))
		_exit(20);
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		_exit(21);
	for (int i = 0; i < MEMCG_FILES; i++) {
		fds[i] = hwevent_open(0);
		if (fds[i] < 0)
			_exit(22);
	}
	if (write(to_parent, "a", 1) != 1 || read(from_parent, &c, 1) != 1)
		_exit(23);
	for (int i = 0; i < MEMCG_FILES; i++)
		for (int j = 0; j < DEFAULT_MAX_PENDING; j++)
			if (hwevent_register_eventfd(fds[i], efd, LONG_DUE_NS,
						     0, NULL))
				_exit(24);
	if (write(to_parent, "b", 1) != 1 || read(from_parent, &c, 1) != 1)
		_exit(25);
	for (int i = 0; i < MEMCG_FILES; i++)
		close(fds[i]);
	_exit(0);
}

START_TEST(registrations_charged_to_caller_memcg)
{
	char root[256], cg[512], path[PATH_MAX], buf[512];
	char mnt[] = "/tmp/hwevent-cgroup2-XXXXXX";
	struct hwevent_counters c0;
	uint64_t cur0 = 0, cur1 = 0;
	int64_t slab0 = -1, slab1 = -1, recl0 = -1, recl1 = -1;
	bool mounted = false, enabled = false;
	int up[2], down[2], status, ret;
	struct statfs sfs;
	char c;
	pid_t pid;

	/* Find cgroup v2, mounting it if the system did not. */
	if (statfs("/sys/fs/cgroup", &sfs) == 0 &&
	    sfs.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(root, sizeof(root), "/sys/fs/cgroup");
	} else {
		ck_assert_msg(mkdtemp(mnt) != NULL, "mkdtemp: %s",
			      strerror(errno));
		if (mount("cgroup2", mnt, "cgroup2", 0, NULL) < 0) {
			hwt_skip("cgroup2 not available: mount failed: %s",
				 strerror(errno));
			rmdir(mnt);
			return;
		}
		mounted = true;
		snprintf(root, sizeof(root), "%s", mnt);
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	ret = read_text(path, buf, sizeof(buf));
	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	if (!has_word(buf, "memory")) {
		hwt_skip("memory controller not available in cgroup2 "
			 "(controllers: %s)", buf);
		goto out_umount;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	ret = read_text(path, buf, sizeof(buf));
	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	if (!has_word(buf, "memory")) {
		ret = write_text(path, "+memory");
		ck_assert_msg(ret == 0, "enable memory in %s: %s", path,
			      strerror(-ret));
		enabled = true;
	}
	snprintf(cg, sizeof(cg), "%s/hwevent-test-%d", root, (int)getpid());
	ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno));

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	c0 = hwt_counters();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		memcg_child(cg, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);

	ret = read(up[0], &c, 1) == 1;
	if (ret) {
		cur0 = read_current(cg);
		slab0 = read_stat(cg, "slab");
		recl0 = read_stat(cg, "slab_reclaimable");
		ret = write(down[1], "g", 1) == 1 && read(up[0], &c, 1) == 1;
	}
	if (ret) {
		hwt_assert_delta(&c0, MEMCG_REGS, 0, 0, MEMCG_REGS);
		cur1 = read_current(cg);
		slab1 = read_stat(cg, "slab");
		recl1 = read_stat(cg, "slab_reclaimable");
		ret = write(down[1], "g", 1) == 1;
	}
	close(down[1]);
	close(up[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < 500 && rmdir(cg) < 0 && errno == EBUSY; i++)
		hwt_sleep_ms(10);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child failed: status %#x", status);
	ck_assert(ret);
	hwt_assert_delta(&c0, MEMCG_REGS, 0, MEMCG_REGS, 0);

	hwt_diag("%d registrations: memory.current +%" PRId64 " bytes, "
		 "memory.stat slab %+" PRId64 " bytes, slab_reclaimable %+"
		 PRId64, MEMCG_REGS, (int64_t)(cur1 - cur0),
		 slab0 >= 0 && slab1 >= 0 ? slab1 - slab0 : (int64_t)0,
		 recl1 - recl0);
	ck_assert_msg(cur1 >= cur0 + (uint64_t)MEMCG_REGS * MEMCG_MIN_BYTES,
		      "memory.current of the caller's cgroup grew by %" PRId64
		      " bytes for %d registrations, expected at least %d",
		      (int64_t)(cur1 - cur0), MEMCG_REGS,
		      MEMCG_REGS * MEMCG_MIN_BYTES);
	if (slab0 >= 0 && slab1 >= 0)
		ck_assert_msg(slab1 - slab0 >= (int64_t)MEMCG_REGS * MEMCG_MIN_BYTES,
			      "memory.stat slab of the caller's cgroup grew by %"
			      PRId64 " bytes for %d registrations", slab1 - slab0,
			      MEMCG_REGS);
	/*
	 * The xarray's nodes are charged too: they come from the reclaimable
	 * radix_tree_node cache, which holds nothing else of the child's.
	 * Each file's 1024 ids take 16 leaf nodes of 576 bytes (64 ids each);
	 * ask for a quarter of that.
	 */
	ck_assert_msg(recl0 >= 0 && recl1 >= 0, "no slab_reclaimable in "
		      "memory.stat");
	ck_assert_msg(recl1 - recl0 >= MEMCG_FILES *
		      (DEFAULT_MAX_PENDING / 64) * 576 / 4,
		      "memory.stat slab_reclaimable grew by %" PRId64 " bytes "
		      "for %d registrations: the xarray's nodes are not "
		      "charged", recl1 - recl0, MEMCG_REGS);
	if (enabled)
		write_text(path, "-memory");
	hwt_assert_rest();
out_umount:
	if (mounted) {
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
	}
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(registrations_charged_to_caller_memcg, HWT_LOADED, 180),
};

const struct hwt_suite hwt_suite_memcg = HWT_SUITE("memcg", cases);
