#!/bin/bash
# The Debian packages, built and installed as Debian users get an
# out-of-tree driver, reported as TAP:
#   1. dpkg-buildpackage -b builds hwevent-dkms, libhwevent0,
#      libhwevent-dev and hwevent (the app) from a copy of the tree;
#   2. lintian --pedantic reports nothing about them;
#   3. they install on this machine (Debian 12) with apt, whose dkms
#      postinst builds the module for every kernel with headers here;
#   4. for each Debian 12 kernel line (6.1, 6.1-rt, 6.12, 6.12-rt: scripts/
#      kernel-lines.sh), DKMS built and installed hwevent.ko for it, with
#      that kernel's vermagic;
#   5. the same in the Debian 13 root (scripts/trixie-root.sh) for the 7.x
#      lines, whose headers need Debian 13's compiler;
#   6. in the VM booted with Debian 12's default kernel, the installed
#      `event` finds the driver with modprobe (no hwevent.ko beside it),
#      runs, and unloads it;
#   7. apt purges them again, and DKMS leaves nothing behind.
#
# This installs packages on the machine (and in the cached Debian 13 root)
# and purges them at the end, so it refuses to run where any of them is
# already installed.  Nothing is loaded into the machine's own kernel: the
# module is loaded only in the VM.  Output of the builds: build/deb/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/tap.sh
. scripts/tap.sh

PKGS=(hwevent-dkms libhwevent0 libhwevent-dev hwevent)
ver=$(cat VERSION) || { echo "Bail out! no VERSION file"; exit 1; }
out=$PWD/build/deb
start=$(date +%s)

scripts/install-deps.sh debhelper dh-dkms dkms lintian dpkg-dev fakeroot \
	liburing-dev pkg-config >&2 || { echo "Bail out! cannot install the packaging tools"; exit 1; }
# present PKG: anything of PKG is on the machine, even half installed or
# only its configuration (db:Status-Status; a failed install leaves the
# wish "install" behind with the state "not-installed").
present() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != not-installed ]
}
for p in "${PKGS[@]}"; do
	if present "$p"; then
		echo "Bail out! $p is installed on this machine already: this check installs and purges it, remove it first"
		exit 1
	fi
done

echo "1..10"

# 1. Build, from the files git knows (committed or not), in a scratch copy:
# dpkg-buildpackage writes its packages next to the source folder.
rm -rf "$out"
src=$out/hwevent-$ver
mkdir -p "$src"
git ls-files -co --exclude-standard | grep -v '^build/' |
	tar -cf - -T - | tar -xf - -C "$src"
if (cd "$src" && dpkg-buildpackage -b -uc -us) >"$out/build.log" 2>&1; then
	ok "dpkg-buildpackage -b builds ${PKGS[*]}"
else
	not_ok "dpkg-buildpackage -b (see $out/build.log)"
	tail -20 "$out/build.log" | diag
	exit 1
fi
debs=()
for p in "${PKGS[@]}"; do
	f=$(ls "$out/${p}_${ver}_"*.deb 2>/dev/null)
	[ -n "$f" ] && debs+=("$f")
