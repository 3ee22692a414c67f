// SPDX-License-Identifier: GPL-2.0
/*
 * event.exe: the test application of hwevent.sys, after the "event"
 * program of Microsoft's Hardware Event Sample.
 *
 *   event [--count N] [--overlapped N] <delay> <type>
 *
 * Registers for a (simulated) hardware event due in <delay> seconds, waits
 * for it, prints it and registers again, until a key is pressed, Ctrl-C,
 * the end of standard input, or N events.  Type 0 leaves a request pending
 * (N of them in flight with --overlapped N); type 1 hands the driver an
 * event to signal.
 *
 * If the device is absent, it loads hwevent.sys from its own folder
 * through the Service Control Manager, and on exit stops the service and
 * deletes it again: only what it did itself.
 *
 * Event lines go to stdout, one per event; everything else to stderr.
 * The number parsers are the Linux app's (common/parse.c).
 */
#include <windows.h>
#include <winioctl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hwevent.h"
#include "parse.h"
#include "scm.h"

#define EXIT_USAGE	2
#define NS_PER_100NS	100
/* Most requests in flight: what the driver takes from one handle. */
#define OVERLAPPED_MAX	HWEVENT_MAX_PENDING
/* How long cancelled requests may take to complete. */
#define CANCEL_TIMEOUT_MS	5000

struct opts {
	UINT64 due;		/* 100-ns units */
	unsigned int type;
	unsigned int inflight;	/* type 0: requests in flight */
	uint64_t count;		/* 0: until stopped */
};

/* Set by Ctrl-C, the end of input, a key, or a failed write. */
static HANDLE stop_event;
static LARGE_INTEGER qpc_freq;

static void usage(FILE *out)
{
	fputs("Usage: event [options] <delay> <type>\n"
	      "\n"
	      "Register for a (simulated) hardware event of hwevent.sys, wait for it,\n"
	      "print it and register again, until a key is pressed, Ctrl-C, or the end\n"
	      "of standard input.\n"
	      "\n"
	      "Arguments:\n"
	      " <delay>   seconds until the event fires, fractions allowed (0.25),\n"
	      "           from 0.0000001 to 86400\n"
	      " <type>    0: pending request (the driver completes it with the event)\n"
	      "           1: event-based (the driver signals an event object)\n"
	      "\n"
	      "Options:\n"
	      " -c, --count <N>        stop after N events; do not watch standard input\n"
	      " -o, --overlapped <N>   type 0: keep N requests in flight (1 to 64,\n"
	      "                        default 1)\n"
	      " -h, --help             display this help and exit\n"
	      "\n"
	      "If the device does not exist, loads hwevent.sys from the program's own\n"
	      "folder through the Service Control Manager, and stops and deletes the\n"
	      "service again on exit.  Event lines go to stdout, all else to stderr.\n"
	      "Exit status: 0 when stopped, 1 on failure, 2 on bad usage.\n", out);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("event: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n\n", stderr);
	}
	usage(stderr);
	exit(EXIT_USAGE);
}

static void __attribute__((format(printf, 2, 3)))
fail(DWORD err, const char *fmt, ...)
{
	char msg[256] = "";
	va_list ap;

	fputs("event: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
		       FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, msg,
		       sizeof(msg), NULL);
	msg[strcspn(msg, "\r\n")] = 0;
	fprintf(stderr, ": error %lu%s%s\n", err, *msg ? ": " : "", msg);
}

/* A numeric argument as plain ASCII ("" if it is anything else). */
static const char *ascii(const wchar_t *w, char *buf, size_t len)
{
	size_t i;

	for (i = 0; w[i] && i + 1 < len; i++) {
		if (w[i] > 0x7e)
			break;
		buf[i] = (char)w[i];
	}
	if (w[i])
		i = 0;
	buf[i] = 0;
	return buf;
}

/* The value of option @name at argv[*i], as "--name=V" or "--name V". */
static const wchar_t *opt_value(int argc, wchar_t **argv, int *i,
				const wchar_t *lng, const wchar_t *shrt)
{
	size_t n = wcslen(lng);

	if (!wcsncmp(argv[*i], lng, n) && argv[*i][n] == L'=')
		return argv[*i] + n + 1;
	if (wcscmp(argv[*i], lng) && wcscmp(argv[*i], shrt))
		return NULL;
	if (*i + 1 >= argc)
		bad_usage("option '%ls' needs a value", argv[*i]);
	return argv[++*i];
}

