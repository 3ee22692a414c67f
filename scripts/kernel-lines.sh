#!/bin/bash
# The Debian kernel lines hwevent is built and tested on, and how to get each.
#
#   scripts/kernel-lines.sh                 list the lines, one per line
#   scripts/kernel-lines.sh prepare LINE    make LINE ready (headers installed,
#                                           image unpacked, build root made)
#                                           and print its variables
#
# Lines (the newest Debian package of each is picked with apt-cache):
#   6.1       Debian 12's default, linux-image-amd64 + linux-headers-amd64
#   6.1-rt    its PREEMPT_RT flavour, linux-image-rt-amd64 + headers
#   6.12      Debian 12's bookworm-security linux-6.12 (6.12.*+deb12-amd64)
#   6.12-rt   its PREEMPT_RT flavour (6.12.*+deb12-rt-amd64)
#   7         the newest 7.x from trixie-backports (7.*+deb13-amd64), built
#             in the Debian 13 root of scripts/trixie-root.sh
#   7-rt      its PREEMPT_RT flavour
#
# prepare prints shell assignments, for eval:
#   kver=RELEASE       uname -r of the kernel
#   kdir=DIR           its kbuild tree, inside the build root
#   broot=DIR          the build root: "" for the host, else the trixie root
#   kroot=DIR          "" when image and modules are installed on the host
#                      (/boot, /lib/modules), else the folder the image's
#                      .debs are unpacked into (never installed on the
#                      host): DIR/boot/vmlinuz-RELEASE, DIR/lib/modules/RELEASE
# Unpacked images live in the cache (scripts/cachedir.sh)/kernels/RELEASE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LINES=(6.1 6.1-rt 6.12 6.12-rt 7 7-rt)

die() {
	echo "kernel-lines: $*" >&2
	exit 1
}

# newest CMD...: the newest release among the "linux-headers-RELEASE"
# names CMD prints (apt-cache search output).
newest() {
	"$@" | sed -n 's/^linux-headers-\([^ ]*\) - .*/\1/p' | sort -V | tail -1
}

# unpack RELEASE [ROOT]: download linux-image-RELEASE and the
# linux-*-RELEASE packages it depends on (7.x splits vmlinuz and modules)
# with apt-get download (in the trixie root if ROOT is set) and dpkg-deb -x
# them into the cache; print the folder.
unpack() {
	local kv=$1 broot=${2-} d debs tmp
	d=$("$here/cachedir.sh")/kernels/$kv
	if [ -e "$d/.ready" ]; then
		echo "$d"
		return 0
	fi
	rm -rf "$d" "$d.debs"
	mkdir -p "$d.debs"
	tmp=$(cd "$d.debs" && pwd -P)
	local in=()
	[ -z "$broot" ] || in=("$here/trixie-root.sh" run --bind "$tmp" --)
	# shellcheck disable=SC2016 # expanded by the inner sh
	"${in[@]}" sh -c '
		set -e
		cd "$1"
		deps=$(apt-cache depends "linux-image-$2" |
			sed -n "s/^ *Depends: \(linux-[a-z]*-$2\)$/\1/p")
		apt-get -q download "linux-image-$2" $deps' - "$tmp" "$kv" >&2 ||
		die "cannot download linux-image-$kv"
	mkdir -p "$d"
	for debs in "$tmp"/*.deb; do
		dpkg-deb -x "$debs" "$d"
	done
	# Debian 13's are merged-/usr, with the image beside the modules.
	[ -e "$d/lib" ] || ln -s usr/lib "$d/lib"
	if [ ! -e "$d/boot/vmlinuz-$kv" ] && [ -e "$d/lib/modules/$kv/vmlinuz" ]; then
		mkdir -p "$d/boot"
		ln -s "../lib/modules/$kv/vmlinuz" "$d/boot/vmlinuz-$kv"
	fi
	[ -r "$d/boot/vmlinuz-$kv" ] || die "no boot/vmlinuz-$kv in linux-image-$kv"
	[ -d "$d/lib/modules/$kv" ] || die "no lib/modules/$kv in linux-image-$kv"
	# The packages leave modules.dep to their postinst: make it here.
	depmod -b "$d" "$kv"
	rm -rf "$tmp"
	touch "$d/.ready"
	echo "$d"
}

line=${2-}
case ${1-} in
"")
	printf '%s\n' "${LINES[@]}"
	exit 0
	;;
prepare) [ -n "$line" ] || die "usage: scripts/kernel-lines.sh prepare LINE" ;;
*) sed -n '4,7s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

export INITRD=No	# the test VM makes its own initramfs
broot="" kroot=""
case $line in
6.1)
	"$here/install-deps.sh" linux-image-amd64 linux-headers-amd64 >&2 || die "cannot install 6.1"
	kver=$(printf '%s\n' /lib/modules/6.1.0-*-amd64/build | sed -n 's|^/lib/modules/\(6\.1\.0-[0-9]*-amd64\)/build$|\1|p' | sort -V | tail -1)
	[ -e "/boot/vmlinuz-$kver" ] || die "no Linux 6.1 image and headers installed"
	;;
6.1-rt)
	"$here/install-deps.sh" linux-image-rt-amd64 linux-headers-rt-amd64 >&2 ||
		die "cannot install 6.1's PREEMPT_RT kernel"
	kver=$("$here/kver.sh" --rt) || die "no Linux 6.1 PREEMPT_RT image and headers installed"
	grep -qs '^CONFIG_PREEMPT_RT=y' "/boot/config-$kver" ||
		die "$kver is not a PREEMPT_RT kernel (no CONFIG_PREEMPT_RT=y in /boot/config-$kver)"
	;;
6.12 | 6.12-rt)
	fl=amd64
	[ "$line" = 6.12 ] || fl=rt-amd64
	kver=$(newest apt-cache search --names-only "^linux-headers-6\.12\.[0-9]+\+deb12-$fl\$")
	[ -n "$kver" ] || die "no linux-headers-6.12.*+deb12-$fl in apt (bookworm-security)"
	"$here/install-deps.sh" "linux-headers-$kver" >&2 || die "cannot install linux-headers-$kver"
	# Debian 12's 6.12 headers depend on their image: it is installed.
	[ -r "/boot/vmlinuz-$kver" ] || kroot=$(unpack "$kver")
	;;
7 | 7-rt)
	fl=amd64
	[ "$line" = 7 ] || fl=rt-amd64
	broot=$("$here/trixie-root.sh" path)
	kver=$(newest "$here/trixie-root.sh" run -- apt-cache search --names-only \
		"^linux-headers-7\.[0-9.]+\+[^-]*-$fl\$")
	[ -n "$kver" ] || die "no linux-headers-7.*-$fl in trixie-backports"
	"$here/trixie-root.sh" install "linux-headers-$kver" || die "cannot install linux-headers-$kver in $broot"
	kroot=$(unpack "$kver" "$broot")
	;;
*) die "unknown line $line (scripts/kernel-lines.sh lists them)" ;;
esac
printf 'kver=%q\nkdir=%q\nbroot=%q\nkroot=%q\n' "$kver" "/lib/modules/$kver/build" "$broot" "$kroot"
