// SPDX-License-Identifier: GPL-2.0
/*
 * hwtest.exe: the driver's interface, through DeviceIoControl.  The
 * driver is loaded (t_scm_load ran before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hwtest.h"

/*
 * Timing bounds: a timer may expire up to a clock tick early; late is
 * load.  800 ms is three times the worst seen under Wine on this 2-core
 * machine at load 8 to 11, and still catches a due time taken twice (1 s).
 */
#define EARLY_MS	16.0
#define LATE_MS		800.0
#define N_ORDER		8
#define N_CHILD		8
/* STATUS_CANCELLED, as OVERLAPPED.Internal holds it. */
#define NT_CANCELLED	0xC0000120UL

/* A request in flight, with its buffers. */
struct req {
	OVERLAPPED ov;
	HWEVENT_REGISTER reg;
	HWEVENT_MESSAGE msg;
	int64_t t0;
	DWORD err;		/* of the submit: 0 or ERROR_IO_PENDING */
};

static void req_submit(HANDLE dev, struct req *r, double ms, UINT64 cookie)
{
	memset(r, 0, sizeof(*r));
	r->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	r->reg = irp_reg(ms, cookie);
	r->t0 = qpc();
	r->err = ioctl(dev, IOCTL_HWEVENT_REGISTER, &r->reg, sizeof(r->reg),
		       &r->msg, sizeof(r->msg), NULL, &r->ov);
}

static void req_close(struct req *r)
{
	if (r->ov.hEvent)
		CloseHandle(r->ov.hEvent);
	r->ov.hEvent = NULL;
}

/* The Win32 error of a register call on a synchronous handle. */
static DWORD reg_err(HANDLE dev, const HWEVENT_REGISTER *reg, DWORD in_len,
		     DWORD out_len)
{
	HWEVENT_MESSAGE msg[2];

	return ioctl(dev, IOCTL_HWEVENT_REGISTER, reg, in_len, msg, out_len,
		     NULL, NULL);
}

static UINT64 records_now(void)
{
	return wait_records(0);
}

void t_info(const char *name)
{
	HWEVENT_INFO info;
	HANDLE dev = dev_open(FALSE);

	memset(&info, 0xff, sizeof(info));
	CHECK(dev && dev_info(dev, &info), "QUERY_INFO failed: %lu",
	      GetLastError());
	CHECK(info.Version == HWEVENT_INTERFACE_VERSION, "Version %u",
	      info.Version);
	CHECK(info.MaxPending == HWEVENT_MAX_PENDING, "MaxPending %u",
	      info.MaxPending);
	CHECK(!info.Reserved[0] && !info.Reserved[1], "Reserved not 0");
	CHECK(info.Records == 0, "Records %llu with nothing pending",
	      (unsigned long long)info.Records);
	if (dev)
		CloseHandle(dev);
	verdict(name);
}

void t_irp_sync(const char *name)
{
	HWEVENT_REGISTER reg = irp_reg(100, 0x1234567890abcdefULL);
	HWEVENT_MESSAGE msg;
	HANDLE dev = dev_open(FALSE);
	DWORD len = 0, err;

	memset(&msg, 0xff, sizeof(msg));
	err = ioctl(dev, IOCTL_HWEVENT_REGISTER, &reg, sizeof(reg), &msg,
		    sizeof(msg), &len, NULL);
	CHECK(!err, "DeviceIoControl: error %lu", err);
	CHECK(len == sizeof(msg), "returned %lu bytes", len);
	CHECK(msg.Cookie == reg.Cookie, "cookie %llx",
	      (unsigned long long)msg.Cookie);
	CHECK(msg.Type == HWEVENT_TYPE_IRP, "type %u", msg.Type);
	CHECK(msg.Sequence >= 1, "sequence %llu",
	      (unsigned long long)msg.Sequence);
	CHECK(!msg.Flags && !msg.Reserved, "flags %u reserved %llu",
	      msg.Flags, (unsigned long long)msg.Reserved);
	CHECK(msg.QpcFrequency == (UINT64)qpc_freq.QuadPart,
	      "QpcFrequency %llu, QueryPerformanceFrequency %lld",
	      (unsigned long long)msg.QpcFrequency,
	      (long long)qpc_freq.QuadPart);
	if (dev)
		CloseHandle(dev);
	verdict(name);
}

