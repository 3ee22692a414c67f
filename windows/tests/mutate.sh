#!/bin/bash
# Break the driver, event.exe or the SCM helpers on purpose, one way at a
# time, and check that the Windows suite catches each: every test of
# hwtest.exe must fail against at least one of these copies, and the
# tests that SKIP under Wine must fail, not skip, once what they skip on
# is broken.  Not part of CI (20 s to 2 min a mutant); run by hand after
# scripts/wine-suite.sh installed Wine:
#   windows/tests/mutate.sh [PATTERN]   (only the mutants whose name matches)
# Prints "ok"/"not ok" per mutant and the tests that failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

only=${1:-}
work=$(mktemp -d /tmp/hwevent-mutate.XXXXXX)
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all \
	WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
trap 'wineserver -k 2>/dev/null; rm -rf "$work"' EXIT
# One session only (see scripts/wine-suite.sh).
wineboot -i >/dev/null 2>&1 && wineserver -k && wineserver -w &&
	wineserver -p && wine cmd /c exit >/dev/null 2>&1 || exit 1
mkdir -p "$WINEPREFIX/drive_c/hwevent"

# name @ file @ perl code run on the file @ a test that must fail (regex)
mutants=(
"flags-unchecked@windows/driver/hwevent.c@s/if \(reg->Flags \|\| /if (/@bad Type, Flags"
"length-at-least@windows/driver/hwevent.c@s/InputBufferLength != sizeof\(\*reg\)/InputBufferLength < sizeof(*reg)/@input not sizeof"
"output-unchecked@windows/driver/hwevent.c@s/if \(out_len < sizeof\(HWEVENT_MESSAGE\)\)\n\t\t\treturn STATUS_BUFFER_TOO_SMALL;//@short output buffer"
"unknown-ioctl-ok@windows/driver/hwevent.c@s/status = STATUS_INVALID_DEVICE_REQUEST;/status = STATUS_SUCCESS;/@unknown control code"
"limit-65@windows/driver/hwevent.c@s/file->armed >= HWEVENT_MAX_PENDING/file->armed > HWEVENT_MAX_PENDING/@takes 64 pending"
"cookie-lost@windows/driver/hwevent.c@s/msg.Cookie = rec->cookie;//@synchronous IRP request"
"due-doubled@windows/driver/hwevent.c@s/-\(LONGLONG\)reg->DueTime/-2 * (LONGLONG)reg->DueTime/@complete on time"
"sequence-lifo@windows/driver/hwevent.c@s/msg.Sequence = \+\+dev->seq;/msg.Sequence = 1000000 - ++dev->seq;/@complete in due order"
"cancel-as-success@windows/driver/hwevent.c@s/hw_complete\(irp, STATUS_CANCELLED, 0\);\n\tif \(orphan\)/hw_complete(irp, STATUS_SUCCESS, 0);\n\tif (orphan)/@CancelIoEx cancels one"
"cancel-one-is-all@windows/driver/hwevent.c@s/(static void hw_cancel.*?KeAcquireSpinLock\(&dev->lock, &irql\);)/\$1\n\tif (rec->file) { PLIST_ENTRY e; for (e = rec->file->recs.Flink; e != &rec->file->recs; e = e->Flink) { struct hw_rec *o = CONTAINING_RECORD(e, struct hw_rec, link); if (o != rec && o->irp && IoSetCancelRoutine(o->irp, NULL)) { o->irp->IoStatus.Status = STATUS_CANCELLED; IoCompleteRequest(o->irp, 0); o->irp = NULL; } } }/s@CancelIoEx cancels one"
"cancel-uncounted@windows/driver/hwevent.c@s/(rec->file->armed--;\n\t\tdev->cancelled\+\+;)/rec->file->armed--;/@CancelIoEx cancels one|killed process"
"close-no-cancel@windows/driver/hwevent.c@s/pending = hw_file_cancel_all\(dev, file\);/pending = 0;/@closing a handle with 8"
"close-leaks@windows/driver/hwevent.c@s/ExFreePoolWithTag\(file, HW_TAG\);\n\thw_dispose_list\(&done\);/ExFreePoolWithTag(file, HW_TAG);/@closing a handle with 8"
"info-version@windows/driver/hwevent.c@s/info.Version = HWEVENT_INTERFACE_VERSION;/info.Version = 0;/@QUERY_INFO: version"
"subname-opens@windows/driver/hwevent.c@s/if \(sp->FileObject->FileName.Length\)/if (0)/@name below the device"
"unload-hangs@windows/driver/hwevent.c@s/if \(--dev->records == 0\)\n\t\tKeSetEvent/if (--dev->records == ~0)\n\t\tKeSetEvent/@STOP unloads"
"no-symlink@windows/driver/hwevent.c@s/status = IoCreateSymbolicLink\(&link, &name\);/status = STATUS_SUCCESS;/@StartService load"
"event-refused@windows/driver/hwevent.c@s/if \(!reg->Event \|\| out_len\)/if (1)/@event-based: the driver signals"
"event-handle-unchecked@windows/driver/hwevent.c@s/status = ObReferenceObjectByHandle\(/status = STATUS_SUCCESS; if (0) ObReferenceObjectByHandle(/@bad or non-event handle"
"cleanup-unseen@windows/driver/hwevent.c@s/dev->closes_with_work\+\+;//@IRP_MJ_CLEANUP cancels"
"scm-claims-create@windows/app/scm.c@s/err = 0;\n\t\tsvc = OpenServiceW/ld->created = TRUE; err = 0;\n\t\tsvc = OpenServiceW/@loading again while it runs"
"app-never-unloads@windows/app/event.c@s/err = scm_unload\(&ld\);/err = 0;/@loads the driver through the SCM when"
"app-always-unloads@windows/app/event.c@s/err = scm_unload\(&ld\);/ld.started = TRUE; err = scm_unload(&ld);/@already loaded driver"
"app-one-in-flight@windows/app/event.c@s/if \(!o->inflight\)\n\t\to->inflight = 1;/o->inflight = 1;/@--overlapped 4"
"app-no-stdin-watch@windows/app/event.c@s/if \(!o.count\) \{\n\t\tth = /if (0) {\n\t\tth = /@end of standard input"
"app-help-status@windows/app/event.c@s/exit\(fflush\(stdout\) \? EXIT_FAILURE : EXIT_SUCCESS\);/exit(1);/@--help prints"
"app-overlapped-type1@windows/app/event.c@s/if \(o->inflight && o->type != HWEVENT_TYPE_IRP\)/if (0)/@refuses bad arguments"
)

