/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading hwevent.sys through the Service Control Manager, as the
 * original's event.exe does: shared by event.exe and the test program.
 * Every function returns 0 or a Win32 error code.
 */
#ifndef HWEVENT_WINDOWS_SCM_H
#define HWEVENT_WINDOWS_SCM_H

#include <windows.h>

/* What scm_load() did, so that scm_unload() undoes exactly that. */
struct scm_load {
	BOOL created;	/* it created the service */
	BOOL started;	/* it started the service */
};

/* The absolute path of @file in the folder of the running program. */
DWORD scm_beside_exe(const wchar_t *file, wchar_t *buf, DWORD len);

/*
 * Start the kernel driver service HWEVENT_SERVICE_NAME for the driver
 * file @sys_path, creating the service if it does not exist.  A service
 * that already runs is left alone (nothing to undo).
 */
DWORD scm_load(const wchar_t *sys_path, struct scm_load *ld);

/* Stop the service if scm_load() started it; delete it if it created it. */
DWORD scm_unload(const struct scm_load *ld);

/*
 * Stop the service (ControlService SERVICE_CONTROL_STOP, which calls
 * DriverUnload) and wait up to @timeout_ms for SERVICE_STOPPED.
 * ERROR_SERVICE_NOT_ACTIVE if it was not running.
 */
DWORD scm_stop(DWORD timeout_ms);

/* Delete the service; ERROR_SERVICE_DOES_NOT_EXIST if there is none. */
DWORD scm_delete(void);

/* The service's SERVICE_* state; ERROR_SERVICE_DOES_NOT_EXIST if none. */
DWORD scm_state(DWORD *state);

#endif /* HWEVENT_WINDOWS_SCM_H */
