// SPDX-License-Identifier: GPL-2.0
/* Helpers of the edu and hotplug suites; see edutest.h. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "edutest.h"
#include "textfile.h"

bool edu_expected(void)
{
	const char *s = getenv("HWEVENT_EDU");

	return s && !strcmp(s, "1");
}

int edu_open(void)
{
	int fd;

	if (!edu_expected() && access(EDU_DEV, F_OK) != 0) {
		hwt_skip("no edu device: HWEVENT_EDU is not 1 and %s does not "
			 "exist (vm/run-in-vm.sh attaches one)", EDU_DEV);
		return -1;
	}
	ck_assert_msg(edu_wait_path(EDU_DEV, true, SOON_MS),
		      "%s did not appear", EDU_DEV);
	fd = open(EDU_DEV, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", EDU_DEV, strerror(errno));
	return fd;
}

int edu_info(int fd, struct hwevent_info *info)
{
	memset(info, 0, sizeof(*info));
	return hwt_ioctl(fd, HWEVENT_IOC_INFO, info);
}

bool edu_wait_path(const char *path, bool present, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	while ((access(path, F_OK) == 0) != present) {
		if (now_ns() >= deadline)
			return false;
		hwt_sleep_ms(5);
	}
	return true;
}

uint64_t edu_proc_interrupts(void)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char line[1024];
	uint64_t sum = 0;
	bool found = false;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, " " EDU_NODE "\n"))
			continue;
		found = true;
		/* One count per CPU, then the chip's name. */
		for (p++;;) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
	}
	fclose(f);
	ck_assert_msg(found, "no %s line in /proc/interrupts", EDU_NODE);
	return sum;
}

int hp_open(void)
{
	const char *tty = getenv("HWEVENT_HOTPLUG_TTY");
	struct termios t;
	char err[128];
	int ch, ret;

	if (!tty || !*tty) {
		hwt_skip("no hotplug channel: HWEVENT_HOTPLUG_TTY is not set "
			 "(vm/run-in-vm.sh sets it)");
		return -1;
	}
	ch = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_msg(ch >= 0, "open %s: %s", tty, strerror(errno));
	ck_assert_int_eq(tcgetattr(ch, &t), 0);
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	ck_assert_int_eq(tcsetattr(ch, TCSANOW, &t), 0);
	tcflush(ch, TCIOFLUSH);
	ret = hp_request(ch, "ping", err, sizeof(err), SOON_MS);
	ck_assert_msg(ret == 0, "the hotplug agent does not answer on %s: %s",
		      tty, err);
	return ch;
}

int hp_request(int ch, const char *req, char *err, size_t errlen,
	       int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	char line[256];
	size_t n = 0;

	snprintf(err, errlen, "no answer in %d ms", timeout_ms);
	if (dprintf(ch, "%s\n", req) < 0) {
		snprintf(err, errlen, "write: %s", strerror(errno));
		return -EIO;
	}
	while (n < sizeof(line) - 1) {
		struct pollfd p = { .fd = ch, .events = POLLIN };
		int64_t left = (int64_t)(deadline - now_ns());
		ssize_t r;

		int pr;

		if (left <= 0)
			return -ETIMEDOUT;
		/* A signal (SIGIO of a removal) must not end the wait. */
		pr = poll(&p, 1, (int)(left / (int64_t)NS_PER_MS) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return -ETIMEDOUT;
		r = read(ch, line + n, 1);
		if (r != 1)
			continue;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (!strcmp(line, "ok"))
		return 0;
	snprintf(err, errlen, "%s", line);
	return -EIO;
}

bool edu_bus_id(char *buf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[512], ids[64];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/modalias",
			 e->d_name);
		if (!read_text(path, ids, sizeof(ids)) &&
		    !strncmp(ids, "pci:v00001234d000011E8", 22)) {
			snprintf(buf, len, "%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

void edu_assert_back(void)
{
	char bus[64], drv[512];

	if (edu_wait_path(EDU_DEV, true, HOTPLUG_MS))
		return;
	if (!edu_bus_id(bus, sizeof(bus)))
		ck_abort_msg("%s did not come back in %d ms: the guest has no edu PCI function",
			     EDU_DEV, HOTPLUG_MS);
	snprintf(drv, sizeof(drv), "/sys/bus/pci/devices/%s/driver", bus);
	ck_abort_msg("%s did not come back in %d ms: PCI function %s is there, %s",
		     EDU_DEV, HOTPLUG_MS, bus, access(drv, F_OK) ?
		     "bound to no driver" : "bound, but no node");
}

void hp_ensure_edu(int ch)
{
	char err[256], bus[64];
	int ret;

	if (access(EDU_DEV, F_OK) == 0)
		return;
	if (edu_bus_id(bus, sizeof(bus))) {
		/* There, but unbound: a failed unbind test left it so. */
		hwt_diag("%s is missing: binding %s again", EDU_DEV, bus);
		ret = write_text(EDU_DRIVER_DIR "/bind", bus);
		ck_assert_msg(ret == 0, "bind %s: %s", bus, strerror(-ret));
		edu_assert_back();
		return;
	}
	hwt_diag("%s is missing: adding %s again", EDU_DEV, EDU_QEMU_ID);
	ret = hp_request(ch, "add " EDU_QEMU_ID " " EDU_QEMU_BUS, err,
			 sizeof(err), HOTPLUG_MS);
	ck_assert_msg(ret == 0 || strstr(err, "Duplicate"),
		      "add %s: %s", EDU_QEMU_ID, err);
	edu_assert_back();
}
