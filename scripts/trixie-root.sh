#!/bin/bash
# The Debian 13 (trixie) root that builds for the kernels Debian 13 built:
# their headers are tied to the compiler that built them (gcc-14) and their
# kbuild tools to Debian 13's libc, so the module for them is built the
# Debian way, in a chroot of that release, not with the host's gcc-12.
#
#   scripts/trixie-root.sh path             create it if needed, print its folder
#   scripts/trixie-root.sh install PKG...   apt-get install PKG... in it
#                                           (skips those installed)
#   scripts/trixie-root.sh run [--bind DIR]... -- CMD [ARG...]
#                                           run CMD in it, as root, with /proc,
#                                           /dev and each DIR (at the same path)
#                                           mounted; the mounts live in a
#                                           private mount namespace and go
#                                           away with CMD
#
# Made once with `debootstrap --variant=minbase trixie` from
# http://deb.debian.org/debian, with trixie-backports in its sources and
# binutils, gcc and make installed, in the cache shared by every clone
# (scripts/cachedir.sh)/trixie-root; about 90 s and 400 MB.  Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirror=http://deb.debian.org/debian
# Bump when the way the root is made changes: a new root is made.
recipe=1
root=$("$here/cachedir.sh")/trixie-root-$recipe

die() {
	echo "trixie-root: $*" >&2
	exit 1
}

ensure() {
	[ -e "$root/.ready" ] && return 0
	[ "$(id -u)" -eq 0 ] || die "needs root to make $root"
	"$here/install-deps.sh" debootstrap >&2 || die "cannot install debootstrap"
	mkdir -p "$(dirname "$root")"
	exec 8>"$root.lock"
	flock 8	# another clone may be making it
	[ -e "$root/.ready" ] && return 0
	local tmp=$root.tmp start
	start=$(date +%s)
	rm -rf "$tmp"
	echo "trixie-root: debootstrap trixie into $tmp (log: $root.log)" >&2
	if ! debootstrap --variant=minbase trixie "$tmp" "$mirror" >"$root.log" 2>&1; then
		tail -20 "$root.log" >&2
		die "debootstrap failed (log: $root.log)"
	fi
	cat >"$tmp/etc/apt/sources.list" <<-EOF
		deb $mirror trixie main
		deb $mirror trixie-updates main
		deb $mirror trixie-backports main
		deb http://deb.debian.org/debian-security trixie-security main
	EOF
	# No daemons started by package scripts inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	if ! { root=$tmp apt_in update && root=$tmp apt_in install binutils gcc make; } \
		>>"$root.log" 2>&1; then
		tail -20 "$root.log" >&2
		die "cannot install gcc in the new root (log: $root.log)"
	fi
	touch "$tmp/.ready"
	mv "$tmp" "$root"
	echo "trixie-root: made $root in $(($(date +%s) - start)) s" >&2
}

# run_in [--bind DIR]... -- CMD...: CMD in the root, in its own mount namespace.
run_in() {
	local binds=()
	while [ $# -gt 0 ]; do
		case $1 in
		--bind) binds+=("$(cd "${2:?}" && pwd -P)"); shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || die "run: no command"
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m --propagation private bash -c '
		set -e
		r=$1 n=$2
		shift 2
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		for ((i = 0; i < n; i++)); do
			mkdir -p "$r$1"
			mount --bind "$1" "$r$1"
			shift
		done
		exec chroot "$r" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' - "$root" "${#binds[@]}" "${binds[@]}" "$@"
}

apt_in() {
	run_in -- apt-get -q -o DPkg::Lock::Timeout=600 -o APT::Install-Recommends=false "$@" -y
}

case ${1-} in
path)
	ensure
	echo "$root"
	;;
install)
	shift
	ensure
	missing=()
	for p in "$@"; do
		# shellcheck disable=SC2016 # a dpkg-query format
		st=$(run_in -- dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		[ "$st" = "ii " ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "trixie-root: installing ${missing[*]}" >&2
	# Lists older than a day are refreshed first: the newest kernel.
	if [ -z "$(find "$root/var/lib/apt/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 | head -1)" ]; then
		apt_in update >&2
	fi
	apt_in install "${missing[@]}" >&2
	;;
run)
	shift
	ensure
	run_in "$@"
	;;
*)
	sed -n '6,14s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
