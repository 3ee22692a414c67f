#!/bin/sh
# Print the kernel release the module is built for and the VM boots: the
# running kernel when its headers are installed (a real machine), else the
# newest kernel whose headers and image Debian installed (these build hosts,
# whose own kernel has no module support).
set -eu
if [ -d "/lib/modules/$(uname -r)/build" ]; then
	uname -r
	exit 0
fi
for d in $(ls -d /lib/modules/*/build 2>/dev/null | sort -rV); do
	v=${d#/lib/modules/}
	v=${v%/build}
	if [ -e "/boot/vmlinuz-$v" ]; then
		echo "$v"
		exit 0
	fi
done
echo "kver.sh: no kernel with headers and image found; run scripts/install-deps.sh" >&2
exit 1
