#!/bin/sh
# Print the kernel release the module is built for and the VM boots.
#
#   scripts/kver.sh        $HWEVENT_KVER if set (an exact release, whose
#                          headers must be installed); else the running
#                          kernel when its headers are installed (a real
#                          machine); else the newest stock Debian kernel
#                          ("-amd64", not "-rt-amd64" or another flavour)
#                          whose headers and image are installed (these
#                          build hosts, whose own kernel has no module
#                          support).
#   scripts/kver.sh --rt   the newest installed Debian PREEMPT_RT kernel
#                          ("-rt-amd64") with headers and image; ignores
#                          HWEVENT_KVER (scripts/rt-suite.sh uses it).
set -eu

# newest FLAVOUR: the newest release "*-FLAVOUR" without any other flavour
# ("6.1.0-56-amd64" is "amd64", "6.1.0-56-rt-amd64" is "rt-amd64") whose
# headers and image are installed.
newest() {
	for d in $(printf "%s\n" /lib/modules/*/build | sort -rV); do
		v=${d#/lib/modules/}
		v=${v%/build}
		# The ABI part is digits: 6.1.0-56-amd64 -> 6.1.0-56.
		case ${v%-"$1"} in
		"$v" | *[!0-9.-]*) continue ;;
		esac
		if [ -e "/boot/vmlinuz-$v" ]; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

case ${1-} in
--rt)
	newest rt-amd64 && exit 0
	echo "kver.sh: no PREEMPT_RT kernel with headers and image found; run" \
		"scripts/install-deps.sh linux-image-rt-amd64 linux-headers-rt-amd64" >&2
	exit 1
	;;
"") ;;
*)
	echo "usage: scripts/kver.sh [--rt]" >&2
	exit 2
	;;
esac

if [ -n "${HWEVENT_KVER-}" ]; then
	if [ ! -d "/lib/modules/$HWEVENT_KVER/build" ]; then
		echo "kver.sh: HWEVENT_KVER=$HWEVENT_KVER has no headers" \
			"(/lib/modules/$HWEVENT_KVER/build)" >&2
		exit 1
	fi
	echo "$HWEVENT_KVER"
	exit 0
fi
if [ -d "/lib/modules/$(uname -r)/build" ]; then
	uname -r
	exit 0
fi
newest amd64 && exit 0
echo "kver.sh: no kernel with headers and image found; run scripts/install-deps.sh" >&2
exit 1
