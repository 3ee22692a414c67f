// SPDX-License-Identifier: GPL-2.0
/*
 * hwtest.exe: event.exe and the Service Control Manager.  The first three
 * run with no driver loaded; t_scm_load loads it for the tests after it,
 * and t_unload, the last, unloads it.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "hwtest.h"
#include "scm.h"

#define APP_TIMEOUT_MS	20000

static wchar_t event_exe[MAX_PATH];
static char out[8192];

static const wchar_t *app(void)
{
	return event_exe[0] ? event_exe : beside(L"event.exe", event_exe);
}

/* How many lines of @s start with "event ". */
static unsigned int event_lines(const char *s)
{
	unsigned int n = 0;

	for (; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : s)
		n += !strncmp(s, "event ", 6);
	return n;
}

static BOOL service_absent(void)
{
	DWORD state;

	return scm_state(&state) == ERROR_SERVICE_DOES_NOT_EXIST;
}

static BOOL service_running(void)
{
	DWORD state;

	return !scm_state(&state) && state == SERVICE_RUNNING;
}

void t_app_help(const char *name)
{
	int code = run(app(), L"--help", out, sizeof(out), APP_TIMEOUT_MS);

	CHECK(code == 0, "exit status %d", code);
	CHECK(!strncmp(out, "Usage: event", 12), "stdout: '%.40s'", out);
	verdict(name);
}

void t_app_usage(const char *name)
{
	static const wchar_t *const bad[] = {
		L"", L"1", L"x 0", L"1 2", L"0 0", L"-1 0", L"1e3 0",
		L"0.00000001 0", L"86400.1 0", L"1 01", L"1 0 extra",
		L"--count 0 1 0", L"--count x 1 0", L"--count", L"--bogus 1 0",
		L"--overlapped 65 1 0", L"--overlapped 0 1 0",
		L"--overlapped 2 1 1",
	};
	unsigned int i;
	int code;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		code = run(app(), bad[i], out, sizeof(out), APP_TIMEOUT_MS);
		CHECK(code == 2, "'%ls': exit status %d", bad[i], code);
		CHECK(!out[0], "'%ls': stdout '%.40s'", bad[i], out);
	}
	verdict(name);
}

void t_app_loads(const char *name)
{
	int code;

	CHECK(service_absent(), "a hwevent service exists before the test");
	code = run(app(), L"--count 2 0.05 0", out, sizeof(out),
		   APP_TIMEOUT_MS);
	CHECK(code == 0, "exit status %d", code);
	CHECK(event_lines(out) == 2, "%u event lines", event_lines(out));
	CHECK(strstr(out, "event 1: type 0 cookie 1 seq ") == out,
	      "first line '%.60s'", out);
	CHECK(strstr(out, "\nevent 2: type 0 cookie 2 seq "),
	      "no second event line");
	CHECK(service_absent(), "the service is still there after exit");
	verdict(name);
}

void t_scm_load(const char *name)
{
	struct scm_load ld;
	wchar_t sys[MAX_PATH];
	HANDLE dev;
	DWORD err = scm_load(beside(L"hwevent.sys", sys), &ld);

	CHECK(!err, "scm_load: error %lu", err);
	CHECK(ld.created && ld.started, "created %d started %d", ld.created,
	      ld.started);
	CHECK(service_running(), "the service does not run");
	dev = dev_open(FALSE);
	CHECK(dev, "CreateFile(%s): error %lu", HWEVENT_USER_PATH,
	      GetLastError());
	if (dev)
		CloseHandle(dev);
	verdict(name);
}

void t_scm_loaded(const char *name)
{
	struct scm_load ld;
	wchar_t sys[MAX_PATH];
	DWORD err = scm_load(beside(L"hwevent.sys", sys), &ld);

	CHECK(!err, "scm_load: error %lu", err);
	CHECK(!ld.created && !ld.started, "created %d started %d",
	      ld.created, ld.started);
	CHECK(service_running(), "the service does not run");
	verdict(name);
}

void t_app_already(const char *name)
{
	int code = run(app(), L"--count 3 0.02 0", out, sizeof(out),
		       APP_TIMEOUT_MS);

	CHECK(code == 0, "exit status %d", code);
	CHECK(event_lines(out) == 3, "%u event lines", event_lines(out));
	CHECK(service_running(), "the service no longer runs");
	verdict(name);
}

/*
 * Four in flight: the first four are all issued at the start, so they
 * fire within a few ms of each other; one at a time, 300 ms apart.
 */
void t_app_overlapped(const char *name)
{
	double fired[9] = { 0 }, lo = 1e18, hi = 0;
	unsigned long long s, us, seq;
	unsigned int i, cookie;
	const char *p;
	char want[32];
	int code = run(app(), L"--overlapped 4 --count 8 0.3 0", out,
		       sizeof(out), APP_TIMEOUT_MS);

	CHECK(code == 0, "exit status %d", code);
	CHECK(event_lines(out) == 8, "%u event lines", event_lines(out));
	for (i = 1; i <= 8; i++) {
		snprintf(want, sizeof(want), "type 0 cookie %u seq", i);
		CHECK(strstr(out, want), "no event with cookie %u", i);
	}
	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (sscanf(p, "event %*u: type 0 cookie %u seq %llu fired %llu.%llu",
			   &cookie, &seq, &s, &us) == 4 && cookie <= 8)
			fired[cookie] = (double)s + (double)us / 1e6;
	}
	for (i = 1; i <= 4; i++) {
		lo = fired[i] < lo ? fired[i] : lo;
		hi = fired[i] > hi ? fired[i] : hi;
	}
	diag("the first 4 fired within %.3f s", hi - lo);
	CHECK(hi - lo < 0.25, "the first 4 fired %.3f s apart", hi - lo);
	verdict(name);
}

void t_app_eof(const char *name)
{
	int64_t t0 = qpc();
	int code = run(app(), L"0.05 0", out, sizeof(out), APP_TIMEOUT_MS);
	double ms = qpc_ms(qpc() - t0);

	CHECK(code == 0, "exit status %d", code);
	CHECK(ms < 10000, "took %.0f ms", ms);
	CHECK(service_running(), "the service no longer runs");
	verdict(name);
}

void t_app_event(const char *name)
{
	int code = run(app(), L"--count 2 0.05 1", out, sizeof(out),
		       APP_TIMEOUT_MS);

	if (code == 1 && !event_lines(out) && hwtest_event_path_missing()) {
		skip(name, "not runnable under Wine: event.exe exits 1, as the driver cannot reference the app's event (ObReferenceObjectByHandle(UserMode) in winedevice.exe)");
		return;
	}
	CHECK(code == 0, "exit status %d", code);
	CHECK(event_lines(out) == 2, "%u event lines", event_lines(out));
	CHECK(strstr(out, "event 1: type 1 cookie 1 after "),
	      "first line '%.60s'", out);
	verdict(name);
}

void t_unload(const char *name)
{
	DWORD err = scm_stop(10000), state = 0;
	HANDLE dev;

	CHECK(!err, "scm_stop: error %lu", err);
	CHECK(!scm_state(&state) && state == SERVICE_STOPPED,
	      "state %lu after the stop", state);
	err = scm_delete();
	CHECK(!err, "DeleteService: error %lu", err);
	CHECK(service_absent(), "the service is still there");
	dev = dev_open(FALSE);
	CHECK(!dev && GetLastError() == ERROR_FILE_NOT_FOUND,
	      "the device still opens (error %lu)", GetLastError());
	if (dev)
		CloseHandle(dev);
	verdict(name);
}