static void parse_args(int argc, wchar_t **argv, struct opts *o)
{
	const wchar_t *v, *pos[2];
	unsigned int npos = 0;
	uint64_t ns, n;
	char buf[64];
	int i, ret;
	BOOL opts_done = FALSE;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (!opts_done && !wcscmp(argv[i], L"--")) {
			opts_done = TRUE;
		} else if (!opts_done && (!wcscmp(argv[i], L"--help") ||
					  !wcscmp(argv[i], L"-h"))) {
			usage(stdout);
			exit(fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS);
		} else if (!opts_done && (v = opt_value(argc, argv, &i,
						      L"--count", L"-c"))) {
			if (parse_count(ascii(v, buf, sizeof(buf)), &o->count))
				bad_usage("invalid count: '%ls'", v);
		} else if (!opts_done && (v = opt_value(argc, argv, &i,
						      L"--overlapped", L"-o"))) {
			ret = parse_count(ascii(v, buf, sizeof(buf)), &n);
			if (ret || n > OVERLAPPED_MAX)
				bad_usage("invalid overlapped count: '%ls' (1 to %d)",
					  v, OVERLAPPED_MAX);
			o->inflight = (unsigned int)n;
		} else if (!opts_done && argv[i][0] == L'-' && argv[i][1]) {
			bad_usage("unknown option: '%ls'", argv[i]);
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			bad_usage("too many arguments");
		}
	}
	if (npos < 2)
		bad_usage("missing arguments");

	ret = parse_seconds(ascii(pos[0], buf, sizeof(buf)), &ns);
	if (ret == -EINVAL)
		bad_usage("invalid delay: '%ls'", pos[0]);
	o->due = ns / NS_PER_100NS;
	if (ret || ns % NS_PER_100NS || o->due < HWEVENT_DUE_MIN ||
	    o->due > HWEVENT_DUE_MAX)
		bad_usage("delay out of range: '%ls' (0.0000001 to 86400 s, in steps of 100 ns)",
			  pos[0]);
	if (parse_digit(ascii(pos[1], buf, sizeof(buf)), HWEVENT_TYPE_EVENT,
			&o->type))
		bad_usage("invalid type: '%ls' (0 or 1)", pos[1]);
	if (o->inflight && o->type != HWEVENT_TYPE_IRP)
		bad_usage("--overlapped applies to type 0 only");
	if (!o->inflight)
		o->inflight = 1;
}

static BOOL WINAPI on_ctrl(DWORD type)
{
	(void)type;
	SetEvent(stop_event);
	return TRUE;
}

/*
 * Stop at a key press (console) or at anything on, or the end of,
 * standard input (pipe or file).
 */
static DWORD WINAPI watch_stdin(void *arg)
{
	HANDLE in = arg;
	INPUT_RECORD rec;
	DWORD n;
	char c;

	if (GetFileType(in) == FILE_TYPE_CHAR && GetConsoleMode(in, &n)) {
		SetConsoleMode(in, 0);
		while (ReadConsoleInputW(in, &rec, 1, &n)) {
			if (n && rec.EventType == KEY_EVENT &&
			    rec.Event.KeyEvent.bKeyDown)
				break;
		}
	} else {
		/* Data, the end, or an error: all of them end the run. */
		ReadFile(in, &c, 1, &n, NULL);
	}
	SetEvent(stop_event);
	return 0;
}

static double qpc_secs(int64_t counts)
{
	return (double)counts / (double)qpc_freq.QuadPart;
}

/* Print one line; a failed write (the reader went away) stops the run. */
static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vprintf(fmt, ap);
	va_end(ap);
	if (ret < 0 || fflush(stdout))
		SetEvent(stop_event);
}

static void print_msg(uint64_t n, const struct opts *o,
		      const HWEVENT_MESSAGE *msg, int64_t t0)
{
	double after = qpc_secs((int64_t)msg->FiredQpc - t0);
	uint64_t freq = msg->QpcFrequency ? msg->QpcFrequency : 1;

	out("event %" PRIu64 ": type 0 cookie %" PRIu64 " seq %" PRIu64
	    " fired %" PRIu64 ".%06" PRIu64 " after %.6f s (late %" PRId64
	    " us)\n", n, msg->Cookie, msg->Sequence, msg->FiredQpc / freq,
	    msg->FiredQpc % freq * 1000000 / freq, after,
	    (int64_t)((after - (double)o->due / 1e7) * 1e6));
}

