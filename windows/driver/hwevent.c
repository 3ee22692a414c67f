// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent.sys: notify an application of (simulated) hardware events.
 *
 * The WDM counterpart of the Linux driver (driver/hwevent.c), after the
 * Hardware Event Sample of the Windows driver samples: a KTIMER and a
 * custom DPC per registration stand in for the device's interrupt; the DPC
 * completes a pending IRP with a HWEVENT_MESSAGE, or signals the event
 * object the application handed in.  The interface is ../hwevent.h.
 *
 * Built with mingw-w64 (windows/windows.mk); runs on Windows and, for its
 * tests, under Wine (docs/windows.md says what each one runs).
 *
 * Objects and their lifetimes
 *
 *   struct hw_device  the device extension.  Lives from DriverEntry to
 *                     DriverUnload.
 *   struct hw_file    one per handle (FILE_OBJECT->FsContext), charged to
 *                     the opener's pool quota.  IRP_MJ_CREATE to
 *                     IRP_MJ_CLOSE.
 *   struct hw_rec     one per registration, charged to the caller's quota,
 *                     with its KTIMER and KDPC.  Listed on its file until
 *                     freed; see "Freeing a record" below.
 *
 * Locking
 *
 *   hw_device.lock, a spin lock, guards every list (the files, each file's
 *   records, the orphans), every record's state, irp and flags, and the
 *   counters of struct hw_file.  It is never held while an IRP completes,
 *   nor around KeCancelTimer: under Wine, KeCancelTimer waits for a
 *   running DPC, which may be spinning on this very lock.  The I/O
 *   manager's cancel spin lock is released first thing in the cancel
 *   routine, so the two are never nested.
 *
 *   hw_file.rundown, a remove lock, is held by every dispatching
 *   IRP_MJ_DEVICE_CONTROL; IRP_MJ_CLEANUP (or IRP_MJ_CLOSE, when no
 *   cleanup came) waits for them to drain and makes later ones fail with
 *   STATUS_DELETE_PENDING.  Pending IRPs do not hold it: their records do
 *   the accounting.
 *
 * A record's states: ARMED (timer set, nothing delivered yet), then FIRED
 * (the DPC claimed it) or CANCELLED (a cancel routine, cleanup, close or
 * unload claimed it).  Whoever moves it out of ARMED, under the lock,
 * decides its fate; the others see the new state and do nothing.  The
 * pending IRP belongs to whoever clears its cancel routine
 * (IoSetCancelRoutine(irp, NULL) != NULL), or else to the cancel routine,
 * which the I/O manager has called or is about to call; rec->irp is set
 * to NULL by the new owner, under the lock.
 *
 * Freeing a record
 *
 *   A record is freed only when it is no longer ARMED, its IRP has left it
 *   (rec->irp == NULL) and its DPC will not touch it again.  That is
 *   decided at passive level (hw_rec_dispose()), by the next request on
 *   its handle, the handle's close, or unload; never inside the DPC on
 *   Wine, whose timer callback writes to the KTIMER after the DPC returns
 *   and whose KTIMER holds a threadpool timer that only KeCancelTimer
 *   closes.  hw_rec_dispose() calls KeCancelTimer: TRUE means the DPC will
 *   never run (Wine returns TRUE for any timer once set, after waiting for
 *   its callback); FALSE means the timer expired and the DPC has run or
 *   is queued (Windows): if the DPC has not run yet, the record is handed
 *   to it (dpc_frees), and the DPC frees it (freeing a KDPC and KTIMER in
 *   their DPC is allowed on Windows).
 *
 *   A record whose IRP's cancel routine is still to run when its handle
 *   closes (only Wine closes a handle with IRPs pending) becomes an
 *   orphan, on hw_device.orphans; the cancel routine frees it.
 *
 *   hw_device.records counts the records allocated; DriverUnload waits for
 *   the last handle to close (hw_device.no_files: Wine unloads with
 *   handles open) and for the count to reach 0 (hw_device.idle), then calls
 *   KeFlushQueuedDpcs so that no DPC still runs the driver's code (Wine's
 *   is a no-op; there, every record went through KeCancelTimer, which
 *   waited).
 */
#include <ntddk.h>

#include "../hwevent.h"

/* "HEvt" in a pool dump; spelled out, as GCC warns of 'tvEH'. */
#define HW_TAG	((ULONG)'H' | (ULONG)'E' << 8 | (ULONG)'v' << 16 | \
		 (ULONG)'t' << 24)

