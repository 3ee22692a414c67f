// SPDX-License-Identifier: GPL-2.0
/* hwtest.exe: TAP output, the device, and child processes (hwtest.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "hwtest.h"
#include "scm.h"

static unsigned int tap_n;
unsigned int tap_failed;
char fail_msg[512];
LARGE_INTEGER qpc_freq;

static void vline(const char *prefix, const char *name, const char *sep,
		  const char *fmt, va_list ap)
{
	printf("%s %u - %s", prefix, ++tap_n, name);
	if (fmt) {
		fputs(sep, stdout);
		vprintf(fmt, ap);
	}
	putchar('\n');
	fflush(stdout);
}

void ok(const char *name)
{
	printf("ok %u - %s\n", ++tap_n, name);
	fflush(stdout);
}

void not_ok(const char *name, const char *fmt, ...)
{
	va_list ap;

	tap_failed++;
	va_start(ap, fmt);
	vline("not ok", name, ": ", fmt, ap);
	va_end(ap);
}

void skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("ok", name, " # SKIP ", fmt, ap);
	va_end(ap);
}

void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void verdict(const char *name)
{
	if (fail_msg[0])
		not_ok(name, "%s", fail_msg);
	else
		ok(name);
	fail_msg[0] = 0;
}

BOOL under_wine(void)
{
	HMODULE ntdll = GetModuleHandleA("ntdll.dll");

	return ntdll && GetProcAddress(ntdll, "wine_get_version");
}

HANDLE dev_open(BOOL overlapped)
{
	HANDLE h = CreateFileA(HWEVENT_USER_PATH, GENERIC_READ | GENERIC_WRITE,
			       0, NULL, OPEN_EXISTING,
			       overlapped ? FILE_FLAG_OVERLAPPED : 0, NULL);

	return h == INVALID_HANDLE_VALUE ? NULL : h;
}

BOOL dev_info(HANDLE dev, HWEVENT_INFO *info)
{
	OVERLAPPED ov;
	DWORD len = 0, err;

	memset(&ov, 0, sizeof(ov));
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	err = ioctl(dev, IOCTL_HWEVENT_QUERY_INFO, NULL, 0, info,
		    sizeof(*info), &len, &ov);
	if (err == ERROR_IO_PENDING)
		err = ov_wait(dev, &ov, 5000);
	CloseHandle(ov.hEvent);
	return !err;
}

UINT64 wait_records(UINT64 want)
{
	HWEVENT_INFO info;
	HANDLE dev;
	int i;

	info.Records = ~0ULL;
	for (i = 0; i < 200; i++) {
		dev = dev_open(FALSE);
		if (dev) {
			if (!dev_info(dev, &info))
				info.Records = ~0ULL;
			CloseHandle(dev);
		}
		if (info.Records == want)
			break;
		Sleep(50);
	}
	return info.Records;
}

int64_t qpc(void)
{
	LARGE_INTEGER t;

	QueryPerformanceCounter(&t);
	return t.QuadPart;
}

double qpc_ms(int64_t counts)
{
	return (double)counts * 1000.0 / (double)qpc_freq.QuadPart;
}

HWEVENT_REGISTER irp_reg(double ms, UINT64 cookie)
{
	HWEVENT_REGISTER r;

	memset(&r, 0, sizeof(r));
	r.Type = HWEVENT_TYPE_IRP;
	r.DueTime = (UINT64)(ms * 10000.0);
	r.Cookie = cookie;
	return r;
}

DWORD ioctl(HANDLE dev, DWORD code, const void *in, DWORD in_len, void *out,
	    DWORD out_len, DWORD *ret_len, OVERLAPPED *ov)
{
	DWORD len = 0;

	if (DeviceIoControl(dev, code, (void *)in, in_len, out, out_len, &len,
			    ov)) {
		if (ret_len)
			*ret_len = len;
		return 0;
	}
	return GetLastError();
}

DWORD ov_wait(HANDLE dev, OVERLAPPED *ov, DWORD timeout_ms)
{
	DWORD len;

	if (WaitForSingleObject(ov->hEvent, timeout_ms) != WAIT_OBJECT_0)
		return WAIT_TIMEOUT;
	return GetOverlappedResult(dev, ov, &len, FALSE) ? 0 : GetLastError();
}

int run(const wchar_t *exe, const wchar_t *args, char *out, size_t out_len,
	DWORD timeout_ms)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	HANDLE out_r, out_w, in_r, in_w;
	PROCESS_INFORMATION pi;
	STARTUPINFOW si;
	wchar_t cmd[1024];
	DWORD n, code = (DWORD)-1;
	size_t got = 0;

	out[0] = 0;
	if (!CreatePipe(&out_r, &out_w, &sa, 1 << 16))
		return -1;
	if (!CreatePipe(&in_r, &in_w, &sa, 0)) {
		CloseHandle(out_r);
		CloseHandle(out_w);
		return -1;
	}
	SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
	SetHandleInformation(in_w, HANDLE_FLAG_INHERIT, 0);
	CloseHandle(in_w);	/* the child's stdin is at its end */

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = in_r;
	si.hStdOutput = out_w;
	si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
	_snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\" %ls", exe,
		   args);
	cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
	if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si,
			    &pi)) {
		diag("cannot run %ls: error %lu", exe, GetLastError());
		CloseHandle(out_r);
		CloseHandle(out_w);
		CloseHandle(in_r);
		return -1;
	}
	CloseHandle(out_w);
	CloseHandle(in_r);
	if (WaitForSingleObject(pi.hProcess, timeout_ms) != WAIT_OBJECT_0) {
		diag("%ls %ls: still running after %lu ms, killed", exe, args,
		     timeout_ms);
		TerminateProcess(pi.hProcess, 255);
		WaitForSingleObject(pi.hProcess, INFINITE);
	} else {
		GetExitCodeProcess(pi.hProcess, &code);
	}
	while (got + 1 < out_len &&
	       ReadFile(out_r, out + got, (DWORD)(out_len - got - 1), &n,
			NULL) && n)
		got += n;
	out[got] = 0;
	CloseHandle(out_r);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return code == (DWORD)-1 || code == 255 ? -1 : (int)code;
}

const wchar_t *beside(const wchar_t *file, wchar_t *buf)
{
	if (scm_beside_exe(file, buf, MAX_PATH))
		buf[0] = 0;
	return buf;
}
