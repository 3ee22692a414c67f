#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz/run-fuzz.sh: fuzz /dev/hwevent for a fixed time budget, then
# check that the driver is at rest, unloads, and left the kernel log clean.
# Prints TAP on stdout; exits 0 only if every test passed.
#
# WHERE IT RUNS: inside the test VM (it loads the module), after
# `make tests` (and build/san/hwfuzz, see tests/fuzz/hwfuzz.c):
#     vm/run-in-vm.sh --timeout 900 -- tests/fuzz/run-fuzz.sh
#
# 1. hwfuzz (tests/fuzz/hwfuzz.c): randomized multi-process sequences of
#    every operation of the uAPI, checked against it, for
#    HWEVENT_FUZZ_SECONDS; it waits for nothing pending and unloads.
# 2. trinity, if installed (scripts/install-deps.sh trinity), aimed at the
#    device (-V /dev/hwevent) with only the syscalls that reach it, for
#    HWEVENT_TRINITY_SECONDS, as nobody (--dropprivs; the device is made
#    world-accessible for it, in the throwaway VM only).  Then: nothing
#    pending, the module unloads.
# 3. the kernel log since the start: no warning, oops, slab report.
#
# Environment: HWEVENT_FUZZ_SECONDS (default 60), HWEVENT_TRINITY_SECONDS
# (default: the same), HWEVENT_FUZZ_PROCS (default 4), HWEVENT_SEED
# (default: random; printed), HWEVENT_KO, HWEVENT_FUZZ_BIN.
set -u
cd "$(dirname "$0")/../.." || exit 2
export PATH="$PATH:/usr/sbin:/sbin"

ko=${HWEVENT_KO:-build/san/hwevent.ko}
fuzz_bin=${HWEVENT_FUZZ_BIN:-build/san/hwfuzz}
fuzz_s=${HWEVENT_FUZZ_SECONDS:-60}
trinity_s=${HWEVENT_TRINITY_SECONDS:-$fuzz_s}
procs=${HWEVENT_FUZZ_PROCS:-4}
seed=${HWEVENT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

bail() {
	echo "Bail out! run-fuzz: $*"
	exit 2
}

[ "$(id -u)" = 0 ] || bail "needs root"
[ -e /proc/modules ] ||
	bail "this kernel cannot load modules: run it in the VM (vm/run-in-vm.sh --timeout 900 -- $0)"
[ -r "$ko" ] || bail "$ko is missing: run 'make tests' first"
[ -x "$fuzz_bin" ] || bail "$fuzz_bin is missing: build it first (see tests/fuzz/hwfuzz.c)"

n=0
failed=0
result() { # result NAME PROBLEM...: ok when PROBLEM is empty
	local name=$1
	shift
	n=$((n + 1))
	if [ -z "$*" ]; then
		echo "ok $n - fuzz:$name"
	else
		echo "not ok $n - fuzz:$name"
		echo "#   $*"
		failed=$((failed + 1))
	fi
}
module_loaded() { [ -d /sys/module/hwevent ]; }
counter() { cat "/sys/class/misc/hwevent/counters/$1" 2>/dev/null; }
load() {
	module_loaded || insmod "$ko" || return 1
	local _
	for _ in $(seq 100); do
		[ -c /dev/hwevent ] && return 0
		sleep 0.05
	done
	return 1
}
# Wait up to 30 s for nothing pending, then unload (retrying while busy:
# the last references may be dropped a little after the processes ended).
settle_and_unload() { # settle_and_unload NAME
	local name=$1 _ p problem="" err=""
	for _ in $(seq 300); do
		p=$(counter pending)
		[ "$p" = 0 ] && break
		sleep 0.1
	done
	[ "$p" = 0 ] || problem="pending is '$p' 30 s after the end; "
	echo "# counters after $name: registered $(counter registered) fired $(counter fired) cancelled $(counter cancelled) pending $p lost $(counter lost)"
	result "${name}_rest_state" "$problem"
	for _ in $(seq 300); do
		module_loaded || break
		err=$(rmmod hwevent 2>&1) && break
		sleep 0.1
	done
	if module_loaded; then
		result "${name}_module_unloads" "rmmod: $err; refcnt $(cat /sys/module/hwevent/refcnt 2>/dev/null)"
	else
		result "${name}_module_unloads" ""
	fi
}

log_start=$(dmesg | wc -l)
if module_loaded; then
	rmmod hwevent 2>/dev/null || bail "hwevent is loaded and in use; cannot start"
fi
echo "# run-fuzz: kernel $(uname -r), $(nproc) CPUs, seed $seed, hwfuzz ${fuzz_s}s x $procs, trinity ${trinity_s}s"

# --- 1. hwfuzz ------------------------------------------------------------
load || bail "cannot load $ko"
start=$(date +%s)
rc=""
while IFS= read -r line; do
	if [[ $line =~ ^__RUN_FUZZ_RC=([0-9]+)$ ]]; then
		rc=${BASH_REMATCH[1]}
	elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ -\ (.*)$ ]]; then
		n=$((n + 1))
		[ -z "${BASH_REMATCH[1]}" ] || failed=$((failed + 1))
		echo "${BASH_REMATCH[1]}ok $n - ${BASH_REMATCH[2]}"
	elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
		:
	else
		echo "$line"
	fi