enum hw_state {
	HW_ARMED,
	HW_FIRED,
	HW_CANCELLED,
};

struct hw_device {
	PDEVICE_OBJECT self;
	KSPIN_LOCK lock;
	LIST_ENTRY files;		/* struct hw_file.link */
	LIST_ENTRY orphans;		/* struct hw_rec.link */
	UINT64 seq;			/* last HWEVENT_MESSAGE.Sequence */
	UINT64 fired, cancelled, cleanups, closes, closes_with_work;
	BOOLEAN unloading;		/* no new handles or registrations */
	LONG records;			/* records allocated */
	KEVENT idle;			/* set while records == 0 */
	KEVENT no_files;		/* set while files is empty */
	LARGE_INTEGER qpc_freq;
};

struct hw_file {
	LIST_ENTRY link;		/* on hw_device.files */
	LIST_ENTRY recs;		/* struct hw_rec.link */
	ULONG armed;			/* records in HW_ARMED */
	BOOLEAN run_down;		/* rundown released and waited for */
	IO_REMOVE_LOCK rundown;
};

struct hw_rec {
	LIST_ENTRY link;		/* on its file's recs, or the orphans */
	struct hw_device *dev;
	struct hw_file *file;		/* NULL once an orphan */
	enum hw_state state;
	UINT32 type;
	UINT64 cookie;
	PIRP irp;			/* HWEVENT_TYPE_IRP, until it leaves */
	PKEVENT event;			/* HWEVENT_TYPE_EVENT: our reference */
	BOOLEAN timer_set;		/* KeSetTimer was called */
	BOOLEAN dpc_ran;		/* the DPC took the lock */
	BOOLEAN dpc_frees;		/* hw_rec_dispose() left it to the DPC */
	KTIMER timer;
	KDPC dpc;
};

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD hw_unload;
static DRIVER_DISPATCH hw_create, hw_close, hw_cleanup, hw_ioctl;
static DRIVER_CANCEL hw_cancel;
static KDEFERRED_ROUTINE hw_dpc;

#define hw_dbg(fmt, ...) \
	DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, "hwevent: " fmt, \
		   ##__VA_ARGS__)

static NTSTATUS hw_complete(PIRP irp, NTSTATUS status, ULONG_PTR info)
{
	irp->IoStatus.Status = status;
	irp->IoStatus.Information = info;
	IoCompleteRequest(irp, IO_NO_INCREMENT);
	return status;
}

/* Zeroed pool charged to the current process's quota; NULL on failure. */
static void *hw_alloc_quota(SIZE_T size)
{
	void *p = ExAllocatePoolWithQuotaTag(
		NonPagedPoolNx | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, size, HW_TAG);

	if (p)
		RtlZeroMemory(p, size);
	return p;
}

static void hw_rec_free(struct hw_rec *rec)
{
	struct hw_device *dev = rec->dev;

	KIRQL irql;

	if (rec->event)
		ObDereferenceObject(rec->event);
	ExFreePoolWithTag(rec, HW_TAG);
	KeAcquireSpinLock(&dev->lock, &irql);
	if (--dev->records == 0)
		KeSetEvent(&dev->idle, IO_NO_INCREMENT, FALSE);
	KeReleaseSpinLock(&dev->lock, irql);
}

/*
 * Free @rec, which is on no list, no longer ARMED and has no IRP; or
 * leave it to its DPC, which has yet to run.  No lock held.
 */
static void hw_rec_dispose(struct hw_rec *rec)
{
	struct hw_device *dev = rec->dev;
	KIRQL irql;

	if (rec->timer_set && !KeCancelTimer(&rec->timer)) {
		KeAcquireSpinLock(&dev->lock, &irql);
		if (!rec->dpc_ran) {
			rec->dpc_frees = TRUE;
			KeReleaseSpinLock(&dev->lock, irql);
			return;
		}
		KeReleaseSpinLock(&dev->lock, irql);
	}
	hw_rec_free(rec);
}

/* Dispose of every record on @list (unlinked from any other). */
static void hw_dispose_list(PLIST_ENTRY list)
{
	while (!IsListEmpty(list))
		hw_rec_dispose(CONTAINING_RECORD(RemoveHeadList(list),
						 struct hw_rec, link));
}

/*
 * Move @file's finished records (no longer ARMED, IRP gone) to @out.
 * Caller holds the lock.
 */