void t_irp_timing(const char *name)
{
	static const double due[] = { 50, 200, 1000 };
	HWEVENT_REGISTER reg;
	HWEVENT_MESSAGE msg;
	HANDLE dev = dev_open(FALSE);
	double took, fired;
	int64_t t0, t1;
	unsigned int i;
	DWORD err;

	for (i = 0; dev && i < sizeof(due) / sizeof(due[0]); i++) {
		reg = irp_reg(due[i], i);
		t0 = qpc();
		err = ioctl(dev, IOCTL_HWEVENT_REGISTER, &reg, sizeof(reg),
			    &msg, sizeof(msg), NULL, NULL);
		t1 = qpc();
		took = qpc_ms(t1 - t0);
		fired = qpc_ms((int64_t)msg.FiredQpc - t0);
		diag("due %.0f ms: completed after %.3f ms, DPC ran at %.3f ms",
		     due[i], took, fired);
		CHECK(!err, "%.0f ms: error %lu", due[i], err);
		CHECK(took >= due[i] - EARLY_MS && took <= due[i] + LATE_MS,
		      "%.0f ms: completed after %.3f ms", due[i], took);
		CHECK(fired >= due[i] - EARLY_MS &&
		      (int64_t)msg.FiredQpc <= t1,
		      "%.0f ms: the DPC ran at %.3f ms", due[i], fired);
	}
	CHECK(dev, "cannot open the device");
	if (dev)
		CloseHandle(dev);
	verdict(name);
}

/*
 * Submitted longest first, so that a driver completing them in the order
 * they came would complete them exactly reversed.  Steps of 250 ms: under
 * Wine the due time starts when winedevice.exe dispatches the request,
 * which lags the call (seen: 200 ms and more across 16 requests at load
 * 12 on this 2-core machine), and a DPC is a threadpool callback that may
 * run late.  So two neighbours may swap (at most MAX_SWAPS pairs); any
 * other pair must fire in due order.
 */
#define ORDER_STEP_MS	250.0
#define MAX_SWAPS	2

void t_overlapped_order(const char *name)
{
	struct req r[N_ORDER];
	unsigned int i, j, swaps = 0;
	HANDLE dev = dev_open(TRUE);
	double fired;
	DWORD err;

	CHECK(dev, "cannot open the device");
	for (i = N_ORDER; dev && i-- > 0;)
		req_submit(dev, &r[i], 100 + ORDER_STEP_MS * i, i);
	for (i = 0; dev && i < N_ORDER; i++) {
		CHECK(r[i].err == ERROR_IO_PENDING, "submit %u: error %lu", i,
		      r[i].err);
		err = ov_wait(dev, &r[i].ov, 10000);
		CHECK(!err, "request %u: error %lu", i, err);
		CHECK(r[i].msg.Cookie == i, "request %u: cookie %llu", i,
		      (unsigned long long)r[i].msg.Cookie);
		fired = qpc_ms((int64_t)r[i].msg.FiredQpc - r[i].t0);
		CHECK(fired >= 100 + ORDER_STEP_MS * i - EARLY_MS,
		      "request %u fired %.3f ms after it was made", i, fired);
		req_close(&r[i]);
	}
	for (i = 0; dev && i < N_ORDER; i++) {
		for (j = i + 1; j < N_ORDER; j++) {
			if (r[j].msg.Sequence > r[i].msg.Sequence)
				continue;
			if (j == i + 1) {
				swaps++;
				diag("due %.0f and %.0f ms fired swapped",
				     100 + ORDER_STEP_MS * i,
				     100 + ORDER_STEP_MS * j);
				continue;
			}
			CHECK(0, "due %.0f ms fired as %llu, due %.0f ms as %llu",
			      100 + ORDER_STEP_MS * j,
			      (unsigned long long)r[j].msg.Sequence,
			      100 + ORDER_STEP_MS * i,
			      (unsigned long long)r[i].msg.Sequence);
		}
	}
	CHECK(swaps <= MAX_SWAPS, "%u neighbours swapped", swaps);
	if (dev)
		CloseHandle(dev);
	verdict(name);
}

