#!/bin/bash
# Run a command as root inside a throwaway QEMU VM (TCG, no KVM) booted with
# Debian's kernel, whose root is the host's root, read-only over virtio-9p.
#
#   vm/run-in-vm.sh [--timeout SEC] [--mem MB] [--append 'KERNEL ARGS']
#                   [--out DIR] [--kernel BZIMAGE] [--kroot DIR]
#                   [--icount SHIFT] -- CMD [ARG...]
#
# The kernel is Debian's (scripts/kver.sh; $HWEVENT_KVER); with --kroot DIR
# it is HWEVENT_KVER's image unpacked in DIR (DIR/boot/vmlinuz-KVER, its
# modules in DIR/lib/modules/KVER: scripts/kernel-lines.sh); or with --kernel
# one that has virtio-9p built in and no modules of its own to load (the
# debug kernel of vm/debug-kernel.sh).
#
# CMD runs in the caller's working directory (same path in the guest), with
# stdin /dev/null and stdout/stderr on the guest's console, which is
# streamed live to stdout and saved to DIR/console.log.  DIR (default
# build/vm in the repo) is writable in the guest at the same path; the rest
# of the host's root is read-only, /tmp and /run are fresh tmpfs.  The guest
# environment is clean (PATH, HOME=/tmp, TERM=dumb, LANG=C.UTF-8) plus the
# caller's CI, HWEVENT_*, CK_* and *SAN_OPTIONS variables.
#
# --icount SHIFT: guest time follows the instructions executed (2^SHIFT ns
# each; QEMU's -icount shift=SHIFT,sleep=off, which needs single-threaded
# TCG), not the host's clock: the emulator's stalls vanish from the
# guest's view, and an idle guest jumps to its next timer.  The guest has
# one vCPU then: with two, QEMU 7.2's icount hangs Debian's 6.1 at
# "Booting SMP configuration" (seen here with shift 2 and 3, sleep on and
# off).
#
# The VM is a q35 with an edu PCI device (QEMU's teaching device, which
# hwevent drives: docs/edu.md) with id "edu0" in a PCIe root port "rp1",
# and an empty second root port "rp2".  The host side can take it away and
# bring it back during the run: vm/hotplug-agent.py serves device_del and
# device_add through qemu's QMP socket, on requests the guest writes to its
# second serial port.  The guest's environment says so: HWEVENT_EDU=1 (an
# edu device is attached), HWEVENT_HOTPLUG_TTY=/dev/ttyS1 (the channel).
# HWEVENT_VM_EDU=0 leaves all of that out.  The agent's log is
# DIR/hotplug.log.
#
# Exit status: CMD's, or 125 when the VM itself failed: a timeout, a crash
# (no HWEVENT-VM-EXIT marker), or any sign of a kernel problem (WARNING,
# BUG, Oops, slub_debug report, ...) in the guest's kernel log; the
# matching lines are printed.  The full kernel log is in DIR/vm-dmesg.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

usage() {
	sed -n '5,7s/^# *//p' "$0" >&2
	exit 2
}
die() {
	echo "run-in-vm: $*" >&2
	exit 125
}

timeout_s=900 mem=1024 append="" out="" kernel="" kroot="" icount=""
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--kroot) kroot=${2:?}; shift 2 ;;
	--icount) icount=${2:?}; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage

