#!/bin/bash
# Check the example udev rule udev/60-hwevent.rules, reported as TAP:
#   1. on the host, a static check of its form: every rule is a list of
#      comma-separated KEY op "value" pairs with keys and operators udev
#      knows, MODE is octal, and it matches SUBSYSTEM=="misc" and the
#      device name of the uAPI header.  (Debian 12's udev 252 has no
#      `udevadm verify`, and silently accepts a missing comma.)
#   then in a throwaway VM (vm/run-in-vm.sh), with build/hwevent.ko (or
#   $HWEVENT_KO, with $HWEVENT_APP for the app) loaded,
#   the rule in /run/udev/rules.d and a group "hwevent" added to a private
#   copy of /etc/group:
#   2. `udevadm test` reads the rule without a complaint (udev's own
#      parser: unknown keys, bad operators, bad quoting, unknown group);
#   3. it applies it as udevd would: /dev/hwevent becomes root:hwevent 0660;
#   4. a user in the group, not root, opens /dev/hwevent read-write;
#   5. and runs `event --count 1 0.01 0` through it (build/event);
#   6. a user outside the group gets EACCES.
# What it does not check: udevd itself (udevadm test runs the same rule
# code, without the daemon), nor a rule other than the shipped one.
#
#   scripts/udev-check.sh        # needs `make` first, and the VM's packages
#   scripts/udev-check.sh --lint # check 1 only, on the host
#   scripts/udev-check.sh --guest N FILE
#                                # inside the VM: checks 2-6, numbered from
#                                # N, TAP to FILE (the VM's log: build/vm-udev)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

rule=udev/60-hwevent.rules
# shellcheck source=scripts/tap.sh
. scripts/tap.sh