void t_cancelioex(const char *name)
{
	HANDLE dev = dev_open(TRUE);
	struct req a, b;
	HWEVENT_INFO before, after;
	DWORD err;

	CHECK(dev && dev_info(dev, &before), "cannot open the device");
	if (dev) {
		req_submit(dev, &a, 10000, 1);
		req_submit(dev, &b, 10000, 2);
		CHECK(a.err == ERROR_IO_PENDING && b.err == ERROR_IO_PENDING,
		      "submit: errors %lu %lu", a.err, b.err);
		CHECK(CancelIoEx(dev, &a.ov), "CancelIoEx: error %lu",
		      GetLastError());
		err = ov_wait(dev, &a.ov, 5000);
		CHECK(err == ERROR_OPERATION_ABORTED, "cancelled: error %lu",
		      err);
		CHECK(!HasOverlappedIoCompleted(&b.ov),
		      "the other request completed too");
		CHECK(CancelIoEx(dev, NULL), "CancelIoEx(NULL): error %lu",
		      GetLastError());
		err = ov_wait(dev, &b.ov, 5000);
		CHECK(err == ERROR_OPERATION_ABORTED, "second: error %lu", err);
		CHECK(dev_info(dev, &after) &&
		      after.Cancelled == before.Cancelled + 2,
		      "Cancelled went from %llu to %llu",
		      (unsigned long long)before.Cancelled,
		      (unsigned long long)after.Cancelled);
		req_close(&a);
		req_close(&b);
		CloseHandle(dev);
	}
	verdict(name);
}

void t_cancelio(const char *name)
{
	HANDLE dev = dev_open(TRUE);
	struct req r[4];
	unsigned int i;
	DWORD err;

	CHECK(dev, "cannot open the device");
	for (i = 0; dev && i < 4; i++)
		req_submit(dev, &r[i], 10000, i);
	CHECK(!dev || CancelIo(dev), "CancelIo: error %lu", GetLastError());
	for (i = 0; dev && i < 4; i++) {
		err = ov_wait(dev, &r[i].ov, 5000);
		CHECK(err == ERROR_OPERATION_ABORTED, "request %u: error %lu",
		      i, err);
		req_close(&r[i]);
	}
	if (dev)
		CloseHandle(dev);
	CHECK(records_now() == 0, "records left");
	verdict(name);
}

void t_limit(const char *name)
{
	static struct req r[HWEVENT_MAX_PENDING + 1];
	HANDLE dev = dev_open(TRUE), other = dev_open(TRUE);
	struct req o;
	unsigned int i;
	DWORD err;

	CHECK(dev && other, "cannot open the device");
	for (i = 0; dev && other && i < HWEVENT_MAX_PENDING; i++) {
		req_submit(dev, &r[i], 60000, i);
		CHECK(r[i].err == ERROR_IO_PENDING, "request %u: error %lu",
		      i + 1, r[i].err);
	}
	if (dev && other) {
		req_submit(dev, &r[i], 60000, i);
		CHECK(r[i].err == ERROR_NOT_ENOUGH_QUOTA,
		      "request 65: error %lu", r[i].err);
		req_close(&r[i]);
		req_submit(other, &o, 60000, 0);
		CHECK(o.err == ERROR_IO_PENDING,
		      "another handle: error %lu", o.err);
		/* One cancelled: room for one more. */
		CancelIoEx(dev, &r[0].ov);
		err = ov_wait(dev, &r[0].ov, 5000);
		CHECK(err == ERROR_OPERATION_ABORTED, "cancel: error %lu", err);
		req_close(&r[0]);
		req_submit(dev, &r[0], 60000, 0);
		CHECK(r[0].err == ERROR_IO_PENDING,
		      "after a cancel: error %lu", r[0].err);
		CancelIoEx(dev, NULL);
		CancelIoEx(other, NULL);
		for (i = 0; i < HWEVENT_MAX_PENDING; i++) {
			err = ov_wait(dev, &r[i].ov, 5000);
			CHECK(err == ERROR_OPERATION_ABORTED,
			      "request %u at the end: error %lu", i + 1, err);
			req_close(&r[i]);
		}
		ov_wait(other, &o.ov, 5000);
		req_close(&o);
	}
	if (dev)
		CloseHandle(dev);
	if (other)
		CloseHandle(other);
	CHECK(records_now() == 0, "records left");
	verdict(name);
}

