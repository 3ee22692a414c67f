// SPDX-License-Identifier: GPL-2.0
/*
 * hwtest.exe: the Windows test suite of hwevent, as TAP on stdout.  Runs
 * under Wine (scripts/wine-suite.sh) and on Windows, as an administrator,
 * from a folder that also holds hwevent.sys and event.exe.  It loads and
 * unloads the driver itself; no hwevent service may exist when it starts.
 *
 *   hwtest.exe                 run the suite
 *   hwtest.exe --only ID...    run the tests named (t_scm_load ...), in
 *                              the suite's order, for debugging
 *   hwtest.exe --child N kill  (for t_kill, t_exit) leave N requests
 *   hwtest.exe --child N exit  pending, say "ready", then wait to be
 *   hwtest.exe --child N wait  killed, exit, or wait for them and say how
 *                              many were aborted and how many refused
 *                              (for trying a stop by hand: docs/windows.md)
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
	const wchar_t *id;
} tests[] = {
#define HWTEST_ENTRY(fn, desc) { fn, desc, L ## #fn },
	HWTEST_LIST(HWTEST_ENTRY)
};

static int child(unsigned int n, const wchar_t *how)
{
	HWEVENT_REGISTER reg[HWEVENT_MAX_PENDING];
	OVERLAPPED ov[HWEVENT_MAX_PENDING];
	HWEVENT_MESSAGE msg[HWEVENT_MAX_PENDING];
	HANDLE dev = dev_open(TRUE);
	unsigned int i, aborted, denied;
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
	if (wcscmp(how, L"wait"))
		Sleep(INFINITE);
	/* A request that reached the driver after the stop is refused. */
	for (i = 0, aborted = 0, denied = 0; i < n; i++) {
		err = ov_wait(dev, &ov[i], 60000);
		if (err == ERROR_OPERATION_ABORTED)
			aborted++;
		else if (err == ERROR_ACCESS_DENIED)
			denied++;
		else
			fprintf(stderr, "hwtest child: request %u: error %lu\n",
				i, err);
	}
	printf("ended %u %u\n", aborted, denied);
	fflush(stdout);
	return 0;
}

int wmain(int argc, wchar_t **argv)
{
	unsigned int i, n = sizeof(tests) / sizeof(tests[0]);
	DWORD state;

	QueryPerformanceFrequency(&qpc_freq);
	if (argc == 4 && !wcscmp(argv[1], L"--child"))
		return child((unsigned int)_wtoi(argv[2]), argv[3]);

	if (argc > 1 && !wcscmp(argv[1], L"--only")) {
		for (i = 0; i < n; i++) {
			for (int a = 2; a < argc; a++)
				if (!wcscmp(argv[a], tests[i].id))
					tests[i].fn(tests[i].name);
		}
		return tap_failed ? 1 : 0;
	}
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
