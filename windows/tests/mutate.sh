#!/bin/bash
# Break the driver, event.exe or the SCM helpers on purpose, one way at a
# time, and check that the Windows suite catches each: every test of
# hwtest.exe must fail against at least one of these copies, and the
# tests that SKIP under Wine must fail, not skip, once what they skip on
# is broken.  Not part of CI (30 s to 2 min a mutant); run by hand after
# scripts/wine-suite.sh installed Wine:
#   windows/tests/mutate.sh [REGEX]   (only the mutants whose name matches)
# Prints "ok"/"not ok" per mutant and the tests that failed.  Needs an
# up-to-date build/windows (make windows).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

only=${1:-}
work=$(mktemp -d /tmp/hwevent-mutate.XXXXXX)
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all \
	WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
trap 'wineserver -k 2>/dev/null; rm -rf "$work"' EXIT
# A pristine prefix for each run, copied from one booted once (2.5 s for
# 700 MB here): a broken driver may leave its host hung, or the service
# marked for deletion, which outlives the session in the prefix.  One
# session only (see scripts/wine-suite.sh).
tpl=$work/template
WINEPREFIX=$tpl wineboot -i >/dev/null 2>&1 || exit 1
WINEPREFIX=$tpl wineserver -k
WINEPREFIX=$tpl wineserver -w
session() {
	wineserver -k 2>/dev/null
	wineserver -w
	rm -rf "$WINEPREFIX"
	cp -a "$tpl" "$WINEPREFIX"
	mkdir -p "$WINEPREFIX/drive_c/hwevent"
	wineserver -p >/dev/null 2>&1 && wine cmd /c exit >/dev/null 2>&1
}
session || exit 1
mkdir -p "$WINEPREFIX/drive_c/hwevent"

# The unbroken build must pass, or the mutants prove nothing.
cp build/windows/{hwevent.sys,event.exe,hwtest.exe} "$WINEPREFIX/drive_c/hwevent/"
if ! timeout 240 wine 'C:\hwevent\hwtest.exe' </dev/null >"$work/tap" 2>/dev/null; then
	echo "Bail out! the unbroken build fails:"
	grep -a '^not ok' "$work/tap"
	exit 1
fi
echo "# the unbroken build passes"