static int64_t qpc_now(void)
{
	LARGE_INTEGER t;

	QueryPerformanceCounter(&t);
	return t.QuadPart;
}

static BOOL more(const struct opts *o, uint64_t n)
{
	return WaitForSingleObject(stop_event, 0) != WAIT_OBJECT_0 &&
	       (!o->count || n < o->count);
}

/* One type-0 request in flight. */
struct slot {
	OVERLAPPED ov;
	HWEVENT_REGISTER reg;
	HWEVENT_MESSAGE msg;
	int64_t t0;
	BOOL busy;
};

static DWORD submit(HANDLE dev, const struct opts *o, struct slot *s,
		    uint64_t cookie)
{
	HANDLE ev = s->ov.hEvent;

	memset(&s->ov, 0, sizeof(s->ov));
	s->ov.hEvent = ev;
	memset(&s->reg, 0, sizeof(s->reg));
	s->reg.Type = HWEVENT_TYPE_IRP;
	s->reg.DueTime = o->due;
	s->reg.Cookie = cookie;
	s->t0 = qpc_now();
	if (!DeviceIoControl(dev, IOCTL_HWEVENT_REGISTER, &s->reg,
			     sizeof(s->reg), &s->msg, sizeof(s->msg), NULL,
			     &s->ov) && GetLastError() != ERROR_IO_PENDING)
		return GetLastError();
	s->busy = TRUE;
	return 0;
}

/* Type 0: keep o->inflight requests pending, print each completion. */
static int run_irp(HANDLE dev, const struct opts *o)
{
	struct slot slots[OVERLAPPED_MAX];
	HANDLE waits[OVERLAPPED_MAX + 1];
	uint64_t printed = 0, cookie = 0;
	unsigned int i, nev, busy = 0;
	DWORD w, err = 0, len;
	int ret = 0;

	memset(slots, 0, sizeof(slots));
	for (nev = 0; nev < o->inflight; nev++) {
		waits[nev] = CreateEventW(NULL, TRUE, FALSE, NULL);
		if (!waits[nev]) {
			fail(GetLastError(), "CreateEvent");
			ret = 1;
			goto out;
		}
		slots[nev].ov.hEvent = waits[nev];
	}
	waits[o->inflight] = stop_event;

	for (i = 0; i < o->inflight && more(o, cookie) && !err; i++) {
		err = submit(dev, o, &slots[i], ++cookie);
		if (!err)
			busy++;
	}
	while (busy && !err) {
		w = WaitForMultipleObjects(o->inflight + 1, waits, FALSE,
					   INFINITE);
		if (w == WAIT_OBJECT_0 + o->inflight)
			break;
		if (w > WAIT_OBJECT_0 + o->inflight) {
			err = GetLastError();
			fail(err, "WaitForMultipleObjects");
			break;
		}
		i = w - WAIT_OBJECT_0;
		slots[i].busy = FALSE;
		busy--;
		ResetEvent(slots[i].ov.hEvent);
		if (!GetOverlappedResult(dev, &slots[i].ov, &len, FALSE)) {
			err = GetLastError();
			break;
		}
		if (!o->count || printed < o->count)
			print_msg(++printed, o, &slots[i].msg, slots[i].t0);
		if (more(o, cookie)) {
			err = submit(dev, o, &slots[i], ++cookie);
			if (!err)
				busy++;
		}
	}
	if (err) {
		fail(err, "IOCTL_HWEVENT_REGISTER");
		ret = 1;
	}
	/* Cancel what is left, and wait: the buffers are on this stack. */
	if (busy && !CancelIoEx(dev, NULL) &&
	    GetLastError() != ERROR_NOT_FOUND)
		fail(GetLastError(), "CancelIoEx");
	for (i = 0; i < o->inflight; i++) {
		if (slots[i].busy &&
		    WaitForSingleObject(slots[i].ov.hEvent,
					CANCEL_TIMEOUT_MS) != WAIT_OBJECT_0) {
			fputs("event: a cancelled request did not complete\n",
			      stderr);
			ret = 1;
		}
	}
out:
	while (nev)
		CloseHandle(waits[--nev]);
	return ret;
}

