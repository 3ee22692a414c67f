#!/bin/bash
# Build a debug kernel the debug suites boot (scripts/kernel-suite.sh
# debug, debug-6.12), once, and print the folder that holds it.
#
#   vm/debug-kernel.sh [SERIES]            build it if needed, print its folder
#   vm/debug-kernel.sh [SERIES] --cached   print its folder if it is built,
#                                          else exit 1 without building
#
# SERIES is 6.1 (the default: Debian 12's own kernel line) or 6.12 (Debian
# 12's linux-6.12, the first line where io_uring cancels commands): the
# kernel is Debian's linux-source-SERIES, built with the host's gcc-12 (the
# compiler Debian built both lines with), configured as `make tinyconfig`
# plus vm/debug-kernel.config: what the test VM needs (serial console,
# initramfs, devtmpfs, modules, eventfd, io_uring, virtio-9p, memcg,
# tracing) built in, and KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak,
# DEBUG_OBJECTS and fault injection (failslab, fail_page_alloc, fail-nth).
# It lives in the cache shared by every clone (scripts/cachedir.sh), in a
# folder named by the series and a hash of the fragment, $recipe below,
# the source package's version and the compiler, so a change to any of
# them builds a new one:
#   FOLDER/bzImage     the kernel image
#   FOLDER/build/      the kbuild output tree, to build modules against
#                      (make -C FOLDER/build M=...)
#   FOLDER/release     its release (uname -r)
# A build took about 5 minutes (6.1) on 2 cores; its log is FOLDER.log.
# HWEVENT_BUILD_NICE (default 0) is the niceness of the compile, so that
# run-tests.sh can build it beside the VM stages on idle CPU only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
frag=$here/debug-kernel.config
series=6.1
# Bump when the way the kernel is built below changes.
recipe=1

cached_only=0
for a in "$@"; do
	case $a in
	--cached) cached_only=1 ;;
	6.1 | 6.12) series=$a ;;
	*) echo "usage: vm/debug-kernel.sh [6.1|6.12] [--cached]" >&2; exit 2 ;;
	esac
done

srcver=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null || true)
if [ -z "$srcver" ]; then
	[ $cached_only = 0 ] || exit 1
	"$repo/scripts/install-deps.sh" "linux-source-$series"
	srcver=$(dpkg-query -W -f='${Version}' "linux-source-$series")
fi
cache=$("$repo/scripts/cachedir.sh")/debug-kernel
hash=$({ cat "$frag"; echo "$recipe $srcver"; gcc --version | head -1; } |
	sha256sum | cut -c1-12)
dir=$cache/$series-$hash
if [ -e "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi
[ $cached_only = 0 ] || exit 1

"$repo/scripts/install-deps.sh" "linux-source-$series" build-essential bc \
	bison flex libelf-dev libssl-dev cpio kmod >&2
mkdir -p "$cache"
exec 9>"$cache/.lock-$series"
flock 9	# one build at a time; the other clone's may be this one
if [ -e "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi

# The source, extracted once per package version.
src=$cache/linux-source-$srcver
if [ ! -e "$src/.extracted" ]; then
	echo "debug-kernel: extracting /usr/src/linux-source-$series.tar.xz" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf "/usr/src/linux-source-$series.tar.xz" -C "$src" --strip-components=1
	touch "$src/.extracted"
fi

rm -rf "$dir"
mkdir -p "$dir/build"
log=$dir.log
echo "debug-kernel: building in $dir (log: $log)" >&2
start=$(date +%s)
kmake() {
	make -C "$src" O="$dir/build" ARCH=x86_64 "$@"
}
{
	kmake tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
		"$dir/build/.config" "$frag"
	kmake olddefconfig
} >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }

# Kconfig drops an option whose dependencies are not met without a word:
# every line of the fragment must have survived.
missing=$(grep -E '^CONFIG_' "$frag" | while IFS= read -r line; do
	grep -qxF -- "$line" "$dir/build/.config" || echo "$line"
done)
if [ -n "$missing" ]; then
	echo "debug-kernel: not in the final .config (a dependency is missing):" >&2
	echo "$missing" >&2
	exit 1
fi

nice -n "${HWEVENT_BUILD_NICE:-0}" make -C "$src" O="$dir/build" ARCH=x86_64 \
	-j"$(nproc)" bzImage modules >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
kmake -s kernelrelease >"$dir/release"
touch "$dir/ready"
echo "debug-kernel: built $(cat "$dir/release") in $(($(date +%s) - start)) s" >&2
echo "$dir"