static void hw_file_take_done(struct hw_file *file, PLIST_ENTRY out)
{
	PLIST_ENTRY e, next;
	struct hw_rec *rec;

	for (e = file->recs.Flink; e != &file->recs; e = next) {
		next = e->Flink;
		rec = CONTAINING_RECORD(e, struct hw_rec, link);
		if (rec->state == HW_ARMED || rec->irp)
			continue;
		RemoveEntryList(e);
		rec->file = NULL;
		InsertTailList(out, e);
	}
}

/* Free what @file's finished records hold.  Passive level, no lock. */
static void hw_file_reap(struct hw_device *dev, struct hw_file *file)
{
	LIST_ENTRY done;
	KIRQL irql;

	InitializeListHead(&done);
	KeAcquireSpinLock(&dev->lock, &irql);
	hw_file_take_done(file, &done);
	KeReleaseSpinLock(&dev->lock, irql);
	hw_dispose_list(&done);
}

/*
 * Cancel every registration of @file that has not fired, and take every
 * record off the file: the IRPs this takes over go to @irps, the records
 * to @done; a record whose IRP's cancel routine is still to run becomes
 * an orphan, which that routine frees.  Afterwards no record points to
 * @file.  Returns how many registrations were still pending.  Caller
 * holds the lock, and then calls hw_finish(@irps, @done) without it.
 */
static ULONG hw_file_detach(struct hw_device *dev, struct hw_file *file,
			    PLIST_ENTRY irps, PLIST_ENTRY done)
{
	struct hw_rec *rec;
	ULONG n = 0;

	while (!IsListEmpty(&file->recs)) {
		rec = CONTAINING_RECORD(RemoveHeadList(&file->recs),
					struct hw_rec, link);
		if (rec->state == HW_ARMED) {
			rec->state = HW_CANCELLED;
			file->armed--;
			dev->cancelled++;
			n++;
		}
		/* Else the cancel routine owns the IRP: it is about to run. */
		if (rec->irp && IoSetCancelRoutine(rec->irp, NULL)) {
			InsertTailList(irps, &rec->irp->Tail.Overlay.ListEntry);
			rec->irp = NULL;
		}
		rec->file = NULL;
		InsertTailList(rec->irp ? &dev->orphans : done, &rec->link);
	}
	return n;
}

/* Complete the IRPs on @irps as cancelled, and dispose of @done. */
static void hw_finish(PLIST_ENTRY irps, PLIST_ENTRY done)
{
	PIRP irp;

	while (!IsListEmpty(irps)) {
		irp = CONTAINING_RECORD(RemoveHeadList(irps), IRP,
					Tail.Overlay.ListEntry);
		hw_complete(irp, STATUS_CANCELLED, 0);
	}
	hw_dispose_list(done);
}

/*
 * The device's interrupt, simulated: the timer's DPC.  Runs at
 * DISPATCH_LEVEL on Windows; in a threadpool thread under Wine.  It reads
 * nothing of @ctx after its last release of the lock, unless the record
 * was left to it (dpc_frees).
 */
static void hw_dpc(PKDPC dpc, PVOID ctx, PVOID arg1, PVOID arg2)
{
	struct hw_rec *rec = ctx;
	struct hw_device *dev = rec->dev;
	HWEVENT_MESSAGE msg;
	PIRP irp = NULL;
	LARGE_INTEGER now;

	UNREFERENCED_PARAMETER(dpc);
	UNREFERENCED_PARAMETER(arg1);
	UNREFERENCED_PARAMETER(arg2);

	now = KeQueryPerformanceCounter(NULL);
	KeAcquireSpinLockAtDpcLevel(&dev->lock);
	rec->dpc_ran = TRUE;
	if (rec->dpc_frees) {
		KeReleaseSpinLockFromDpcLevel(&dev->lock);
		hw_rec_free(rec);
		return;
	}
	if (rec->state != HW_ARMED) {
		KeReleaseSpinLockFromDpcLevel(&dev->lock);
		return;
	}
	rec->state = HW_FIRED;
	rec->file->armed--;
	dev->fired++;
	RtlZeroMemory(&msg, sizeof(msg));
	msg.Cookie = rec->cookie;
	msg.Sequence = ++dev->seq;
	msg.FiredQpc = (UINT64)now.QuadPart;
	msg.QpcFrequency = (UINT64)dev->qpc_freq.QuadPart;
	msg.Type = rec->type;
	if (rec->event)
		KeSetEvent(rec->event, IO_NO_INCREMENT, FALSE);
	/* Else the cancel routine completes it, as cancelled. */
	if (rec->irp && IoSetCancelRoutine(rec->irp, NULL)) {
		irp = rec->irp;
		rec->irp = NULL;
	}
	KeReleaseSpinLockFromDpcLevel(&dev->lock);

	if (irp) {
		RtlCopyMemory(irp->AssociatedIrp.SystemBuffer, &msg,
			      sizeof(msg));
		hw_complete(irp, STATUS_SUCCESS, sizeof(msg));
	}
}