/* Type 1: register the event, wait for it, print, register again. */
static int run_event(HANDLE dev, const struct opts *o)
{
	HANDLE waits[2], done;
	HWEVENT_REGISTER reg;
	OVERLAPPED ov;
	uint64_t n = 0;
	int64_t t0;
	double after;
	DWORD len, w;
	int ret = 1;

	waits[0] = CreateEventW(NULL, TRUE, FALSE, NULL);
	done = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!waits[0] || !done) {
		fail(GetLastError(), "CreateEvent");
		goto out;
	}
	waits[1] = stop_event;
	while (more(o, n)) {
		memset(&reg, 0, sizeof(reg));
		reg.Type = HWEVENT_TYPE_EVENT;
		reg.DueTime = o->due;
		reg.Cookie = n + 1;
		reg.Event = (UINT64)(ULONG_PTR)waits[0];
		memset(&ov, 0, sizeof(ov));
		ov.hEvent = done;
		t0 = qpc_now();
		/* It completes at once; OVERLAPPED as the handle is. */
		if (!DeviceIoControl(dev, IOCTL_HWEVENT_REGISTER, &reg,
				     sizeof(reg), NULL, 0, NULL, &ov) &&
		    (GetLastError() != ERROR_IO_PENDING ||
		     !GetOverlappedResult(dev, &ov, &len, TRUE))) {
			fail(GetLastError(), "IOCTL_HWEVENT_REGISTER");
			goto out;
		}
		w = WaitForMultipleObjects(2, waits, FALSE, INFINITE);
		if (w != WAIT_OBJECT_0)
			break;
		after = qpc_secs(qpc_now() - t0);
		ResetEvent(waits[0]);
		n++;
		out("event %" PRIu64 ": type 1 cookie %" PRIu64
		    " after %.6f s (late %" PRId64 " us)\n", n, n, after,
		    (int64_t)((after - (double)o->due / 1e7) * 1e6));
	}
	/* A registration still pending is cancelled as the handle closes. */
	ret = 0;
out:
	if (waits[0])
		CloseHandle(waits[0]);
	if (done)
		CloseHandle(done);
	return ret;
}

static HANDLE open_device(void)
{
	return CreateFileA(HWEVENT_USER_PATH, GENERIC_READ | GENERIC_WRITE, 0,
			   NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
}

int wmain(int argc, wchar_t **argv)
{
	struct scm_load ld = { FALSE, FALSE };
	wchar_t sys[MAX_PATH];
	HANDLE dev, th = NULL;
	struct opts o;
	DWORD err;
	int ret;

	parse_args(argc, argv, &o);
	QueryPerformanceFrequency(&qpc_freq);
	stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!stop_event) {
		fail(GetLastError(), "CreateEvent");
		return 1;
	}

	dev = open_device();
	if (dev == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		if (err != ERROR_FILE_NOT_FOUND) {
			fail(err, "cannot open %s", HWEVENT_USER_PATH);
			return 1;
		}
		err = scm_beside_exe(L"" HWEVENT_DRIVER_FILE, sys, MAX_PATH);
		if (!err)
			err = scm_load(sys, &ld);
		if (err) {
			fail(err, "cannot load %ls", sys);
			return 1;
		}
		fprintf(stderr, "event: loaded %ls\n", sys);
		dev = open_device();
		if (dev == INVALID_HANDLE_VALUE) {
			fail(GetLastError(), "cannot open %s",
			     HWEVENT_USER_PATH);
			ret = 1;
			goto unload;
		}
	}

	SetConsoleCtrlHandler(on_ctrl, TRUE);
	if (!o.count) {
		th = CreateThread(NULL, 0, watch_stdin,
				  GetStdHandle(STD_INPUT_HANDLE), 0, NULL);
		if (!th) {
			fail(GetLastError(), "CreateThread");
			ret = 1;
			goto close;
		}
		fputs("event: press a key, Ctrl-C or end the input to stop\n",
		      stderr);
	}
	ret = o.type == HWEVENT_TYPE_IRP ? run_irp(dev, &o) :
					    run_event(dev, &o);
close:
	CloseHandle(dev);
unload:
	err = scm_unload(&ld);
	if (err) {
		fail(err, "cannot unload the driver");
		ret = 1;
	} else if (ld.started) {
		fputs("event: unloaded the driver\n", stderr);
	}
	/* The stdin watcher may block in a read: exit ends it. */
	(void)th;
	return ret;
}