cwd=$(pwd -P)
repo=$(cd "$repo" && pwd -P)
# The guest mounts fresh filesystems on /tmp, /run, /dev, ...; the repo is
# shared on its own and mounted after them, so a clone may live in /tmp.
case $cwd/ in
"$repo"/*) ;;
/tmp/* | /run/* | /dev/* | /proc/* | /sys/*)
	die "the guest does not see the host's $cwd (a fresh filesystem there); run from elsewhere" ;;
esac

if [ -n "$kernel" ]; then
	[ -r "$kernel" ] || die "cannot read $kernel"
	initrd=$("$here/mkinitramfs.sh" --builtin)
elif [ -n "$kroot" ]; then
	kv=${HWEVENT_KVER:?--kroot needs HWEVENT_KVER}
	kernel=$kroot/boot/vmlinuz-$kv
	[ -r "$kernel" ] || die "cannot read $kernel"
	initrd=$("$here/mkinitramfs.sh" --root "$kroot" "$kv")
else
	kv=$("$repo/scripts/kver.sh")
	kernel=/boot/vmlinuz-$kv
	[ -r "$kernel" ] || die "cannot read $kernel (run scripts/install-deps.sh; as root?)"
	initrd=$("$here/mkinitramfs.sh" "$kv")
fi
out=${out:-$repo/build/vm}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
# One VM at a time per output folder.
exec 9>"$out/.lock"
if ! flock -n 9; then
	echo "run-in-vm: waiting for the other VM that uses $out" >&2
	flock 9
fi
log=$out/console.log
rm -f "$out/vm-status" "$out/vm-dmesg.log" "$log" "$out/hotplug.log"
edu=${HWEVENT_VM_EDU:-1}

# The command as a bash script, quoted with %q: robust to any argument.
{
	echo '#!/bin/bash'
	for v in $(compgen -e); do
		case $v in
		CI | HWEVENT_* | CK_* | *SAN_OPTIONS) printf 'export %s=%q\n' "$v" "${!v}" ;;
		esac
	done
	[ "$edu" = 0 ] || echo 'export HWEVENT_EDU=1 HWEVENT_HOTPLUG_TTY=/dev/ttyS1'
	printf 'cd -- %q || exit 126\n' "$cwd"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$out/vm-cmd.sh"
printf '%s\n' "$out" >"$out/vm-path"
printf '%s\n' "$repo" >"$out/vm-repo"

# loglevel=4 keeps the boot quiet; init raises it to 5 for CMD, so kernel
# warnings show as they happen (the check below reads the full log anyway).
# panic=-1 turns a panic into a reboot, which ends qemu.  slub_debug=FZPU:
# sanity checks, red zones, poisoning, owner tracking.  q35, not pc: its
# PCI interrupt routing does not cost 2 s of ACPI per device under TCG.
# HWEVENT_TCG_THREAD=single: one TCG thread for both vCPUs (see
# scripts/kernel-suite.sh: 7.x's boot-time text patching).
# -cpu max: SMEP/SMAP, so stray user-pointer accesses fault.
# no_timer_check: the boot-time check that the IO-APIC routes the 8254
# timer counts its ticks against a delay loop, which a host busy with
# other VMs breaks ("IO-APIC + timer doesn't work!", a panic seen on 7.3
# here); virtual machines' kernels skip it.
cmdline="console=ttyS0 loglevel=4 printk.time=1 panic=-1 no_timer_check slub_debug=FZPU $append"
# shellcheck disable=SC2054 # the commas are qemu's
tcg_thread=${HWEVENT_TCG_THREAD:-multi} cpus=2
[ -z "$icount" ] || tcg_thread=single cpus=1
qemu=(qemu-system-x86_64 -M q35 -accel "tcg,thread=$tcg_thread" -cpu max -smp "$cpus" -m "$mem"
	-nodefaults -no-user-config -display none -monitor none -serial stdio
	-no-reboot -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$repo,mount_tag=hostrepo,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$out,mount_tag=hostout,security_model=none,multidevs=remap")
[ -z "$icount" ] || qemu+=(-icount "shift=$icount,sleep=off")
# The edu device behind a PCIe root port, where the guest's PCIe (or ACPI)
# hotplug code handles device_del; QMP and the guest's channel to the agent
# are Unix sockets in a private folder (a socket's path is short).
socks=""
if [ "$edu" != 0 ]; then
	socks=$(mktemp -d /tmp/hwevent-vm.XXXXXX)
	# shellcheck disable=SC2054 # the commas are qemu's
	qemu+=(-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
		-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2
		-device edu,id=edu0,bus=rp1
		-qmp "unix:$socks/qmp,server=on,wait=off"
		-chardev "socket,id=agent,path=$socks/agent,server=on,wait=off"
		-device isa-serial,chardev=agent)
fi

echo "run-in-vm: booting $kernel (TCG, timeout ${timeout_s}s): $*" >&2
[ "$edu" = 0 ] || [ -x /usr/bin/python3 ] || "$repo/scripts/install-deps.sh" python3-minimal >&2
start=$(date +%s)
# qemu gets no stdin, so it neither reads keystrokes nor touches the
# terminal; --foreground lets Ctrl-C reach it.  sed -u drops the serial
# line's CRs without buffering, so the console is streamed live.
interrupted="" agent=""
trap 'interrupted=1' INT
set +e
if [ -n "$socks" ]; then
	"$here/hotplug-agent.py" "$socks/qmp" "$socks/agent" \
		</dev/null 2>"$out/hotplug.log" &
	agent=$!
fi
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 |
	sed -u 's/\r$//' | tee "$log"
rc=${PIPESTATUS[0]}
# The agent ends when qemu closes its sockets.
[ -z "$agent" ] || wait "$agent"
[ -z "$socks" ] || rm -rf "$socks"
set -e
trap - INT
[ -z "$interrupted" ] || die "interrupted"
echo "run-in-vm: VM ran $(($(date +%s) - start))s" >&2

# Kernel lines only: the full log if the guest wrote it, else the console's
# timestamped lines (the command's own output might say "WARNING:" too).
if [ -s "$out/vm-dmesg.log" ]; then
	klog=$out/vm-dmesg.log
else
	klog=$log
fi
# shellcheck source=common/kernel-log.sh
. "$repo/common/kernel-log.sh"
problems=$(kernel_log_expected <"$klog" |
	grep -aE "^\[ *[0-9]+\.[0-9]+\] .*($KERNEL_LOG_BAD)" | head -20 || true)

status=$(cat "$out/vm-status" 2>/dev/null || true)
if [ -z "$status" ]; then
	status=$(sed -n 's/^.*HWEVENT-VM-EXIT=\([0-9]*\)$/\1/p' "$log" | tail -1)
fi
if [ -n "$problems" ]; then
	echo "run-in-vm: FAIL: the guest kernel log shows problems:" >&2
	printf '%s\n' "$problems" | sed 's/^/run-in-vm:   /' >&2
	echo "run-in-vm: full kernel log: $klog" >&2
	exit 125
fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	die "FAIL: the VM timed out after ${timeout_s}s"
fi
if [ -z "$status" ]; then
	grep -a 'HWEVENT-VM-ERROR=' "$log" >&2 || true
	die "FAIL: no HWEVENT-VM-EXIT marker: the guest crashed or its init failed (qemu exit $rc; see $log)"
fi
exit "$status"
