#!/bin/bash
# Check that DKMS can build and install the module from the source tree
# that `make install-dkms` puts in /usr/src/hwevent-<version>, reported as
# TAP:
#   1. dkms add + dkms build for the Debian kernel of scripts/kver.sh: the
#      .ko exists and its vermagic is that kernel's;
#   2. dkms install puts it in <modules>/<kernel>/updates/dkms/ (root only,
#      else skipped);
#   3. dkms remove --all takes it all away again;
#   4. BUILD_EXCLUSIVE_KERNEL accepts the newest kernel of every line of
#      scripts/kernel-lines.sh (prepared by scripts/kernel-checks.sh
#      before), and refuses the lines in between and around (DKMS skips
#      them, rather than fails).
#
# Nothing on the machine changes except the dkms package, installed if it
# is missing: DKMS runs with its three trees (--sourcetree, --dkmstree,
# --installtree) in a scratch directory, depmod is off (--no-depmod), and
# when DKMS signs the module it does so with a key it generates there,
# unless /etc/dkms/framework.conf names the machine's own key.  Nothing is
# loaded.  The staged source tree comes from `make install-dkms DESTDIR=...`
# when the Makefile has that target, else from the same file list copied
# here.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

scripts/install-deps.sh dkms || { echo "Bail out! cannot install dkms"; exit 1; }
kv=$(scripts/kver.sh) || { echo "Bail out! no kernel to build for"; exit 1; }
ver=$(cat VERSION) || { echo "Bail out! no VERSION file"; exit 1; }
arch=$(uname -m)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dkms=(dkms --sourcetree "$tmp/src" --dkmstree "$tmp/dkms"
      --installtree "$tmp/modules")
mkdir -p "$tmp/src" "$tmp/dkms" "$tmp/modules/$kv"

# Sign with a scratch key, unless the admin configured one (the framework
# files override these variables; the environment is only the default).
if ! grep -qsE '^[[:space:]]*(mok_signing_key|mok_certificate)=' \
	/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; then
	export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
fi

# shellcheck source=scripts/tap.sh
. scripts/tap.sh

echo "1..4"

# The source tree, as installed.
src=$tmp/src/hwevent-$ver
if make -n install-dkms DESTDIR=/nonexistent >/dev/null 2>&1; then
	how="make install-dkms"
	out=$(make -s install-dkms DESTDIR="$tmp/stage" 2>&1) &&
		mv "$tmp/stage/usr/src/hwevent-$ver" "$src"
else
	how="copied"
	out=$(
		set -e
		mkdir -p "$src"
		cp dkms.conf "$src/"
		for f in $(scripts/module-sources.sh); do
			install -D -m 0644 "$f" "$src/$f"
		done
	) 2>&1
fi
[ -f "$src/dkms.conf" ] || { echo "Bail out! cannot stage the source tree ($how)"; diag <<<"$out"; exit 1; }

# 1: add and build.
ko=$tmp/dkms/hwevent/$ver/$kv/$arch/module/hwevent.ko
start=$(date +%s%N)
out=$("${dkms[@]}" add -m hwevent -v "$ver" 2>&1 &&
      "${dkms[@]}" build -m hwevent -v "$ver" -k "$kv" 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
secs=$((ms / 1000)).$((ms % 1000 / 100))
if [ $rc -eq 0 ] && [ -f "$ko" ] &&
   [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kv" ]; then
	ok "dkms build against $kv"
	echo "# source tree: $how; add + build took ${secs} s"
	signer=$(modinfo -F signer "$ko")
	echo "# module: $(modinfo -F vermagic "$ko"); signed by: ${signer:-nobody}"
else
	not_ok "dkms build against $kv"
	diag <<<"$out"
	log=$tmp/dkms/hwevent/$ver/build/make.log
	[ -f "$log" ] && diag <"$log"
fi

# 2: install into the scratch module tree.
dest=$tmp/modules/$kv/updates/dkms/hwevent.ko
if [ "$(id -u)" -ne 0 ]; then
	ok "dkms install into a scratch tree # SKIP dkms install needs root"
elif grep -qsE '^[[:space:]]*modprobe_on_install=.' \
	/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; then
	# It would modprobe the host's devices' modules after installing.
	ok "dkms install into a scratch tree # SKIP modprobe_on_install is set in /etc/dkms"
else
	if out=$("${dkms[@]}" install --no-depmod -m hwevent -v "$ver" \
		-k "$kv" 2>&1) && [ -f "$dest" ] && cmp -s "$ko" "$dest"; then
		ok "dkms install puts hwevent.ko in /lib/modules/$kv/updates/dkms (scratch tree)"
	else
		not_ok "dkms install puts hwevent.ko in /lib/modules/$kv/updates/dkms (scratch tree)"
		diag <<<"$out"
		(cd "$tmp/modules" && find . -type f) | diag
	fi
fi

# 3: remove everything.
out=$("${dkms[@]}" remove --no-depmod -m hwevent -v "$ver" --all 2>&1)
rc=$?
left=$(cd "$tmp" && find dkms modules -name 'hwevent*')
if [ $rc -eq 0 ] && [ -z "$left" ] &&
   [ -z "$("${dkms[@]}" status -m hwevent 2>&1)" ]; then
	ok "dkms remove --all leaves nothing behind"
else
	not_ok "dkms remove --all leaves nothing behind"
	diag <<<"$out"
	diag <<<"$left"
fi

# 4: the kernels DKMS builds for, read from dkms.conf as DKMS reads it.
lines=() kvs=()
for l in $(scripts/kernel-lines.sh); do
	kver=""
	vars=$(scripts/kernel-lines.sh prepare "$l" 2>/dev/null) && eval "$vars"
	lines+=("$l") kvs+=("${kver:-?}")
done
# shellcheck disable=SC2016 # expanded by the inner bash
if out=$(bash -c '
	kernel_source_dir=/nonexistent dkms_tree=/nonexistent
	. "$1/dkms.conf" || exit 1
	[ "$PACKAGE_NAME" = hwevent ] || { echo "PACKAGE_NAME: $PACKAGE_NAME"; exit 1; }
	[ "$PACKAGE_VERSION" = "$2" ] || { echo "PACKAGE_VERSION: $PACKAGE_VERSION"; exit 1; }
	[ "$AUTOINSTALL" = yes ] || { echo "AUTOINSTALL: $AUTOINSTALL"; exit 1; }
	shift 2
	bad=0
	for k in "$@" 6.1.0-56-amd64 6.12.9+deb12-amd64 7.3.1+deb13-rt-amd64; do
		[[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] ||
			{ echo "refuses $k: a tested line (add it, or test it first)"; bad=1; }
	done
	for k in 5.10.0-30-amd64 6.0.12 6.6.30 6.11.2 6.13.1 6.19.0 7.2.1 7.4.0 \
		8.0.0 16.1.0 6.10.0 6.120.0 7.30.0; do
		[[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] && { echo "accepts $k, which is not tested"; bad=1; }
	done
	exit $bad' - "$src" "$ver" "${kvs[@]}" 2>&1); then
	ok "dkms.conf: hwevent $ver, AUTOINSTALL, builds for the tested lines only (${kvs[*]})"
else
	not_ok "dkms.conf: hwevent $ver, AUTOINSTALL, builds for the tested lines only (${lines[*]}: ${kvs[*]})"
	diag <<<"$out"
fi

[ $failed -eq 0 ]
