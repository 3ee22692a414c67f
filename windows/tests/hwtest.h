/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hwtest.exe, the Windows test suite of hwevent: shared helpers.  Each
 * test prints one TAP line; details go to "# " diagnostics.
 */
#ifndef HWEVENT_WINDOWS_HWTEST_H
#define HWEVENT_WINDOWS_HWTEST_H

#include <windows.h>
#include <winioctl.h>
#include <stdint.h>

#include "hwevent.h"

/*
 * The tests, in the order they run (main.c): each reports through ok(),
 * skip(), not_ok() or verdict(), exactly once.
 */
#define HWTEST_LIST(T) \
	T(t_app_help, "event.exe --help prints the usage and exits 0") \
	T(t_app_usage, "event.exe refuses bad arguments with exit status 2") \
	T(t_app_loads, "event.exe loads the driver through the SCM when it is not loaded, and stops and deletes the service on exit") \
	T(t_scm_load, "SCM: CreateService and StartService load the driver; the device opens") \
	T(t_scm_loaded, "SCM: loading again while it runs changes nothing") \
	T(t_app_already, "event.exe leaves an already loaded driver loaded") \
	T(t_app_overlapped, "event.exe --overlapped 4 --count 8 prints 8 events, cookies 1 to 8") \
	T(t_app_eof, "event.exe stops at the end of standard input, exit 0") \
	T(t_info, "IOCTL_HWEVENT_QUERY_INFO: version, limit, reserved 0") \
	T(t_irp_sync, "a synchronous IRP request completes with its message") \
	T(t_irp_timing, "IRP requests of 50, 200 and 1000 ms complete on time (QPC)") \
	T(t_overlapped_order, "8 overlapped requests, submitted longest first, complete in due order") \
	T(t_cancelioex, "CancelIoEx cancels one request: ERROR_OPERATION_ABORTED; the other stays pending") \
	T(t_cancelio, "CancelIo cancels all of the thread's requests") \
	T(t_limit, "a handle takes 64 pending registrations; the 65th gets ERROR_NOT_ENOUGH_QUOTA") \
	T(t_bad_length, "input not sizeof(HWEVENT_REGISTER): ERROR_BAD_LENGTH") \
	T(t_bad_fields, "bad Type, Flags, Reserved, DueTime or Event: ERROR_INVALID_PARAMETER") \
	T(t_bad_output, "IRP request with a short output buffer: ERROR_INSUFFICIENT_BUFFER") \
	T(t_bad_ioctl, "unknown control code: ERROR_INVALID_FUNCTION; bad QUERY_INFO buffers") \
	T(t_close_pending, "closing a handle with 8 requests pending cancels them and frees their records") \
	T(t_cleanup, "IRP_MJ_CLEANUP cancels a closed handle's pending requests, before IRP_MJ_CLOSE") \
	T(t_kill, "a killed process's 8 pending requests are cancelled and their records freed") \
	T(t_exit, "a process exiting with 8 requests pending: cancelled, records freed") \
	T(t_event, "event-based: the driver signals the event after its due time (QPC)") \
	T(t_event_bad_handle, "event-based: a bad or non-event handle gets ERROR_INVALID_HANDLE") \
	T(t_event_close, "event-based: closing the handle cancels the registration") \
	T(t_app_event, "event.exe type 1 prints 2 events") \
	T(t_unload, "SCM: ControlService STOP unloads the driver (after the kills); DeleteService removes it")

#define HWTEST_DECLARE(fn, desc) void fn(const char *name);
HWTEST_LIST(HWTEST_DECLARE)

/* TAP results, and diagnostics; tap_failed counts the not_ok()s. */
extern unsigned int tap_failed;
void ok(const char *name);
void not_ok(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void skip(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Check @cond; on failure remember @what for not_ok(). */
#define CHECK(cond, ...) do { \
		if (!(cond) && !fail_msg[0]) \
			snprintf(fail_msg, sizeof(fail_msg), __VA_ARGS__); \
	} while (0)
extern char fail_msg[512];
/* ok() or not_ok() with the first failed CHECK, then clear it. */
void verdict(const char *name);

/*
 * Under Wine, and the driver refuses the event-based path with
 * ERROR_INVALID_FUNCTION (test_driver.c).
 */
BOOL hwtest_event_path_missing(void);

/* Running under Wine (ntdll exports wine_get_version). */
BOOL under_wine(void);

/* The device: open (FILE_FLAG_OVERLAPPED with @overlapped); or NULL. */
HANDLE dev_open(BOOL overlapped);
/* IOCTL_HWEVENT_QUERY_INFO; FALSE on failure. */
BOOL dev_info(HANDLE dev, HWEVENT_INFO *info);
/* Records, from a fresh handle, once they dropped to @want (10 s). */
UINT64 wait_records(UINT64 want);

/* QueryPerformanceCounter, and counts as milliseconds. */
int64_t qpc(void);
double qpc_ms(int64_t counts);
extern LARGE_INTEGER qpc_freq;

/* A HWEVENT_TYPE_IRP registration due in @ms. */
HWEVENT_REGISTER irp_reg(double ms, UINT64 cookie);

/*
 * DeviceIoControl on @dev; returns 0 or GetLastError().  With @ov, the
 * request may pend: ERROR_IO_PENDING.
 */
DWORD ioctl(HANDLE dev, DWORD code, const void *in, DWORD in_len, void *out,
	    DWORD out_len, DWORD *ret_len, OVERLAPPED *ov);

/* Wait for an overlapped request: its Win32 result (0 on success). */
DWORD ov_wait(HANDLE dev, OVERLAPPED *ov, DWORD timeout_ms);

/*
 * Run "@exe @args" with standard input at its end, its stdout into @out
 * (NUL-terminated), for at most @timeout_ms.  Returns the exit code, or
 * -1 when it could not run or was killed at the timeout.
 */
int run(const wchar_t *exe, const wchar_t *args, char *out, size_t out_len,
	DWORD timeout_ms);

/* The full path of @file beside hwtest.exe (static buffer per call site). */
const wchar_t *beside(const wchar_t *file, wchar_t *buf);

#endif /* HWEVENT_WINDOWS_HWTEST_H */
