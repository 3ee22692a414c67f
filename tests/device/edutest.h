/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the edu and hotplug suites (test_edu.c, test_hotplug.c):
 * the edu node, its HWEVENT_IOC_INFO, and the channel to the host's
 * hotplug agent (vm/hotplug-agent.py), which removes and adds the edu
 * device through QMP.
 *
 * The test VM (vm/run-in-vm.sh) always has an edu device, "edu0", in root
 * port "rp1", and says so in the environment: HWEVENT_EDU=1, and
 * HWEVENT_HOTPLUG_TTY, the guest's end of the channel.  Where they are
 * unset (a real machine) the suites are skipped, with the reason; where
 * they are set and the device or the channel is missing, they fail.
 *
 * Functions named edu_* and hp_* that do not say otherwise may
 * ck_assert: only in the test's main thread.
 */
#ifndef EDUTEST_H
#define EDUTEST_H

#include "hwtest.h"

#define EDU_NODE	HWEVENT_EDU_NAME_PREFIX "0"
#define EDU_DEV		"/dev/" EDU_NODE
/* The device's QEMU id and the root port it goes back into. */
#define EDU_QEMU_ID	"edu0"
#define EDU_QEMU_BUS	"rp1"
#define EDU_DRIVER_DIR	"/sys/bus/pci/drivers/hwevent-edu"
/*
 * How long the platform may take to carry out a removal or an addition:
 * ACPI's hotplug event, the bus scan and the probe take about 2 s on the
 * debug kernel alone, and five times that with a second VM on the host's
 * two cores.  A bound for a hang, not a speed.
 */
#define HOTPLUG_MS	(6 * SOON_MS)

/* Whether the environment promises an edu device (HWEVENT_EDU=1). */
bool edu_expected(void);
/*
 * Open the edu node: returns the descriptor, or -1 after marking the test
 * skipped when no edu device is expected (the test must then return);
 * fails when one is expected and the node does not open.
 */
int edu_open(void);
/* HWEVENT_IOC_INFO on @fd: 0 or -errno (no asserts). */
int edu_info(int fd, struct hwevent_info *info);
/* Wait up to @timeout_ms for @path to exist (@present) or not. */
bool edu_wait_path(const char *path, bool present, int timeout_ms);
/* The PCI address of the edu device, if there is one (no asserts). */
bool edu_bus_id(char *buf, size_t len);
/*
 * Wait up to HOTPLUG_MS for the edu node to come back; if it does not,
 * fail saying where it stopped: no PCI function (the platform's hotplug
 * event was lost or is late), or a function the driver did not bind.
 */
void edu_assert_back(void);
/* The edu device's interrupts so far, from /proc/interrupts (asserts). */
uint64_t edu_proc_interrupts(void);

/*
 * The hotplug channel: -1 after marking the test skipped when none is
 * expected (no HWEVENT_HOTPLUG_TTY); fails when it does not answer.
 */
int hp_open(void);
/*
 * Send one request ("del edu0", "add edu0 rp1") and wait up to
 * @timeout_ms for the answer: 0 for "ok", else -EIO with the answer in
 * @err (no asserts).
 */
int hp_request(int ch, const char *req, char *err, size_t errlen,
	       int timeout_ms);
/* Make sure the edu device is there and bound, adding it if a failed
 * earlier test left it out (asserts). */
void hp_ensure_edu(int ch);

#endif /* EDUTEST_H */
