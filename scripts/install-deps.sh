#!/bin/bash
# Install the Debian 12 packages hwevent needs to build, check and test,
# skipping those already installed (idempotent, quick when nothing is
# missing).  With arguments, install those packages instead of the list
# (scripts/checkpatch.sh uses that for linux-source-6.1, which it needs
# only once, to fill its cache).
set -euo pipefail

PACKAGES=(
	build-essential pkg-config	# gcc, make, ...
	gcc-multilib			# the uAPI's layout checked for i386
	check liburing-dev		# unit and device tests
	linux-headers-amd64		# to build the module
	linux-image-amd64		# the kernel the test VM boots
	kmod				# modprobe --show-depends for the initramfs
	qemu-system-x86 busybox-static cpio	# the test VM
	sparse				# make C=2
	perl xz-utils			# checkpatch.pl, linux-source tarball
	dkms mandoc groff-base		# packaging checks
	python3				# bench/report.py: results.md
)
if [ $# -gt 0 ]; then
	PACKAGES=("$@")
fi

missing=()
for p in "${PACKAGES[@]}"; do
	# "ii " is installed; anything else (absent, half-installed) is missing.
	if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" != "ii " ]; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Wait for another apt or dpkg (an unattended upgrade, another clone)
# rather than fail at once on its lock.
apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
[ "$(id -u)" -eq 0 ] || apt=(sudo "${apt[@]}")
echo "install-deps: installing ${missing[*]}" >&2
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}"