void t_bad_length(const char *name)
{
	HWEVENT_REGISTER reg[2];
	HANDLE dev = dev_open(FALSE);
	static const DWORD lens[] = { 0, 1, sizeof(reg[0]) - 1,
				      sizeof(reg[0]) + 1, sizeof(reg) };
	unsigned int i;
	DWORD err;

	memset(reg, 0, sizeof(reg));
	reg[0] = irp_reg(10, 0);
	for (i = 0; dev && i < sizeof(lens) / sizeof(lens[0]); i++) {
		err = reg_err(dev, reg, lens[i], sizeof(HWEVENT_MESSAGE));
		CHECK(err == ERROR_BAD_LENGTH, "%lu bytes: error %lu",
		      lens[i], err);
	}
	CHECK(dev, "cannot open the device");
	if (dev)
		CloseHandle(dev);
	verdict(name);
}

void t_bad_fields(const char *name)
{
	struct {
		const char *what;
		HWEVENT_REGISTER reg;
		DWORD out_len;
	} bad[12];
	HANDLE dev = dev_open(FALSE);
	unsigned int i, n = 0;
	DWORD err;

#define BAD(w, field, v, out) do { \
		bad[n].what = w; \
		bad[n].reg = irp_reg(10, 0); \
		bad[n].reg.field = v; \
		bad[n++].out_len = out; \
	} while (0)
	BAD("Type 2", Type, 2, sizeof(HWEVENT_MESSAGE));
	BAD("Type ~0", Type, 0xffffffffU, sizeof(HWEVENT_MESSAGE));
	BAD("Flags 1", Flags, 1, sizeof(HWEVENT_MESSAGE));
	BAD("Reserved[0]", Reserved[0], 1, sizeof(HWEVENT_MESSAGE));
	BAD("Reserved[1]", Reserved[1], 1ULL << 63, sizeof(HWEVENT_MESSAGE));
	BAD("DueTime 0", DueTime, 0, sizeof(HWEVENT_MESSAGE));
	BAD("DueTime max + 1", DueTime, HWEVENT_DUE_MAX + 1,
	    sizeof(HWEVENT_MESSAGE));
	BAD("DueTime -1 (negative)", DueTime, ~0ULL, sizeof(HWEVENT_MESSAGE));
	BAD("IRP with an Event", Event, 4, sizeof(HWEVENT_MESSAGE));
	BAD("event type without an Event", Type, HWEVENT_TYPE_EVENT, 0);
	BAD("event type with an output buffer", Type, HWEVENT_TYPE_EVENT,
	    sizeof(HWEVENT_MESSAGE));
	bad[n - 1].reg.Event = 4;
#undef BAD
	for (i = 0; dev && i < n; i++) {
		err = reg_err(dev, &bad[i].reg, sizeof(bad[i].reg),
			      bad[i].out_len);
		CHECK(err == ERROR_INVALID_PARAMETER, "%s: error %lu",
		      bad[i].what, err);
	}
	CHECK(dev, "cannot open the device");
	if (dev)
		CloseHandle(dev);
	CHECK(records_now() == 0, "records left");
	verdict(name);
}

void t_bad_output(const char *name)
{
	HWEVENT_REGISTER reg = irp_reg(10, 0);
	HANDLE dev = dev_open(FALSE);
	DWORD err;

	CHECK(dev, "cannot open the device");
	if (dev) {
		err = reg_err(dev, &reg, sizeof(reg), 0);
		CHECK(err == ERROR_INSUFFICIENT_BUFFER, "no output: error %lu",
		      err);
		err = reg_err(dev, &reg, sizeof(reg),
			      sizeof(HWEVENT_MESSAGE) - 1);
		CHECK(err == ERROR_INSUFFICIENT_BUFFER,
		      "47-byte output: error %lu", err);
		CloseHandle(dev);
	}
	verdict(name);
}