/*
 * The cancel routine of a pending HWEVENT_TYPE_IRP request.  The I/O
 * manager cleared it from the IRP, so the IRP is ours: take it off its
 * record and complete it.  The record stays for the reaper, unless it is
 * an orphan, whose file is gone.
 */
static void hw_cancel(PDEVICE_OBJECT devobj, PIRP irp)
{
	struct hw_device *dev = devobj->DeviceExtension;
	struct hw_rec *rec;
	BOOLEAN orphan;
	KIRQL irql;

	IoReleaseCancelSpinLock(irp->CancelIrql);

	/*
	 * The IRP may be cancelled as soon as hw_register() set this
	 * routine, before it filled DriverContext[0]: read that under the
	 * lock, which hw_register() holds until it did.
	 */
	KeAcquireSpinLock(&dev->lock, &irql);
	rec = irp->Tail.Overlay.DriverContext[0];
	rec->irp = NULL;
	if (rec->state == HW_ARMED) {
		rec->state = HW_CANCELLED;
		rec->file->armed--;
		dev->cancelled++;
	}
	orphan = rec->file == NULL;
	if (orphan)
		RemoveEntryList(&rec->link);
	KeReleaseSpinLock(&dev->lock, irql);

	hw_complete(irp, STATUS_CANCELLED, 0);
	if (orphan)
		hw_rec_dispose(rec);
}

/* Check a HWEVENT_REGISTER against the IRP's buffer sizes. */
static NTSTATUS hw_validate(const HWEVENT_REGISTER *reg, ULONG out_len)
{
	if (reg->Flags || reg->Reserved[0] || reg->Reserved[1])
		return STATUS_INVALID_PARAMETER;
	if (reg->DueTime < HWEVENT_DUE_MIN || reg->DueTime > HWEVENT_DUE_MAX)
		return STATUS_INVALID_PARAMETER;
	switch (reg->Type) {
	case HWEVENT_TYPE_IRP:
		if (reg->Event)
			return STATUS_INVALID_PARAMETER;
		if (out_len < sizeof(HWEVENT_MESSAGE))
			return STATUS_BUFFER_TOO_SMALL;
		return STATUS_SUCCESS;
	case HWEVENT_TYPE_EVENT:
		if (!reg->Event || out_len)
			return STATUS_INVALID_PARAMETER;
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_PARAMETER;
	}
}

/*
 * IOCTL_HWEVENT_REGISTER.  Returns STATUS_PENDING when it queued @irp,
 * else the status to complete it with.
 */