done
[ ${#debs[@]} -eq ${#PKGS[@]} ] || { not_ok "only ${#debs[@]} of ${#PKGS[@]} packages were built"; exit 1; }

# 2. lintian, pedantic and informational tags included.
tags=$(lintian --pedantic -I --tag-display-limit 0 "$out"/hwevent_"${ver}"_*.changes 2>&1 |
	grep -v 'running with root privileges')
if [ -z "$tags" ]; then
	ok "lintian --pedantic -I reports nothing"
else
	not_ok "lintian --pedantic -I reports $(wc -l <<<"$tags") tag(s)"
	diag <<<"$tags"
fi

# Uninstall whatever got installed, here and in the Debian 13 root.
troot=""
purge() {
	local p installed=()
	for p in "${PKGS[@]}"; do
		! present "$p" || installed+=("$p")
	done
	[ ${#installed[@]} -eq 0 ] ||
		DEBIAN_FRONTEND=noninteractive apt-get -q -y purge "${installed[@]}" >>"$out/purge.log" 2>&1
	[ -z "$troot" ] ||
		scripts/trixie-root.sh run -- apt-get -q -y purge "${PKGS[@]}" >>"$out/purge.log" 2>&1
}
trap purge EXIT

# dkms_result ROOT KVER: why DKMS did not install hwevent for KVER in the
# system at ROOT ("" for this one), or nothing.
dkms_result() {
	local r=$1 kv=$2 ko vm
	ko=$r/lib/modules/$kv/updates/dkms/hwevent.ko
	[ -e "$ko" ] || ko=$(ls "$ko".* 2>/dev/null | head -1)
	[ -n "$ko" ] && [ -e "$ko" ] || { echo "no updates/dkms/hwevent.ko for $kv"; return; }
	if [[ $ko == *.xz ]]; then
		vm=$(xz -dc "$ko" | tr '\0' '\n' | sed -n 's/^vermagic=//p' | head -1)
	elif [[ $ko == *.zst ]]; then
		vm=$(zstd -dc "$ko" | tr '\0' '\n' | sed -n 's/^vermagic=//p' | head -1)
	else
		vm=$(tr '\0' '\n' <"$ko" | sed -n 's/^vermagic=//p' | head -1)
	fi
	[ "${vm%% *}" = "$kv" ] || echo "$ko has vermagic '$vm', not $kv"
}

# 3. Install with apt, as a user would: dependencies (dkms) come along and
# hwevent-dkms's postinst builds for every kernel whose headers are here.
if DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 \
	install "${debs[@]}" >"$out/install.log" 2>&1; then
	ok "apt-get install of the packages (log: $out/install.log)"
else
	not_ok "apt-get install of the packages (log: $out/install.log)"
	tail -20 "$out/install.log" | diag
fi

# 4. Each Debian 12 line.
for l in 6.1 6.1-rt 6.12 6.12-rt; do
	kver=""
	vars=$(scripts/kernel-lines.sh prepare "$l" 2>>"$out/install.log") && eval "$vars"
	if [ -z "$kver" ]; then
		not_ok "line $l: cannot prepare it (scripts/kernel-lines.sh prepare $l)"
		continue
	fi
	kv=$kver
	why=$(dkms_result "" "$kv")
	if [ -z "$why" ]; then
		ok "line $l: DKMS built and installed hwevent.ko for $kv"
	else
		not_ok "line $l: $why"
		dkms status 2>&1 | diag
	fi
done

# 5. The 7.x lines, in the Debian 13 root.
if troot=$(scripts/trixie-root.sh path) &&
	cp "${debs[@]}" "$troot/tmp/" &&
	scripts/trixie-root.sh run -- sh -c 'cd /tmp && apt-get -q -y -o APT::Install-Recommends=false install ./hwevent*.deb ./libhwevent*.deb' \
		>"$out/install-13.log" 2>&1; then
	res=()
	for l in 7 7-rt; do
		kver=""
		vars=$(scripts/kernel-lines.sh prepare "$l" 2>>"$out/install-13.log") && eval "$vars"
		if [ -z "$kver" ]; then
			res+=("line $l: cannot prepare it")
			continue
		fi
		why=$(dkms_result "$troot" "$kver")
		[ -z "$why" ] || res+=("line $l: $why")
		echo "line $l: $kver" >>"$out/install-13.log"
	done
	if [ ${#res[@]} -eq 0 ]; then
		ok "lines 7, 7-rt (Debian 13 root): DKMS built and installed hwevent.ko for $(grep -c '^line 7' "$out/install-13.log") kernels"
	else
		not_ok "lines 7, 7-rt (Debian 13 root): ${res[*]}"
	fi
else
	not_ok "install in the Debian 13 root (log: $out/install-13.log)"
	tail -20 "$out/install-13.log" | diag
fi
rm -f "$troot"/tmp/*.deb

# 6. The installed app, in the VM, with the module only where DKMS put it.
vmout=$out/vm
mkdir -p "$vmout"
# shellcheck disable=SC2016 # the guest's
vm/run-in-vm.sh --timeout 300 --out "$vmout" -- bash -c '
	set -u
	[ ! -e /dev/hwevent ] || { echo "GUEST: /dev/hwevent exists before"; exit 1; }
	path=$(modinfo -n hwevent 2>&1) || { echo "GUEST: modinfo: $path"; exit 1; }
	echo "GUEST: module file $path"
	/usr/bin/event --count 2 0.01 1 || { echo "GUEST: event failed: $?"; exit 1; }
	[ ! -d /sys/module/hwevent ] || { echo "GUEST: hwevent still loaded"; exit 1; }
	echo "GUEST: event ok"
' >"$vmout/run.log" 2>&1
rc=$?
path=$(sed -n 's/^GUEST: module file //p' "$vmout/run.log")
if [ $rc -eq 0 ] && grep -q '^GUEST: event ok' "$vmout/run.log" &&
	[[ $path == */updates/dkms/hwevent.ko* ]]; then
	ok "the installed event loads hwevent with modprobe ($path), runs and unloads it"
else
	not_ok "the installed event, in the VM (exit $rc; log: $vmout/run.log)"
	grep -aE '^(GUEST|event|run-in-vm)' "$vmout/run.log" | tail -10 | diag
fi

# 7. Purge: DKMS removes what it built.
purge
trap - EXIT
left=$(ls /lib/modules/*/updates/dkms/hwevent.ko* "$troot"/lib/modules/*/updates/dkms/hwevent.ko* 2>/dev/null)
inst=""
for p in "${PKGS[@]}"; do
	! present "$p" || inst+="$p "
done
if [ -z "$left$inst" ]; then
	ok "apt-get purge removes the packages and DKMS the modules it built"
else
	not_ok "after purge: ${inst:+still installed: $inst }${left:+modules left: $left}"
fi
echo "# deb-check: $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