void t_bad_ioctl(const char *name)
{
	HWEVENT_INFO info[2];
	HWEVENT_REGISTER reg = irp_reg(10, 0);
	HANDLE dev = dev_open(FALSE);
	DWORD err;

	CHECK(dev, "cannot open the device");
	if (dev) {
		err = ioctl(dev, CTL_CODE(FILE_DEVICE_HWEVENT, 0x802,
					  METHOD_BUFFERED, FILE_ANY_ACCESS),
			    NULL, 0, NULL, 0, NULL, NULL);
		CHECK(err == ERROR_INVALID_FUNCTION, "unknown code: error %lu",
		      err);
		err = ioctl(dev, IOCTL_HWEVENT_QUERY_INFO, &reg, sizeof(reg),
			    info, sizeof(info), NULL, NULL);
		CHECK(err == ERROR_INVALID_PARAMETER,
		      "QUERY_INFO with input: error %lu", err);
		err = ioctl(dev, IOCTL_HWEVENT_QUERY_INFO, NULL, 0, info,
			    sizeof(info[0]) - 1, NULL, NULL);
		CHECK(err == ERROR_INSUFFICIENT_BUFFER,
		      "QUERY_INFO short output: error %lu", err);
		CloseHandle(dev);
	}
	verdict(name);
}

/* Submit N_CHILD long requests on @dev into @r. */
static void submit_long(HANDLE dev, struct req *r)
{
	unsigned int i;

	for (i = 0; i < N_CHILD; i++) {
		req_submit(dev, &r[i], 60000, i);
		CHECK(r[i].err == ERROR_IO_PENDING, "submit %u: error %lu", i,
		      r[i].err);
	}
}

/*
 * Close a handle with N_CHILD requests pending; check that they end
 * cancelled.  Returns the QUERY_INFO before and after.
 */
static void close_with_pending(HWEVENT_INFO *before, HWEVENT_INFO *after)
{
	HANDLE dev = dev_open(TRUE), probe = dev_open(FALSE);
	struct req r[N_CHILD];
	unsigned int i;

	memset(before, 0, sizeof(*before));
	memset(after, 0, sizeof(*after));
	CHECK(dev && probe && dev_info(probe, before),
	      "cannot open the device");
	if (!dev || !probe)
		goto out;
	submit_long(dev, r);
	CloseHandle(dev);
	dev = NULL;
	for (i = 0; i < N_CHILD; i++) {
		CHECK(WaitForSingleObject(r[i].ov.hEvent, 5000) ==
		      WAIT_OBJECT_0, "request %u still pending", i);
		CHECK(r[i].ov.Internal == NT_CANCELLED,
		      "request %u: status %#lx", i,
		      (unsigned long)r[i].ov.Internal);
		req_close(&r[i]);
	}
	CHECK(records_now() == 0, "records left");
	CHECK(dev_info(probe, after), "QUERY_INFO failed");
out:
	if (dev)
		CloseHandle(dev);
	if (probe)
		CloseHandle(probe);
}

void t_close_pending(const char *name)
{
	HWEVENT_INFO a, b;

	close_with_pending(&a, &b);
	CHECK(b.Cancelled == a.Cancelled + N_CHILD,
	      "Cancelled went from %llu to %llu",
	      (unsigned long long)a.Cancelled,
	      (unsigned long long)b.Cancelled);
	diag("cleanups %llu -> %llu, closes with work %llu -> %llu",
	     (unsigned long long)a.Cleanups, (unsigned long long)b.Cleanups,
	     (unsigned long long)a.ClosesWithWork,
	     (unsigned long long)b.ClosesWithWork);
	verdict(name);
}

