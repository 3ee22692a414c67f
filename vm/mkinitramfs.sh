#!/bin/bash
# Build the test VM's initramfs for kernel KVER (default: scripts/kver.sh),
# if not built yet, and print its path.
#   Usage: vm/mkinitramfs.sh [--root DIR] [KVER]
#          (--root: the kernel's modules are in DIR/lib/modules/KVER, an
#          image unpacked by scripts/kernel-lines.sh, not the host's)
#          vm/mkinitramfs.sh --builtin   (no modules: for a kernel with
#                                         virtio-9p built in)
#
# It holds only busybox-static, vm/init and the Debian kernel's modules
# needed to mount the host's root over virtio-9p: everything else, the
# kernel's other modules included, comes from the host's root.  The file's
# name carries a hash of all its inputs, so it is rebuilt exactly when one
# of them changes, and kept in a cache shared by every clone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=$("$here/../scripts/cachedir.sh")/vm
busybox=/bin/busybox

mods=() mroot=/
if [ "${1-}" = --root ]; then
	mroot=${2:?}
	shift 2
fi
if [ "${1-}" = --builtin ]; then
	kv=builtin
else
	kv=${1:-$("$here/../scripts/kver.sh")}
	# The insmod lines of modprobe, in order, without duplicates
	# (modprobe takes one module per call: more would be parameters).
	mapfile -t mods < <(for m in 9p 9pnet_virtio virtio_pci; do
		modprobe -d "$mroot" -S "$kv" --show-depends "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
	# All of them built in is fine; none found at all is not.
	if [ ${#mods[@]} -eq 0 ] &&
		! modprobe -d "$mroot" -S "$kv" --show-depends 9p | grep -q '^builtin '; then
		echo "mkinitramfs: no modules found for $kv" >&2
		exit 1
	fi
fi

hash=$(cat "$0" "$here/init" "$busybox" "${mods[@]}" |
	{ sha256sum; echo "$kv ${mods[*]}"; } | sha256sum | cut -c1-16)
img=$cache/initramfs-$kv-$hash.cpio.gz
if [ -e "$img" ]; then
	touch "$img"	# in use: see the clean-up below
	echo "$img"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,out,newroot,lib/modules}
cp "$busybox" "$root/bin/busybox"
install -m 755 "$here/init" "$root/init"
touch "$root/lib/modules/load-order"
# Compressed modules (Debian 13's .ko.xz, others' .ko.zst) go in
# decompressed: busybox insmod takes a plain ELF module.
for m in "${mods[@]}"; do
	b=$(basename "$m")
	case $m in
	*.ko.xz) b=${b%.xz}; xz -dc "$m" >"$root/lib/modules/$b" ;;
	*.ko.zst) b=${b%.zst}; zstd -qdc "$m" >"$root/lib/modules/$b" ;;
	*.ko.gz) b=${b%.gz}; gzip -dc "$m" >"$root/lib/modules/$b" ;;
	*) cp "$m" "$root/lib/modules/" ;;
	esac
	echo "$b" >>"$root/lib/modules/load-order"
done
# No /dev/console needed: the kernel's built-in initramfs has one.
(cd "$root" && find . | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) | gzip -6 >"$tmp/img"
# Old builds, unused for a day (not at once: another clone may use one).
find "$cache" -name 'initramfs-*.cpio.gz' -mtime +0 -delete
mv "$tmp/img" "$img"
echo "mkinitramfs: built $img" >&2
echo "$img"