pass=0 missed=0
for m in "${mutants[@]}"; do
	IFS='@' read -r name file code want <<<"$m"
	[ -z "$only" ] || [[ $name == *$only* ]] || continue
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
	cp "$src"/build/windows/{hwevent.sys,event.exe,hwtest.exe} \
		"$WINEPREFIX/drive_c/hwevent/"
	timeout 240 wine 'C:\hwevent\hwtest.exe' </dev/null \
		>"$work/tap" 2>/dev/null
	rc=$?
	failed=$(grep -a '^not ok' "$work/tap" | sed 's/^not ok [0-9]* - //')
	if grep -qaE -- "$want" <<<"$failed"; then
		echo "ok - $name: caught by '$want'"
		pass=$((pass + 1))
	else
		echo "not ok - $name: '$want' did not fail"
		missed=$((missed + 1))
	fi
	sed 's/^/#   failed: /' <<<"$failed" | cut -c1-160
	# A hung driver host must not leak into the next mutant.
	if [ $rc -eq 124 ] || ! grep -q 'STOP unloads' <<<"$(grep -a '^ok' "$work/tap")"; then
		wineserver -k; wineserver -w; wineserver -p
		wine cmd /c exit >/dev/null 2>&1
	fi
done
echo "mutate: $pass caught, $missed missed"
[ "$missed" -eq 0 ]