void t_cleanup(const char *name)
{
	HWEVENT_INFO a, b;

	close_with_pending(&a, &b);
	if (!fail_msg[0] && under_wine() && b.Cleanups == a.Cleanups &&
	    b.ClosesWithWork == a.ClosesWithWork + 1) {
		skip(name, "not runnable under Wine: winedevice.exe sent no IRP_MJ_CLEANUP (Cleanups stayed %llu); IRP_MJ_CLOSE came with the requests pending and cancelled them",
		     (unsigned long long)b.Cleanups);
		return;
	}
	CHECK(b.Cleanups == a.Cleanups + 1, "Cleanups went from %llu to %llu",
	      (unsigned long long)a.Cleanups, (unsigned long long)b.Cleanups);
	CHECK(b.ClosesWithWork == a.ClosesWithWork,
	      "IRP_MJ_CLOSE found work pending");
	verdict(name);
}

/* A child process leaves N_CHILD requests pending, then dies (@how). */
static void child_dies(const char *name, const wchar_t *how)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	HWEVENT_INFO a, b;
	HANDLE rd, wr, probe = dev_open(FALSE);
	PROCESS_INFORMATION pi;
	STARTUPINFOW si;
	wchar_t exe[MAX_PATH], cmd[MAX_PATH + 64];
	char line[16] = "";
	DWORD n = 0;

	CHECK(probe && dev_info(probe, &a), "cannot open the device");
	if (!probe || !CreatePipe(&rd, &wr, &sa, 0))
		goto out;
	SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
	GetModuleFileNameW(NULL, exe, MAX_PATH);
	_snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\" --child %d %ls",
		   exe, N_CHILD, how);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	si.hStdOutput = wr;
	si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
	if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si,
			    &pi)) {
		CHECK(0, "CreateProcess: error %lu", GetLastError());
		CloseHandle(rd);
		CloseHandle(wr);
		goto out;
	}
	CloseHandle(wr);
	ReadFile(rd, line, sizeof(line) - 1, &n, NULL);
	CloseHandle(rd);
	CHECK(!strncmp(line, "ready", 5), "the child said '%.*s'", (int)n,
	      line);
	if (!wcscmp(how, L"kill"))
		TerminateProcess(pi.hProcess, 9);
	CHECK(WaitForSingleObject(pi.hProcess, 10000) == WAIT_OBJECT_0,
	      "the child did not end");
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	CHECK(records_now() == 0, "records left after the child ended");
	CHECK(dev_info(probe, &b) && b.Cancelled == a.Cancelled + N_CHILD,
	      "Cancelled went from %llu to %llu",
	      (unsigned long long)a.Cancelled,
	      (unsigned long long)b.Cancelled);
out:
	if (probe)
		CloseHandle(probe);
	verdict(name);
}

void t_kill(const char *name)
{
	child_dies(name, L"kill");
}

void t_exit(const char *name)
{
	child_dies(name, L"exit");
}

/*
 * Whether the event-based path cannot run here: under Wine, the driver's
 * ObReferenceObjectByHandle(UserMode) on our event fails with
 * STATUS_NOT_IMPLEMENTED (ERROR_INVALID_FUNCTION).  Asked of the driver.
 */
static BOOL event_path_missing(void)
{
	HWEVENT_REGISTER reg;
	HANDLE dev = dev_open(FALSE), ev = CreateEventW(NULL, TRUE, FALSE,
							 NULL);
	DWORD err;

	memset(&reg, 0, sizeof(reg));
	reg.Type = HWEVENT_TYPE_EVENT;
	reg.DueTime = 10000;	/* 1 ms */
	reg.Event = (UINT64)(ULONG_PTR)ev;
	err = dev ? reg_err(dev, &reg, sizeof(reg), 0) : ERROR_GEN_FAILURE;
	if (!err)
		WaitForSingleObject(ev, 5000);
	if (dev)
		CloseHandle(dev);
	CloseHandle(ev);
	return under_wine() && err == ERROR_INVALID_FUNCTION;
}

#define EVENT_SKIP "not runnable under Wine: the driver's ObReferenceObjectByHandle(UserMode) on the app's event handle returns STATUS_NOT_IMPLEMENTED in winedevice.exe (ERROR_INVALID_FUNCTION)"