done < <("$fuzz_bin" --seconds "$fuzz_s" --procs "$procs" --seed "$seed" 2>&1
	echo "__RUN_FUZZ_RC=$?")
echo "# run-fuzz: hwfuzz ran $(($(date +%s) - start)) s"
result hwfuzz_exit_status "$([ "$rc" = 0 ] || echo "hwfuzz exited with status ${rc:-unknown}")"
# hwfuzz unloads the module itself; if it could not, say why here.
if module_loaded; then
	settle_and_unload hwfuzz
fi

# --- 2. trinity -----------------------------------------------------------
if ! command -v trinity >/dev/null 2>&1; then
	echo "ok $((n + 1)) - fuzz:trinity # SKIP trinity is not installed (scripts/install-deps.sh trinity)"
	n=$((n + 1))
else
	load || bail "cannot load $ko"
	# trinity runs as nobody: let it at the device (throwaway VM only).
	chmod 0666 /dev/hwevent
	tdir=$(mktemp -d /tmp/trinity.XXXXXX)
	chmod 0777 "$tdir"
	start=$(date +%s)
	# Its own session, so that every process of it can be killed by id.
	# Only the syscalls that reach a character device's file operations.
	(cd "$tdir" && exec setsid trinity --dropprivs -q -l off -C 4 \
		-s "$seed" -V /dev/hwevent \
		--disable-fds=sockets,pipes,perf,pseudo,timerfd,testfile,memfd,drm \
		-c ioctl -c read -c readv -c preadv -c poll -c ppoll -c fcntl \
		-c dup -c dup2 -c epoll_ctl -c epoll_wait -c select \
		-c io_uring_setup -c io_uring_enter \
		>"$tdir/trinity.out" 2>&1) &
	tpid=$!
	sleep "$trinity_s"
	# setsid made trinity (the subshell exec'd into it) a session leader.
	tsid=$(awk '{print $6}' "/proc/$tpid/stat" 2>/dev/null)
	if [ "$tsid" = "$tpid" ]; then
		kill -INT -- "-$tpid" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$tpid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$tpid" 2>/dev/null
	else
		kill -KILL "$tpid" 2>/dev/null
	fi
	wait "$tpid" 2>/dev/null
	echo "# run-fuzz: trinity ran $(($(date +%s) - start)) s; its last lines:"
	tail -n 8 "$tdir/trinity.out" | sed 's/^/#   /'
	problem=""
	grep -qE 'syscalls|Ran|iterations|operations' "$tdir/trinity.out" ||
		problem="trinity does not seem to have run (see its output above)"
	result trinity_ran "$problem"
	chmod 0600 /dev/hwevent 2>/dev/null
	settle_and_unload trinity
fi

# --- 3. the kernel log ----------------------------------------------------
# shellcheck source=common/kernel-log.sh
. common/kernel-log.sh
n=$((n + 1))
kernel_log_result "$n" fuzz:kernel_log_clean "$log_start" ||
	failed=$((failed + 1))

echo "1..$n"
echo "# run-fuzz: $((n - failed)) passed, $failed failed (seed $seed)"
[ "$failed" = 0 ]
