#!/bin/bash
# Build the test VM's initramfs for kernel KVER (default: scripts/kver.sh),
# if not built yet, and print its path.
#   Usage: vm/mkinitramfs.sh [KVER]
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

mods=()
if [ "${1-}" = --builtin ]; then
	kv=builtin
else
	kv=${1:-$("$here/../scripts/kver.sh")}
	# The insmod lines of modprobe, in order, without duplicates
	# (modprobe takes one module per call: more would be parameters).
	mapfile -t mods < <(for m in 9p 9pnet_virtio virtio_pci; do
		modprobe -S "$kv" --show-depends "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
	[ ${#mods[@]} -gt 0 ] || { echo "mkinitramfs: no modules found for $kv" >&2; exit 1; }
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
for m in "${mods[@]}"; do
	cp "$m" "$root/lib/modules/"
	basename "$m" >>"$root/lib/modules/load-order"
done
# No /dev/console needed: the kernel's built-in initramfs has one.
(cd "$root" && find . | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) | gzip -6 >"$tmp/img"
# Old builds, unused for a day (not at once: another clone may use one).
find "$cache" -name 'initramfs-*.cpio.gz' -mtime +0 -delete
mv "$tmp/img" "$img"
echo "mkinitramfs: built $img" >&2
echo "$img"
