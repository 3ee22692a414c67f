// SPDX-License-Identifier: GPL-2.0
/*
 * hwtest.exe: the Windows test suite of hwevent, as TAP on stdout.  Runs
 * under Wine (scripts/wine-suite.sh) and on Windows, as an administrator,
 * from a folder that also holds hwevent.sys and event.exe.  It loads and
 * unloads the driver itself; no hwevent service may exist when it starts.
 *
 *   hwtest.exe                 run the suite
 *   hwtest.exe --child N kill  (for t_kill, t_exit) leave N requests
 *   hwtest.exe --child N exit  pending, say "ready", then wait to be
 *                              killed, or exit
 *
 * Tests that cannot run under Wine say so: "# SKIP not runnable under
 * Wine: <why>", decided from what the driver answered, never assumed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hwtest.h"
#include "scm.h"

static const struct {
	void (*fn)(const char *name);
	const char *name;
} tests[] = {
#define HWTEST_ENTRY(fn, desc) { fn, desc },
	HWTEST_LIST(HWTEST_ENTRY)
};

static int child(unsigned int n, const wchar_t *how)
{
	HWEVENT_REGISTER reg[HWEVENT_MAX_PENDING];
	OVERLAPPED ov[HWEVENT_MAX_PENDING];
	HWEVENT_MESSAGE msg[HWEVENT_MAX_PENDING];
	HANDLE dev = dev_open(TRUE);
	unsigned int i;
	DWORD err;

	if (!dev || n > HWEVENT_MAX_PENDING)
		return 3;
	for (i = 0; i < n; i++) {
		memset(&ov[i], 0, sizeof(ov[i]));
		ov[i].hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
		reg[i] = irp_reg(60000, i + 1);
		err = ioctl(dev, IOCTL_HWEVENT_REGISTER, &reg[i],
			    sizeof(reg[i]), &msg[i], sizeof(msg[i]), NULL,
			    &ov[i]);
		if (err != ERROR_IO_PENDING)
			return 4;
	}
	printf("ready\n");
	fflush(stdout);
	if (!wcscmp(how, L"exit"))
		ExitProcess(0);
	Sleep(INFINITE);
	return 0;
}

int wmain(int argc, wchar_t **argv)
{
	unsigned int i, n = sizeof(tests) / sizeof(tests[0]);
	DWORD state;

	QueryPerformanceFrequency(&qpc_freq);
	if (argc == 4 && !wcscmp(argv[1], L"--child"))
		return child((unsigned int)_wtoi(argv[2]), argv[3]);

	printf("1..%u\n", n);
	diag("hwtest: %s", under_wine() ? "under Wine" : "on Windows");
	if (!scm_state(&state)) {
		diag("a hwevent service exists already (state %lu): removing it",
		     state);
		scm_stop(10000);
		scm_delete();
	}
	for (i = 0; i < n; i++)
		tests[i].fn(tests[i].name);
	return tap_failed ? 1 : 0;
}
