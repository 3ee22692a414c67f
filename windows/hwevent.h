/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hwevent for Windows: the interface between the WDM driver (hwevent.sys)
 * and its applications, shared by the driver and every user program.
 *
 * A timer in the driver stands in for the device's interrupt.  An
 * application registers with IOCTL_HWEVENT_REGISTER and learns of the
 * event in one of two ways (the original sample's types 0 and 1):
 *
 *   HWEVENT_TYPE_IRP    the request stays pending and completes, with a
 *                       HWEVENT_MESSAGE, when the timer's DPC runs; it may
 *                       be synchronous or OVERLAPPED, several at once;
 *   HWEVENT_TYPE_EVENT  the request completes at once; the DPC signals
 *                       the event object whose handle the application
 *                       passed (KeSetEvent).
 *
 * Layout: fixed-width fields, 64-bit ones 8-byte aligned, no implicit
 * padding, so 32-bit (WOW64) and 64-bit callers share one layout.  Every
 * field marked "must be 0" is checked: anything else fails with
 * STATUS_INVALID_PARAMETER, which keeps those fields free for later use.
 *
 * Include <windows.h> and <winioctl.h> (user mode) or <ntddk.h> (kernel
 * mode) first.
 */
#ifndef HWEVENT_WINDOWS_HWEVENT_H
#define HWEVENT_WINDOWS_HWEVENT_H

/* Names: the NT device, its symbolic link, and the path user mode opens. */
#define HWEVENT_NT_DEVICE_NAME	L"\\Device\\HwEvent"
#define HWEVENT_DOS_DEVICE_NAME	L"\\DosDevices\\HwEvent"
#define HWEVENT_USER_PATH	"\\\\.\\HwEvent"
/* The service event.exe creates, and the driver file next to it. */
#define HWEVENT_SERVICE_NAME	"hwevent"
#define HWEVENT_DRIVER_FILE	"hwevent.sys"

/* Version of this interface, as HWEVENT_INFO.Version reports it. */
#define HWEVENT_INTERFACE_VERSION	1

/* A device type from the range Microsoft leaves to vendors (0x8000+). */
#define FILE_DEVICE_HWEVENT	0x8E7A

/*
 * Register one notification: input a HWEVENT_REGISTER.  Output, for
 * HWEVENT_TYPE_IRP, a HWEVENT_MESSAGE once the event fired; nothing for
 * HWEVENT_TYPE_EVENT.
 *
 * NTSTATUS (and the Win32 error GetLastError() then reports):
 *   STATUS_SUCCESS            HWEVENT_TYPE_EVENT registered; or a
 *                             HWEVENT_TYPE_IRP request fired, its message
 *                             in the output buffer (Information = its size)
 *   STATUS_PENDING            (ERROR_IO_PENDING) an OVERLAPPED
 *                             HWEVENT_TYPE_IRP request waits for its event
 *   STATUS_INFO_LENGTH_MISMATCH (ERROR_BAD_LENGTH) the input is not exactly
 *                             sizeof(HWEVENT_REGISTER)
 *   STATUS_INVALID_PARAMETER  (ERROR_INVALID_PARAMETER) unknown Type; a
 *                             non-zero Flags or Reserved; DueTime out of
 *                             [HWEVENT_DUE_MIN, HWEVENT_DUE_MAX]; Event not
 *                             0 for HWEVENT_TYPE_IRP, or 0 for
 *                             HWEVENT_TYPE_EVENT; an output buffer given
 *                             for HWEVENT_TYPE_EVENT
 *   STATUS_BUFFER_TOO_SMALL   (ERROR_INSUFFICIENT_BUFFER) HWEVENT_TYPE_IRP
 *                             with an output buffer smaller than
 *                             sizeof(HWEVENT_MESSAGE)
 *   STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH (both
 *                             ERROR_INVALID_HANDLE), STATUS_ACCESS_DENIED
 *                             (ERROR_ACCESS_DENIED) Event is not a handle
 *                             of the caller to an event with
 *                             EVENT_MODIFY_STATE access
 *   STATUS_QUOTA_EXCEEDED     (ERROR_NOT_ENOUGH_QUOTA) the handle already
 *                             has HWEVENT_MAX_PENDING registrations whose
 *                             event has not fired; decided before anything
 *                             is allocated
 *   STATUS_INSUFFICIENT_RESOURCES (ERROR_NO_SYSTEM_RESOURCES) the pool, or
 *                             the caller's pool quota, is exhausted
 *   STATUS_CANCELLED          (ERROR_OPERATION_ABORTED) a HWEVENT_TYPE_IRP
 *                             request cancelled: CancelIo, CancelIoEx,
 *                             CancelSynchronousIo, its thread or process
 *                             ended, or its handle was closed
 *   STATUS_DELETE_PENDING     (ERROR_ACCESS_DENIED) the handle is being
 *                             cleaned up (IRP_MJ_CLEANUP has begun), or the
 *                             driver is being unloaded (under Wine, which
 *                             unloads with handles open; opening the device
 *                             then fails the same way)
 */
#define IOCTL_HWEVENT_REGISTER \
	CTL_CODE(FILE_DEVICE_HWEVENT, 0x800, METHOD_BUFFERED, \
		 FILE_READ_DATA | FILE_WRITE_DATA)

/*
 * The driver's state, for diagnostics and tests: no input, output a
 * HWEVENT_INFO.  STATUS_INVALID_PARAMETER when an input buffer is given,
 * STATUS_BUFFER_TOO_SMALL when the output is smaller than HWEVENT_INFO.
 * An unknown control code gets STATUS_INVALID_DEVICE_REQUEST
 * (ERROR_INVALID_FUNCTION).
 */
#define IOCTL_HWEVENT_QUERY_INFO \
	CTL_CODE(FILE_DEVICE_HWEVENT, 0x801, METHOD_BUFFERED, FILE_READ_DATA)

/* HWEVENT_REGISTER.Type: how the driver notifies the application. */
#define HWEVENT_TYPE_IRP	0
#define HWEVENT_TYPE_EVENT	1

/* Bounds of HWEVENT_REGISTER.DueTime, in 100-ns units: 100 ns to 1 day. */
#define HWEVENT_DUE_MIN		1ULL
#define HWEVENT_DUE_MAX		(24ULL * 60 * 60 * 10000000ULL)

/* Most registrations of one handle whose event has not fired yet. */
#define HWEVENT_MAX_PENDING	64

/*
 * HWEVENT_REGISTER - input of IOCTL_HWEVENT_REGISTER
 * @Type:     HWEVENT_TYPE_IRP or HWEVENT_TYPE_EVENT.
 * @Flags:    none defined yet; must be 0.
 * @DueTime:  when the event fires, relative to the call, in 100-ns units
 *            (the unit of KeSetTimer), in [HWEVENT_DUE_MIN, HWEVENT_DUE_MAX].
 *            Always relative: the original's negative values are refused.
 * @Cookie:   any value; returned unchanged in HWEVENT_MESSAGE.Cookie.
 * @Event:    HWEVENT_TYPE_EVENT: a handle, of the calling process, to an
 *            event object with EVENT_MODIFY_STATE access, zero-extended to
 *            64 bits; the driver holds its own reference to the event until
 *            it fires or the registration is cancelled.  Must be 0 for
 *            HWEVENT_TYPE_IRP.
 * @Reserved: must be 0.
 */
typedef struct HWEVENT_REGISTER {
	UINT32 Type;
	UINT32 Flags;
	UINT64 DueTime;
	UINT64 Cookie;
	UINT64 Event;
	UINT64 Reserved[2];
} HWEVENT_REGISTER;

/*
 * HWEVENT_MESSAGE - output of a HWEVENT_TYPE_IRP request that fired
 * @Cookie:       HWEVENT_REGISTER.Cookie, unchanged.
 * @Sequence:     number of this firing among all firings of the device since
 *                it was loaded, counting from 1; every firing of either type
 *                takes one, so gaps show other clients' events.
 * @FiredQpc:     KeQueryPerformanceCounter() when the DPC ran: the clock of
 *                QueryPerformanceCounter() in user mode.
 * @QpcFrequency: its frequency, in counts per second.
 * @Type:         HWEVENT_TYPE_IRP.
 * @Flags:        0.
 * @Reserved:     0.
 */
typedef struct HWEVENT_MESSAGE {
	UINT64 Cookie;
	UINT64 Sequence;
	UINT64 FiredQpc;
	UINT64 QpcFrequency;
	UINT32 Type;
	UINT32 Flags;
	UINT64 Reserved;
} HWEVENT_MESSAGE;

/*
 * HWEVENT_INFO - output of IOCTL_HWEVENT_QUERY_INFO
 * @Version:     HWEVENT_INTERFACE_VERSION.
 * @MaxPending:  HWEVENT_MAX_PENDING.
 * @Records:     registrations the driver holds, device-wide: pending ones,
 *               and finished ones not yet freed (a record is freed at
 *               passive level by the next request on its handle, or when
 *               the handle closes).
 * @Fired:       DPCs that notified an application, since load.
 * @Cancelled:   registrations cancelled before their event fired.
 * @Cleanups:    IRP_MJ_CLEANUP requests seen.
 * @Closes:      IRP_MJ_CLOSE requests seen.
 * @ClosesWithWork: IRP_MJ_CLOSE requests that found a registration of
 *               their handle still pending (Windows never sends one; Wine
 *               does, as it sends no IRP_MJ_CLEANUP).
 * @Reserved:    0.
 */
typedef struct HWEVENT_INFO {
	UINT32 Version;
	UINT32 MaxPending;
	UINT64 Records;
	UINT64 Fired;
	UINT64 Cancelled;
	UINT64 Cleanups;
	UINT64 Closes;
	UINT64 ClosesWithWork;
	UINT64 Reserved[2];
} HWEVENT_INFO;

/* The layout is part of the interface: keep it, for 32 and 64 bits. */
#define HWEVENT_ASSERT_SIZE(t, n) \
	typedef char hwevent_size_##t[sizeof(t) == (n) ? 1 : -1]
HWEVENT_ASSERT_SIZE(HWEVENT_REGISTER, 48);
HWEVENT_ASSERT_SIZE(HWEVENT_MESSAGE, 48);
HWEVENT_ASSERT_SIZE(HWEVENT_INFO, 72);

#endif /* HWEVENT_WINDOWS_HWEVENT_H */