# name @ file @ perl code run on the file @ the failure it must cause:
# a regex on hwtest.exe's "not ok" lines (test name: reason)
mutants=(
"flags-unchecked@windows/driver/hwevent.c@s/if \(reg->Flags \|\| /if (/@bad Type, Flags.*Flags 1: error 0"
"length-at-least@windows/driver/hwevent.c@s/InputBufferLength != sizeof\(\*reg\)/InputBufferLength < sizeof(*reg)/@input not sizeof.*49 bytes: error 0"
"output-unchecked@windows/driver/hwevent.c@s/if \(out_len < sizeof\(HWEVENT_MESSAGE\)\)\n\t\t\treturn STATUS_BUFFER_TOO_SMALL;//@short output buffer.*no output: error 0"
"unknown-ioctl-ok@windows/driver/hwevent.c@s/status = STATUS_INVALID_DEVICE_REQUEST;/status = STATUS_SUCCESS;/@unknown control code.*unknown code: error 0"
"limit-65@windows/driver/hwevent.c@s/file->armed >= HWEVENT_MAX_PENDING/file->armed > HWEVENT_MAX_PENDING/@takes 64 pending.*request 65: error 997"
"cookie-lost@windows/driver/hwevent.c@s/msg.Cookie = rec->cookie;//@synchronous IRP request.*cookie"
"due-doubled@windows/driver/hwevent.c@s/-\(LONGLONG\)reg->DueTime/-2 * (LONGLONG)reg->DueTime/@complete on time.*1000 ms: completed after"
"sequence-lifo@windows/driver/hwevent.c@s/msg.Sequence = \+\+dev->seq;/msg.Sequence = 1000000 - ++dev->seq;/@complete in due order.*fired as"
"cancel-as-success@windows/driver/hwevent.c@s/hw_complete\(irp, STATUS_CANCELLED, 0\);\n\tif \(orphan\)/hw_complete(irp, STATUS_SUCCESS, 0);\n\tif (orphan)/@CancelIoEx cancels one.*cancelled: error 0"
"cancel-one-is-all@windows/driver/hwevent.c@s/(static void hw_cancel.*?KeAcquireSpinLock\(&dev->lock, &irql\);)/\$1\n\tif (rec->file) { PLIST_ENTRY e; for (e = rec->file->recs.Flink; e != &rec->file->recs; e = e->Flink) { struct hw_rec *o = CONTAINING_RECORD(e, struct hw_rec, link); if (o != rec && o->irp && IoSetCancelRoutine(o->irp, NULL)) { o->irp->IoStatus.Status = STATUS_CANCELLED; IoCompleteRequest(o->irp, 0); o->irp = NULL; } } }/s@CancelIoEx cancels one.*the other request completed too"
"cancel-uncounted@windows/driver/hwevent.c@s/(rec->file->armed--;\n\t\tdev->cancelled\+\+;)/rec->file->armed--;/@Cancelled went from"
"close-no-cancel@windows/driver/hwevent.c@s/(ExFreePoolWithTag\(file, HW_TAG\);\n)\thw_finish\(&irps, &done\);/\$1\thw_dispose_list(&done);/@closing a handle with 8.*still pending"
"close-leaks@windows/driver/hwevent.c@s/(ExFreePoolWithTag\(file, HW_TAG\);\n)\thw_finish\(&irps, &done\);/\$1\tInitializeListHead(&done);\n\thw_finish(&irps, &done);/@loads the driver through the SCM when.*exit status 1"
"info-version@windows/driver/hwevent.c@s/info.Version = HWEVENT_INTERFACE_VERSION;/info.Version = 0;/@QUERY_INFO: version.*Version 0"
"unload-hangs@windows/driver/hwevent.c@s/if \(--dev->records == 0\)\n\t\tKeSetEvent/if (--dev->records == ~0)\n\t\tKeSetEvent/@STOP unloads.*scm_stop: error"
"no-symlink@windows/driver/hwevent.c@s/status = IoCreateSymbolicLink\(&link, &name\);/status = STATUS_SUCCESS;/@StartService load.*CreateFile"
"event-refused@windows/driver/hwevent.c@s/if \(!reg->Event \|\| out_len\)/if (1)/@event-based: the driver signals.*error 87"
"event-handle-unchecked@windows/driver/hwevent.c@s/status = ObReferenceObjectByHandle\(/status = STATUS_SUCCESS; if (0) ObReferenceObjectByHandle(/@bad or non-event handle.*bogus handle: error 0"
"cleanup-unseen@windows/driver/hwevent.c@s/dev->closes_with_work\+\+;/(void)0;/@IRP_MJ_CLEANUP cancels.*Cleanups went from"
"scm-claims-create@windows/app/scm.c@s/err = 0;\n\t\tsvc = OpenServiceW/ld->created = TRUE; err = 0;\n\t\tsvc = OpenServiceW/@loading again while it runs.*created 1"
"app-never-unloads@windows/app/event.c@s/err = scm_unload\(&ld\);/err = 0;/@loads the driver through the SCM when.*still there after exit"
"app-always-unloads@windows/app/event.c@s/err = scm_unload\(&ld\);/ld.started = TRUE; err = scm_unload(&ld);/@already loaded driver.*no longer runs"
"app-one-in-flight@windows/app/event.c@s/if \(!o->inflight\)\n\t\to->inflight = 1;/o->inflight = 1;/@--overlapped 4.*s apart"
"app-no-stdin-watch@windows/app/event.c@s/if \(!o.count\) \{\n\t\tth = /if (0) {\n\t\tth = /@end of standard input.*exit status -1"
"app-help-status@windows/app/event.c@s/exit\(fflush\(stdout\) \? EXIT_FAILURE : EXIT_SUCCESS\);/exit(1);/@--help prints.*exit status 1"
"app-overlapped-type1@windows/app/event.c@s/if \(o->inflight && o->type != HWEVENT_TYPE_IRP\)/if (0)/@refuses bad arguments.*--overlapped 2 1 1"
)

pass=0 missed=0
for m in "${mutants[@]}"; do
	IFS='@' read -r name file code want <<<"$m"
	[ -z "$only" ] || [[ $name =~ $only ]] || continue
	src=$work/src
	rm -rf "$src" && mkdir -p "$src/build" && cp -r windows common "$src/"
	# The unbroken build, newer than its sources: only the mutant's
	# target is rebuilt.
	cp -r build/windows "$src/build/"
	before=$(md5sum <"$src/$file")
	perl -0pi -e "$code" "$src/$file"
	if [ "$(md5sum <"$src/$file")" = "$before" ]; then
		echo "not ok - $name: the mutation did not apply"
		missed=$((missed + 1))
		continue
	fi
	if ! make -s -C "$src" -f windows/windows.mk windows >"$work/make.log" 2>&1; then
		echo "not ok - $name: the mutant does not build"
		sed 's/^/# /' "$work/make.log" | tail -5
		missed=$((missed + 1))
		continue
	fi
	session
	cp "$src"/build/windows/{hwevent.sys,event.exe,hwtest.exe} \
		"$WINEPREFIX/drive_c/hwevent/"
	timeout 240 wine 'C:\hwevent\hwtest.exe' </dev/null \
		>"$work/tap" 2>/dev/null
	failed=$(grep -a '^not ok' "$work/tap" | sed 's/^not ok [0-9]* - //')
	if grep -qaE -- "$want" <<<"$failed"; then
		echo "ok - $name: caught by '$want'"
		pass=$((pass + 1))
	else
		echo "not ok - $name: '$want' did not fail"
		missed=$((missed + 1))
	fi
	sed 's/^/#   failed: /' <<<"$failed" | cut -c1-160
done
echo "mutate: $pass caught, $missed missed"
[ "$missed" -eq 0 ]