static NTSTATUS hw_register(struct hw_device *dev, struct hw_file *file,
			    PIRP irp, PIO_STACK_LOCATION sp)
{
	const HWEVENT_REGISTER *reg = irp->AssociatedIrp.SystemBuffer;
	struct hw_rec *rec;
	LARGE_INTEGER due;
	PKEVENT event = NULL;
	NTSTATUS status;
	KIRQL irql;

	if (sp->Parameters.DeviceIoControl.InputBufferLength != sizeof(*reg))
		return STATUS_INFO_LENGTH_MISMATCH;
	status = hw_validate(reg,
			     sp->Parameters.DeviceIoControl.OutputBufferLength);
	if (!NT_SUCCESS(status))
		return status;

	hw_file_reap(dev, file);

	/* The limit first: a caller over it allocates nothing. */
	KeAcquireSpinLock(&dev->lock, &irql);
	if (dev->unloading) {
		KeReleaseSpinLock(&dev->lock, irql);
		return STATUS_DELETE_PENDING;
	}
	if (file->armed >= HWEVENT_MAX_PENDING) {
		KeReleaseSpinLock(&dev->lock, irql);
		return STATUS_QUOTA_EXCEEDED;
	}
	file->armed++;
	KeReleaseSpinLock(&dev->lock, irql);

	if (reg->Type == HWEVENT_TYPE_EVENT) {
		/*
		 * In the caller's context, as the handle is the caller's.
		 * mingw-w64 declares ExEventObjectType one level of pointer
		 * deeper than the export it imports: the value is the type.
		 */
		status = ObReferenceObjectByHandle(
			(HANDLE)(ULONG_PTR)reg->Event, EVENT_MODIFY_STATE,
#ifdef __MINGW32__
			(POBJECT_TYPE)ExEventObjectType,
#else
			*ExEventObjectType,
#endif
			irp->RequestorMode, (PVOID *)&event, NULL);
		if (!NT_SUCCESS(status))
			goto unreserve;
	}

	rec = hw_alloc_quota(sizeof(*rec));
	if (!rec) {
		status = STATUS_INSUFFICIENT_RESOURCES;
		goto unreserve;
	}
	rec->dev = dev;
	rec->file = file;
	rec->state = HW_ARMED;
	rec->type = reg->Type;
	rec->cookie = reg->Cookie;
	rec->event = event;
	KeInitializeTimer(&rec->timer);
	KeInitializeDpc(&rec->dpc, hw_dpc, rec);
	due.QuadPart = -(LONGLONG)reg->DueTime;

	KeAcquireSpinLock(&dev->lock, &irql);
	/* Unload began meanwhile (Wine: with this handle open). */
	if (dev->unloading) {
		file->armed--;
		KeReleaseSpinLock(&dev->lock, irql);
		ExFreePoolWithTag(rec, HW_TAG);
		status = STATUS_DELETE_PENDING;
		goto deref;
	}
	if (dev->records++ == 0)
		KeClearEvent(&dev->idle);
	if (reg->Type == HWEVENT_TYPE_IRP) {
		IoSetCancelRoutine(irp, hw_cancel);
		/*
		 * Cancelled before the routine was set: if we clear it
		 * again, the IRP is still ours to fail.  Else the cancel
		 * routine runs once we drop the lock, and finds the record.
		 */
		if (irp->Cancel && IoSetCancelRoutine(irp, NULL)) {
			file->armed--;
			KeReleaseSpinLock(&dev->lock, irql);
			hw_rec_free(rec);
			return STATUS_CANCELLED;
		}
		IoMarkIrpPending(irp);
		irp->Tail.Overlay.DriverContext[0] = rec;
		rec->irp = irp;
	}
	InsertTailList(&file->recs, &rec->link);
	rec->timer_set = TRUE;
	KeSetTimer(&rec->timer, due, &rec->dpc);
	KeReleaseSpinLock(&dev->lock, irql);
	return reg->Type == HWEVENT_TYPE_IRP ? STATUS_PENDING : STATUS_SUCCESS;

unreserve:
	KeAcquireSpinLock(&dev->lock, &irql);
	file->armed--;
	KeReleaseSpinLock(&dev->lock, irql);
deref:
	if (event)
		ObDereferenceObject(event);
	return status;
}

static NTSTATUS hw_query_info(struct hw_device *dev, PIRP irp,
			      PIO_STACK_LOCATION sp, ULONG_PTR *info_len)
{
	HWEVENT_INFO info;
	KIRQL irql;

	if (sp->Parameters.DeviceIoControl.InputBufferLength)
		return STATUS_INVALID_PARAMETER;
	if (sp->Parameters.DeviceIoControl.OutputBufferLength < sizeof(info))
		return STATUS_BUFFER_TOO_SMALL;

	RtlZeroMemory(&info, sizeof(info));
	info.Version = HWEVENT_INTERFACE_VERSION;
	info.MaxPending = HWEVENT_MAX_PENDING;
	KeAcquireSpinLock(&dev->lock, &irql);
	info.Records = (UINT64)dev->records;
	info.Fired = dev->fired;
	info.Cancelled = dev->cancelled;
	info.Cleanups = dev->cleanups;
	info.Closes = dev->closes;
	info.ClosesWithWork = dev->closes_with_work;
	KeReleaseSpinLock(&dev->lock, irql);

	RtlCopyMemory(irp->AssociatedIrp.SystemBuffer, &info, sizeof(info));
	*info_len = sizeof(info);
	return STATUS_SUCCESS;
}