# The static check: prints what is wrong, if anything.
lint() {
	local name line pair key op val rest lineno=0 rules=0 seen=""
	local match='ACTION|DEVPATH|KERNEL|KERNELS|SUBSYSTEM|SUBSYSTEMS|DRIVER|DRIVERS|ATTR|ATTRS|SYSCTL|TAG|TAGS|ENV|CONST|TEST|PROGRAM|RESULT|NAME|SYMLINK'
	local assign='NAME|SYMLINK|OWNER|GROUP|MODE|SECLABEL|ATTR|SYSCTL|ENV|TAG|RUN|LABEL|GOTO|IMPORT|OPTIONS'
	local pair_re='^([A-Z]+)(\{[^}]*\})?(==|!=|\+=|-=|:=|=)"([^"]*)"'

	name=$(sed -n 's/^#define[[:space:]]*HWEVENT_DEVICE_NAME[[:space:]]*"\([^"]*\)".*/\1/p' \
		include/uapi/linux/hwevent.h)
	[ -n "$name" ] || { echo "no HWEVENT_DEVICE_NAME in the uAPI header"; return; }
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		# Continuation lines.
		while [[ $line == *\\ ]] && IFS= read -r rest; do
			lineno=$((lineno + 1))
			line=${line%\\}$rest
		done
		line=${line#"${line%%[![:space:]]*}"}
		[[ -z $line || $line == \#* ]] && continue
		rules=$((rules + 1))
		while [ -n "$line" ]; do
			if ! [[ $line =~ $pair_re ]]; then
				echo "line $lineno: not KEY op \"value\": $line"
				break
			fi
			key=${BASH_REMATCH[1]} op=${BASH_REMATCH[3]} val=${BASH_REMATCH[4]}
			pair=${BASH_REMATCH[0]}
			if [[ $op == "==" || $op == "!=" ]]; then
				[[ $key =~ ^($match)$ ]] || echo "line $lineno: $key cannot be matched ($op)"
			else
				[[ $key =~ ^($assign)$ ]] || echo "line $lineno: $key cannot be assigned ($op)"
			fi
			if [ "$key" = MODE ] && ! [[ $val =~ ^0?[0-7]{3}$ ]]; then
				echo "line $lineno: MODE \"$val\" is not octal"
			fi
			seen+=" $key$op\"$val\""
			line=${line#"$pair"}
			line=${line#"${line%%[![:space:]]*}"}
			[ -z "$line" ] && break
			if [[ $line != ,* ]]; then
				echo "line $lineno: no comma before: $line"
				break
			fi
			line=${line#,}
			line=${line#"${line%%[![:space:]]*}"}
			[ -n "$line" ] || echo "line $lineno: ends with a comma"
		done
	done <"$rule"
	[ "$rules" -eq 1 ] || echo "$rules rules instead of 1"
	for want in 'SUBSYSTEM=="misc"' "KERNEL==\"$name\"" 'GROUP="hwevent"' 'MODE="0660"'; do
		[[ $seen == *" $want"* ]] || echo "no $want"
	done
}

# 1, on the host.
lint_test() {
	local out
	out=$(lint)
	if [ -z "$out" ]; then
		ok "$rule is well-formed and matches misc device $(
			sed -n 's/^#define[[:space:]]*HWEVENT_DEVICE_NAME[[:space:]]*"\([^"]*\)".*/\1/p' \
			include/uapi/linux/hwevent.h)"
	else
		not_ok "$rule is well-formed"
		diag <<<"$out"
	fi
}

if [ "${1-}" = --lint ]; then
	echo "1..1"
	lint_test
	[ $failed -eq 0 ]
	exit
fi
if [ "${1-}" != --guest ]; then
	[ -e build/hwevent.ko ] || { echo "Bail out! no build/hwevent.ko: run make first"; exit 1; }
	echo "1..6"
	lint_test
	# The guest's TAP goes to a file in the VM's writable output folder,
	# not through its console, where kernel messages interleave.
	out=$PWD/build/vm-udev
	mkdir -p "$out"
	rm -f "$out/guest.tap"
	vm/run-in-vm.sh --timeout "${HWEVENT_VM_TIMEOUT:-300}" --out "$out" -- \
		scripts/udev-check.sh --guest 2 "$out/guest.tap" >"$out/vm.log" 2>&1
	rc=$?
	cat "$out/guest.tap" 2>/dev/null
	if [ $rc -eq 125 ] || [ ! -s "$out/guest.tap" ]; then
		echo "Bail out! the VM failed (exit $rc): see $out/vm.log"
	fi
	[ $failed -eq 0 ] && [ "$rc" -eq 0 ]
	exit
fi

# In the VM: TAP numbered from $2, to the file $3.
n=$((${2:-2} - 1))
[ -n "${3-}" ] && exec >"$3" 2>&1
if [ "$(hostname)" != hwevent-vm ]; then
	echo "Bail out! --guest runs only inside vm/run-in-vm.sh (it rewrites /dev/hwevent's permissions)"
	exit 1
fi
# The module and the app of the kernel under test (scripts/kernel-suite.sh).
ko=${HWEVENT_KO:-build/hwevent.ko}
app=${HWEVENT_APP:-build/event}
if ! { cp "$ko" /tmp/hwevent.ko && insmod /tmp/hwevent.ko; }; then
	echo "Bail out! cannot load $ko"
	exit 1
fi
for _ in $(seq 50); do
	[ -c /dev/hwevent ] && break
	sleep 0.1
done

# A free group id, and a group database that has it: bind-mounted over the
# read-only /etc/group in a private mount namespace, for udevadm alone.
gid=999
while getent group "$gid" >/dev/null; do
	gid=$((gid - 1))
done
cp /etc/group /tmp/group && echo "hwevent:x:$gid:" >>/tmp/group
mkdir -p /run/udev/rules.d && cp "$rule" /run/udev/rules.d/
# shellcheck disable=SC2016 # expanded by the inner bash
out=$(unshare -m bash -c 'mount --bind /tmp/group /etc/group &&
	udevadm --debug test /sys/class/misc/hwevent' 2>&1)
mine=$(grep -a '60-hwevent\.rules' <<<"$out")
if grep -aq "^Reading rules file: /run/udev/rules.d/60-hwevent.rules" <<<"$mine" &&
   ! grep -aiqE 'invalid|ignoring|unknown|failed|error' <<<"$mine"; then
	ok "udevadm test reads $rule without a complaint"
else
	not_ok "udevadm test reads $rule without a complaint"
	diag <<<"${mine:-$out}"
fi

perm=$(stat -c '%u %g %a' /dev/hwevent)
if [ "$perm" = "0 $gid 660" ] &&
   grep -aq "60-hwevent.rules:[0-9]* GROUP $gid" <<<"$mine" &&
   grep -aq "60-hwevent.rules:[0-9]* MODE 0660" <<<"$mine"; then
	ok "udev applies it: /dev/hwevent is root:hwevent 0660"
else
	not_ok "udev applies it: /dev/hwevent is root:hwevent 0660"
	echo "/dev/hwevent: uid gid mode = $perm (hwevent is $gid)" | diag
	diag <<<"$mine"
fi

# nobody (65534), with and without the group.
as_member=(setpriv --reuid=65534 --regid=65534 --groups="$gid" --inh-caps=-all)
as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
if out=$("${as_member[@]}" bash -c 'exec 3<>/dev/hwevent' 2>&1); then
	ok "a member of group hwevent opens /dev/hwevent read-write without root"
else
	not_ok "a member of group hwevent opens /dev/hwevent read-write without root"
	diag <<<"$out"
fi

if [ ! -x "$app" ]; then
	not_ok "a member of group hwevent runs event: no $app"
elif out=$("${as_member[@]}" "$app" --count 1 0.01 0 2>&1) &&
     grep -aq '^event 1: type 0' <<<"$out"; then
	ok "a member of group hwevent runs event --count 1 0.01 0"
else
	not_ok "a member of group hwevent runs event --count 1 0.01 0"
	diag <<<"$out"
fi

if out=$("${as_other[@]}" bash -c 'exec 3<>/dev/hwevent' 2>&1); then
	not_ok "a user outside the group cannot open /dev/hwevent"
	echo "it could" | diag
elif grep -aq 'Permission denied' <<<"$out"; then
	ok "a user outside the group cannot open /dev/hwevent (EACCES)"
else
	not_ok "a user outside the group cannot open /dev/hwevent (EACCES)"
	diag <<<"$out"
fi

rmmod hwevent || echo "# cannot unload hwevent"
[ $failed -eq 0 ]
