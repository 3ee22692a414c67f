// SPDX-License-Identifier: GPL-2.0
/*
 * Loading hwevent.sys through the Service Control Manager (see scm.h).
 */
#include <windows.h>
#include <winioctl.h>
#include <wchar.h>

#include "hwevent.h"
#include "scm.h"

#define SERVICE_NAME_W	L"" HWEVENT_SERVICE_NAME
/* How often scm_stop() looks at the service's state. */
#define POLL_MS		20
/*
 * How long scm_load() retries while the database is locked: another
 * service is starting (at boot; or under Wine, the prefix's own drivers
 * when its wineserver has just started).
 */
#define LOCKED_RETRY_MS	30000

DWORD scm_beside_exe(const wchar_t *file, wchar_t *buf, DWORD len)
{
	DWORD n = GetModuleFileNameW(NULL, buf, len);
	wchar_t *slash;

	if (!n || n >= len)
		return n ? ERROR_INSUFFICIENT_BUFFER : GetLastError();
	slash = wcsrchr(buf, L'\\');
	if (!slash)
		return ERROR_BAD_PATHNAME;
	slash[1] = 0;
	if (wcslen(buf) + wcslen(file) >= len)
		return ERROR_INSUFFICIENT_BUFFER;
	wcscat(buf, file);
	return 0;
}

/* Open the service with @access (and the manager, in *@mgr). */
static DWORD open_service(DWORD access, SC_HANDLE *mgr, SC_HANDLE *svc)
{
	DWORD err;

	*mgr = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	if (!*mgr)
		return GetLastError();
	*svc = OpenServiceW(*mgr, SERVICE_NAME_W, access);
	if (!*svc) {
		err = GetLastError();
		CloseServiceHandle(*mgr);
		return err;
	}
	return 0;
}

static void close_service(SC_HANDLE mgr, SC_HANDLE svc)
{
	CloseServiceHandle(svc);
	CloseServiceHandle(mgr);
}

DWORD scm_load(const wchar_t *sys_path, struct scm_load *ld)
{
	SC_HANDLE mgr, svc;
	DWORD err = 0, waited;

	ld->created = FALSE;
	ld->started = FALSE;
	mgr = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	if (!mgr)
		return GetLastError();
	svc = CreateServiceW(mgr, SERVICE_NAME_W, SERVICE_NAME_W,
			     SERVICE_ALL_ACCESS, SERVICE_KERNEL_DRIVER,
			     SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
			     sys_path, NULL, NULL, NULL, NULL, NULL);
	if (svc) {
		ld->created = TRUE;
	} else {
		err = GetLastError();
		if (err != ERROR_SERVICE_EXISTS)
			goto out;
		err = 0;
		svc = OpenServiceW(mgr, SERVICE_NAME_W, SERVICE_ALL_ACCESS);
		if (!svc) {
			err = GetLastError();
			goto out;
		}
	}
	for (waited = 0;; waited += POLL_MS * 5) {
		if (StartServiceW(svc, 0, NULL)) {
			ld->started = TRUE;
			err = 0;
			break;
		}
		err = GetLastError();
		if (err != ERROR_SERVICE_DATABASE_LOCKED ||
		    waited >= LOCKED_RETRY_MS)
			break;
		Sleep(POLL_MS * 5);
	}
	if (err == ERROR_SERVICE_ALREADY_RUNNING)
		err = 0;
	if (err && ld->created) {
		DeleteService(svc);
		ld->created = FALSE;
	}
	CloseServiceHandle(svc);
out:
	CloseServiceHandle(mgr);
	return err;
}

DWORD scm_unload(const struct scm_load *ld)
{
	DWORD err = 0, e;

	if (ld->started) {
		err = scm_stop(10000);
		if (err == ERROR_SERVICE_NOT_ACTIVE)
			err = 0;
	}
	if (ld->created) {
		e = scm_delete();
		if (!err)
			err = e;
	}
	return err;
}

DWORD scm_stop(DWORD timeout_ms)
{
	SERVICE_STATUS st;
	SC_HANDLE mgr, svc;
	DWORD err, waited = 0;

	err = open_service(SERVICE_STOP | SERVICE_QUERY_STATUS, &mgr, &svc);
	if (err)
		return err;
	if (!ControlService(svc, SERVICE_CONTROL_STOP, &st)) {
		err = GetLastError();
		goto out;
	}
	while (st.dwCurrentState != SERVICE_STOPPED) {
		if (waited >= timeout_ms) {
			err = ERROR_SERVICE_REQUEST_TIMEOUT;
			goto out;
		}
		Sleep(POLL_MS);
		waited += POLL_MS;
		if (!QueryServiceStatus(svc, &st)) {
			err = GetLastError();
			goto out;
		}
	}
out:
	close_service(mgr, svc);
	return err;
}

DWORD scm_delete(void)
{
	SC_HANDLE mgr, svc;
	DWORD err;

	err = open_service(DELETE, &mgr, &svc);
	if (err)
		return err;
	if (!DeleteService(svc))
		err = GetLastError();
	close_service(mgr, svc);
	return err;
}

DWORD scm_state(DWORD *state)
{
	SERVICE_STATUS st;
	SC_HANDLE mgr, svc;
	DWORD err;

	err = open_service(SERVICE_QUERY_STATUS, &mgr, &svc);
	if (err)
		return err;
	if (QueryServiceStatus(svc, &st))
		*state = st.dwCurrentState;
	else
		err = GetLastError();
	close_service(mgr, svc);
	return err;
}