static NTSTATUS hw_ioctl(PDEVICE_OBJECT devobj, PIRP irp)
{
	struct hw_device *dev = devobj->DeviceExtension;
	PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
	struct hw_file *file = sp->FileObject->FsContext;
	ULONG_PTR info_len = 0;
	NTSTATUS status;

	status = IoAcquireRemoveLock(&file->rundown, irp);
	if (!NT_SUCCESS(status))
		return hw_complete(irp, status, 0);

	switch (sp->Parameters.DeviceIoControl.IoControlCode) {
	case IOCTL_HWEVENT_REGISTER:
		status = hw_register(dev, file, irp, sp);
		break;
	case IOCTL_HWEVENT_QUERY_INFO:
		hw_file_reap(dev, file);
		status = hw_query_info(dev, irp, sp, &info_len);
		break;
	default:
		status = STATUS_INVALID_DEVICE_REQUEST;
		break;
	}
	/* A pending IRP may already be completed: do not touch it. */
	if (status != STATUS_PENDING)
		hw_complete(irp, status, info_len);
	IoReleaseRemoveLock(&file->rundown, irp);
	return status;
}

static NTSTATUS hw_create(PDEVICE_OBJECT devobj, PIRP irp)
{
	struct hw_device *dev = devobj->DeviceExtension;
	PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
	struct hw_file *file;
	KIRQL irql;

	/* The device has no namespace: "\\.\HwEvent\x" is not it. */
	if (sp->FileObject->FileName.Length)
		return hw_complete(irp, STATUS_OBJECT_NAME_NOT_FOUND, 0);

	file = hw_alloc_quota(sizeof(*file));
	if (!file)
		return hw_complete(irp, STATUS_INSUFFICIENT_RESOURCES, 0);
	InitializeListHead(&file->recs);
	IoInitializeRemoveLock(&file->rundown, HW_TAG, 0, 0);

	KeAcquireSpinLock(&dev->lock, &irql);
	if (dev->unloading) {
		KeReleaseSpinLock(&dev->lock, irql);
		ExFreePoolWithTag(file, HW_TAG);
		return hw_complete(irp, STATUS_DELETE_PENDING, 0);
	}
	if (IsListEmpty(&dev->files))
		KeClearEvent(&dev->no_files);
	InsertTailList(&dev->files, &file->link);
	KeReleaseSpinLock(&dev->lock, irql);
	sp->FileObject->FsContext = file;
	return hw_complete(irp, STATUS_SUCCESS, 0);
}

/* Wait for the dispatching requests of @file; later ones fail. */
static void hw_file_run_down(struct hw_file *file, PIRP irp)
{
	if (file->run_down)
		return;
	file->run_down = TRUE;
	/* Cannot fail: nothing else releases the lock for good. */
	if (NT_SUCCESS(IoAcquireRemoveLock(&file->rundown, irp)))
		IoReleaseRemoveLockAndWait(&file->rundown, irp);
}

/*
 * The last handle to the file object was closed: cancel its work.  Its
 * pending IRPs hold the file object, so IRP_MJ_CLOSE comes after they
 * completed.  Wine never sends this; hw_close() does its work there.
 */
static NTSTATUS hw_cleanup(PDEVICE_OBJECT devobj, PIRP irp)
{
	struct hw_device *dev = devobj->DeviceExtension;
	PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
	struct hw_file *file = sp->FileObject->FsContext;
	LIST_ENTRY irps, done;
	KIRQL irql;

	hw_file_run_down(file, irp);
	InitializeListHead(&irps);
	InitializeListHead(&done);
	KeAcquireSpinLock(&dev->lock, &irql);
	dev->cleanups++;
	hw_file_detach(dev, file, &irps, &done);
	KeReleaseSpinLock(&dev->lock, irql);
	hw_finish(&irps, &done);
	return hw_complete(irp, STATUS_SUCCESS, 0);
}

/*
 * The file object goes away.  On Windows, after IRP_MJ_CLEANUP and after
 * every IRP on it completed.  Wine sends it without a cleanup, maybe with
 * IRPs still pending: cancel them here, and leave the records whose
 * cancel routine is still to run as orphans.  Nothing of @file is touched
 * after it is freed: the records no longer point to it.
 */