void t_event(const char *name)
{
	static const double due[] = { 50, 300 };
	HWEVENT_REGISTER reg;
	HANDLE dev, ev;
	unsigned int i;
	int64_t t0;
	double took, ret_ms;
	DWORD err;

	if (event_path_missing()) {
		skip(name, EVENT_SKIP);
		return;
	}
	dev = dev_open(FALSE);
	ev = CreateEventW(NULL, TRUE, FALSE, NULL);
	for (i = 0; dev && i < sizeof(due) / sizeof(due[0]); i++) {
		memset(&reg, 0, sizeof(reg));
		reg.Type = HWEVENT_TYPE_EVENT;
		reg.DueTime = (UINT64)(due[i] * 10000);
		reg.Event = (UINT64)(ULONG_PTR)ev;
		ResetEvent(ev);
		t0 = qpc();
		err = reg_err(dev, &reg, sizeof(reg), 0);
		ret_ms = qpc_ms(qpc() - t0);
		CHECK(!err, "%.0f ms: error %lu", due[i], err);
		CHECK(ret_ms < due[i], "%.0f ms: the call took %.3f ms",
		      due[i], ret_ms);
		CHECK(WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0,
		      "%.0f ms: never signalled", due[i]);
		took = qpc_ms(qpc() - t0);
		diag("due %.0f ms: signalled after %.3f ms", due[i], took);
		CHECK(took >= due[i] - EARLY_MS && took <= due[i] + LATE_MS,
		      "%.0f ms: signalled after %.3f ms", due[i], took);
	}
	CHECK(dev, "cannot open the device");
	if (dev)
		CloseHandle(dev);
	CloseHandle(ev);
	CHECK(records_now() == 0, "records left");
	verdict(name);
}

void t_event_bad_handle(const char *name)
{
	HWEVENT_REGISTER reg;
	HANDLE dev, sem;
	DWORD err;

	if (event_path_missing()) {
		skip(name, EVENT_SKIP);
		return;
	}
	dev = dev_open(FALSE);
	sem = CreateSemaphoreW(NULL, 0, 1, NULL);
	memset(&reg, 0, sizeof(reg));
	reg.Type = HWEVENT_TYPE_EVENT;
	reg.DueTime = 10000;
	reg.Event = 0x7ffffffcU;	/* no such handle */
	err = dev ? reg_err(dev, &reg, sizeof(reg), 0) : 0;
	CHECK(err == ERROR_INVALID_HANDLE, "bogus handle: error %lu", err);
	reg.Event = (UINT64)(ULONG_PTR)sem;
	err = dev ? reg_err(dev, &reg, sizeof(reg), 0) : 0;
	CHECK(err == ERROR_INVALID_HANDLE, "semaphore: error %lu", err);
	if (dev)
		CloseHandle(dev);
	CloseHandle(sem);
	CHECK(records_now() == 0, "records left");
	verdict(name);
}

void t_event_close(const char *name)
{
	HWEVENT_REGISTER reg;
	HANDLE dev, ev;
	DWORD err;

	if (event_path_missing()) {
		skip(name, EVENT_SKIP);
		return;
	}
	dev = dev_open(FALSE);
	ev = CreateEventW(NULL, TRUE, FALSE, NULL);
	memset(&reg, 0, sizeof(reg));
	reg.Type = HWEVENT_TYPE_EVENT;
	reg.DueTime = 3000000;	/* 300 ms */
	reg.Event = (UINT64)(ULONG_PTR)ev;
	err = dev ? reg_err(dev, &reg, sizeof(reg), 0) : 0;
	CHECK(!err, "register: error %lu", err);
	if (dev)
		CloseHandle(dev);
	CHECK(records_now() == 0, "records left after the close");
	CHECK(WaitForSingleObject(ev, 600) == WAIT_TIMEOUT,
	      "signalled after the close");
	CloseHandle(ev);
	verdict(name);
}

BOOL hwtest_event_path_missing(void)
{
	return event_path_missing();
}