static NTSTATUS hw_close(PDEVICE_OBJECT devobj, PIRP irp)
{
	struct hw_device *dev = devobj->DeviceExtension;
	PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
	struct hw_file *file = sp->FileObject->FsContext;
	LIST_ENTRY irps, done;
	KIRQL irql;

	hw_file_run_down(file, irp);
	InitializeListHead(&irps);
	InitializeListHead(&done);
	KeAcquireSpinLock(&dev->lock, &irql);
	dev->closes++;
	if (hw_file_detach(dev, file, &irps, &done))
		dev->closes_with_work++;
	RemoveEntryList(&file->link);
	if (IsListEmpty(&dev->files))
		KeSetEvent(&dev->no_files, IO_NO_INCREMENT, FALSE);
	KeReleaseSpinLock(&dev->lock, irql);

	sp->FileObject->FsContext = NULL;
	ExFreePoolWithTag(file, HW_TAG);
	hw_finish(&irps, &done);
	return hw_complete(irp, STATUS_SUCCESS, 0);
}

/*
 * Windows unloads a driver only once no file object of its device is
 * left.  Wine 8.0 calls this with handles still open, and may still
 * dispatch requests on them that a client sent before the stop: so their
 * work is cancelled, new handles and registrations are refused
 * (STATUS_DELETE_PENDING), and the device is deleted only once the last
 * handle closed.  Then wait for the records handed to a DPC or a cancel
 * routine, and for the DPCs themselves.
 */
static void hw_unload(PDRIVER_OBJECT drv)
{
	PDEVICE_OBJECT devobj = drv->DeviceObject;
	struct hw_device *dev = devobj->DeviceExtension;
	UNICODE_STRING link;
	LIST_ENTRY irps, done;
	PLIST_ENTRY e;
	KIRQL irql;

	RtlInitUnicodeString(&link, HWEVENT_DOS_DEVICE_NAME);
	IoDeleteSymbolicLink(&link);

	InitializeListHead(&irps);
	InitializeListHead(&done);
	KeAcquireSpinLock(&dev->lock, &irql);
	dev->unloading = TRUE;
	for (e = dev->files.Flink; e != &dev->files; e = e->Flink)
		hw_file_detach(dev, CONTAINING_RECORD(e, struct hw_file, link),
			       &irps, &done);
	KeReleaseSpinLock(&dev->lock, irql);
	hw_finish(&irps, &done);

	KeWaitForSingleObject(&dev->no_files, Executive, KernelMode, FALSE,
			      NULL);
	KeWaitForSingleObject(&dev->idle, Executive, KernelMode, FALSE, NULL);
	KeFlushQueuedDpcs();
	hw_dbg("unloaded: %I64u fired, %I64u cancelled\n", dev->fired,
	       dev->cancelled);
	IoDeleteDevice(devobj);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT drv, PUNICODE_STRING reg_path)
{
	UNICODE_STRING name, link;
	PDEVICE_OBJECT devobj;
	struct hw_device *dev;
	NTSTATUS status;

	UNREFERENCED_PARAMETER(reg_path);

	RtlInitUnicodeString(&name, HWEVENT_NT_DEVICE_NAME);
	status = IoCreateDevice(drv, sizeof(*dev), &name, FILE_DEVICE_HWEVENT,
				FILE_DEVICE_SECURE_OPEN, FALSE, &devobj);
	if (!NT_SUCCESS(status))
		return status;

	dev = devobj->DeviceExtension;
	RtlZeroMemory(dev, sizeof(*dev));
	dev->self = devobj;
	KeInitializeSpinLock(&dev->lock);
	InitializeListHead(&dev->files);
	InitializeListHead(&dev->orphans);
	KeInitializeEvent(&dev->idle, NotificationEvent, TRUE);
	KeInitializeEvent(&dev->no_files, NotificationEvent, TRUE);
	KeQueryPerformanceCounter(&dev->qpc_freq);

	RtlInitUnicodeString(&link, HWEVENT_DOS_DEVICE_NAME);
	status = IoCreateSymbolicLink(&link, &name);
	if (!NT_SUCCESS(status)) {
		IoDeleteDevice(devobj);
		return status;
	}

	drv->MajorFunction[IRP_MJ_CREATE] = hw_create;
	drv->MajorFunction[IRP_MJ_CLEANUP] = hw_cleanup;
	drv->MajorFunction[IRP_MJ_CLOSE] = hw_close;
	drv->MajorFunction[IRP_MJ_DEVICE_CONTROL] = hw_ioctl;
	drv->DriverUnload = hw_unload;

	devobj->Flags |= DO_BUFFERED_IO;
	devobj->Flags &= ~DO_DEVICE_INITIALIZING;
	hw_dbg("loaded\n");
	return STATUS_SUCCESS;
}
