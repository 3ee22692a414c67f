#!/bin/bash
# Check `make install` and `make install-dkms` into a scratch DESTDIR,
# reported as TAP.  Nothing is installed on the machine itself, and the
# builds happen in a scratch copy of the tree.
#
# The layout checked, with PREFIX=/usr (LIBDIR may be $PREFIX/lib or a
# multiarch directory under it, e.g. /usr/lib/x86_64-linux-gnu):
#
#   $PREFIX/bin/event
#   $LIBDIR/libhwevent.so.$VERSION           SONAME libhwevent.so.0
#   $LIBDIR/libhwevent.so.0 -> libhwevent.so.$VERSION
#   $LIBDIR/libhwevent.so   -> libhwevent.so.0
#   $LIBDIR/pkgconfig/libhwevent.pc
#   $PREFIX/include/hwevent/libhwevent.h
#   $PREFIX/include/hwevent/libhwevent-uring.h
#   $PREFIX/include/hwevent/linux/hwevent.h  (the uAPI; the .pc adds -I)
#   $PREFIX/share/man/man1/event.1
#   $PREFIX/share/man/man3/libhwevent.3
#   $PREFIX/share/man/man4/hwevent.4
#   $PREFIX/share/doc/hwevent/examples/60-hwevent.rules  (not enabled)
#   $PREFIX/share/doc/hwevent/examples/*.c  (examples/, one per model)
# and, from `make install-dkms`, the module's source for DKMS:
#   /usr/src/hwevent-$VERSION/dkms.conf and what scripts/module-sources.sh
#       lists (the files kbuild reads, the feature probes among them)
# with the version written into dkms.conf.
#
# The checks:
#   1. make, then make install DESTDIR=... PREFIX=/usr succeeds, and
#      installs nothing outside PREFIX (no udev rule, no module, nothing in
#      /etc);
#   2. every file above is there;
#   3. the shared library's SONAME and symlinks are right, and it exports
#      exactly the functions lib/libhwevent.sym lists, in its version node;
#   4. the .pc file is valid and gives the version, -I and -lhwevent;
#   5. a program built against the staged install with `pkg-config
#      libhwevent` alone (not the source tree) runs with LD_LIBRARY_PATH,
#      loads the staged libhwevent.so.0 and calls into it;
#   6. a program that includes <libhwevent-uring.h>, and each installed
#      example, builds with `pkg-config libhwevent liburing`;
#   7. the staged event runs (--help);
#   8. make install-dkms installs exactly the DKMS source tree;
#   9. make uninstall removes what make install installed (skipped when
#      the Makefile has no uninstall target).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

ver=$(cat VERSION) || { echo "Bail out! no VERSION file"; exit 1; }
if ! make -n install DESTDIR=/nonexistent >/dev/null 2>&1; then
	echo "Bail out! the Makefile has no install target"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
# A copy of the tree without its build output: the builds here neither
# reuse nor disturb the tree's own.
tar -c --exclude=./.git --exclude=./build --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod*' --exclude=Module.symvers --exclude=modules.order . |
	tar -x -C "$tmp" --one-top-level=tree ||
	{ echo "Bail out! cannot copy the tree"; exit 1; }
cd "$tmp/tree" || exit 1

# shellcheck source=scripts/tap.sh
. scripts/tap.sh
# check NAME OUTPUT: passes when OUTPUT, what went wrong, is empty.
check() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag <<<"$2"
	fi
}

echo "1..9"

# 1: as people do it, `make` and then `sudo make install PREFIX=/usr`:
# what the first make built for PREFIX=/usr/local must not end up in the
# install (the .pc file's paths, say).
if out=$(make userspace 2>&1 && make install DESTDIR="$dest" PREFIX=/usr 2>&1); then
	outside=$(cd "$dest" && find . ! -type d ! -path './usr/*')
	check "make; make install DESTDIR=... PREFIX=/usr installs under /usr only" \
		"${outside:+installed outside /usr:$'\n'$outside}"
else
	not_ok "make; make install DESTDIR=... PREFIX=/usr"
	diag <<<"$out"
fi

# 2: the lib dir is where libhwevent.so.0 is.
so0=$(cd "$dest" && find usr/lib* -name libhwevent.so.0 2>/dev/null | head -1)
libdir=/${so0%/libhwevent.so.0}
[ -n "$so0" ] || libdir=/usr/lib
files=(
	usr/bin/event
	"${libdir#/}/libhwevent.so.$ver"
	"${libdir#/}/libhwevent.so.0"
	"${libdir#/}/libhwevent.so"
	"${libdir#/}/pkgconfig/libhwevent.pc"
	usr/include/hwevent/libhwevent.h
	usr/include/hwevent/libhwevent-uring.h
	usr/include/hwevent/linux/hwevent.h
	usr/share/man/man1/event.1
	usr/share/man/man3/libhwevent.3
	usr/share/man/man4/hwevent.4
	usr/share/doc/hwevent/examples/60-hwevent.rules
)
for f in examples/*.c; do
	files+=("usr/share/doc/hwevent/$f")
done
missing=""
for f in "${files[@]}"; do
	# Man pages may come compressed.
	[ -e "$dest/$f" ] || [ -e "$dest/$f.gz" ] || missing+="missing: /$f"$'\n'
done
[ -x "$dest/usr/bin/event" ] || missing+="not executable: /usr/bin/event"$'\n'
for f in include/hwevent/libhwevent.h:lib/libhwevent.h \
	 include/hwevent/libhwevent-uring.h:lib/libhwevent-uring.h \
	 include/hwevent/linux/hwevent.h:include/uapi/linux/hwevent.h; do
	if [ -e "$dest/usr/${f%%:*}" ] && ! cmp -s "$dest/usr/${f%%:*}" "${f#*:}"; then
		missing+="/usr/${f%%:*} differs from ${f#*:}"$'\n'
	fi
done
check "the expected files are installed (lib dir $libdir)" "${missing%$'\n'}"

# 3
lib=$dest$libdir
out=""
if [ ! -f "$lib/libhwevent.so.$ver" ] || [ -L "$lib/libhwevent.so.$ver" ]; then
	out+="libhwevent.so.$ver is not a regular file"$'\n'
fi
[ "$(readlink "$lib/libhwevent.so.0")" = "libhwevent.so.$ver" ] ||
	out+="libhwevent.so.0 -> $(readlink "$lib/libhwevent.so.0") instead of libhwevent.so.$ver"$'\n'
[ "$(readlink "$lib/libhwevent.so")" = libhwevent.so.0 ] ||
	out+="libhwevent.so -> $(readlink "$lib/libhwevent.so") instead of libhwevent.so.0"$'\n'
soname=$(objdump -p "$lib/libhwevent.so.$ver" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libhwevent.so.0 ] || out+="SONAME '$soname' instead of libhwevent.so.0"$'\n'
# Functions and data, with their version; not the version nodes (type A).
syms=$(nm -D --defined-only --with-symbol-versions "$lib/libhwevent.so.$ver" 2>/dev/null |
	awk '$(NF - 1) != "A" { print $NF }' | sort)
# The names the version script lists, each with its node's version.
want=$(awk '/^[A-Z0-9_.]+ *\{/ { node = $1 }
	    /^[ \t]+hwevent_[a-z0-9_]+;/ { sub(/^[ \t]+/, ""); sub(/;.*/, "");
					    print $0 "@@" node }' lib/libhwevent.sym | sort)
if [ -z "$want" ]; then
	out+="lib/libhwevent.sym lists no symbol by name (a wildcard?)"$'\n'
else
	diffs=$(diff <(echo "$want") <(echo "$syms") | grep '^[<>]' |
		sed 's/^< /not exported: /; s/^> /exported, not listed: /')
	[ -z "$diffs" ] || out+=$diffs$'\n'
fi
check "libhwevent.so.$ver: SONAME libhwevent.so.0, symlinks, exports the $(grep -c . <<<"$want") symbols of libhwevent.sym" \
	"${out%$'\n'}"

# 4: pkg-config, looking in the stage first, keeping every flag.
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
out=""
pkg-config --validate libhwevent 2>&1 || out+="pkg-config --validate failed"$'\n'
pcver=$(pkg-config --modversion libhwevent 2>&1)
[ "$pcver" = "$ver" ] || out+="version '$pcver' instead of $ver"$'\n'
flags=$(pkg-config --cflags --libs libhwevent 2>&1)
for want in "-I$dest/usr/include/hwevent" "-L$lib" -lhwevent; do
	[[ " $flags " == *" $want "* ]] || out+="no $want in: $flags"$'\n'
done
check "pkg-config libhwevent: $ver, $(pkg-config --cflags --libs libhwevent 2>/dev/null | sed "s|$dest||g; s| *$||")" \
	"${out%$'\n'}"

# 5: outside the source tree, with the staged headers and library only.
mkdir -p "$tmp/prog"
cat >"$tmp/prog/parse.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <libhwevent.h>

int main(void)
{
	struct hwevent_register reg;

	hwevent_register_init(&reg, HWEVENT_TYPE_QUEUE, 1500000000ULL, 0, 7);
	if (reg.type != HWEVENT_TYPE_QUEUE || reg.cookie != 7)
		return 1;
	if (hwevent_cancel(-1, 1) != -EBADF)
		return 2;
	if (sizeof(struct hwevent_msg) != 56)
		return 3;
	printf("%s %llu\n", HWEVENT_DEV_PATH, (unsigned long long)reg.due_ns);
	return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config's flags, split on purpose
if ! out=$(cd "$tmp/prog" && cc -Wall -Wextra -Werror -o parse parse.c \
	$(pkg-config --cflags --libs libhwevent) 2>&1); then
	not_ok "a program built with pkg-config libhwevent runs"
	diag <<<"$out"
elif ! out=$(LD_LIBRARY_PATH=$lib "$tmp/prog/parse" 2>&1) ||
     [ "$out" != "/dev/hwevent 1500000000" ]; then
	not_ok "a program built with pkg-config libhwevent runs"
	diag <<<"$out"
# ldd's whole output first: grep -q stops reading at the match, and under
# pipefail the SIGPIPE that ldd may then get would fail the check.
elif ! out=$(LD_LIBRARY_PATH=$lib ldd "$tmp/prog/parse" 2>&1) ||
     ! grep -q "libhwevent.so.0 => $lib/libhwevent.so.0" <<<"$out"; then
	not_ok "a program built with pkg-config libhwevent loads the staged libhwevent.so.0"
	diag <<<"$out"
else
	ok "a program built with pkg-config libhwevent runs on the staged libhwevent.so.0"
fi

# 6
cat >"$tmp/prog/uring.c" <<'EOF'
#include <libhwevent.h>
#include <libhwevent-uring.h>

int main(void)
{
	struct io_uring_sqe sqe;
	struct hwevent_register reg;

	hwevent_register_init(&reg, HWEVENT_TYPE_REQUEST, 1000, 0, 1);
	hwevent_uring_prep_register(&sqe, 3, &reg);
	return sqe.cmd_op == HWEVENT_IOC_REGISTER ? 0 : 1;
}
EOF
# The installed examples too, as their comments say to build them.
mkdir -p "$tmp/examples"
# shellcheck disable=SC2046 # pkg-config's flags, split on purpose
if out=$(cd "$tmp/prog" && cc -Wall -Wextra -Werror -o uring uring.c \
	$(pkg-config --cflags --libs libhwevent liburing) 2>&1) &&
   out=$(LD_LIBRARY_PATH=$lib "$tmp/prog/uring" 2>&1) &&
   out=$(for f in "$dest"/usr/share/doc/hwevent/examples/*.c; do
	cc -Wall -Wextra -Werror -o "$tmp/examples/$(basename "$f" .c)" "$f" \
		$(pkg-config --cflags --libs libhwevent liburing) 2>&1 || exit
	done); then
	ok "a program with <libhwevent-uring.h>, and the installed examples, build with pkg-config libhwevent liburing"
else
	not_ok "a program with <libhwevent-uring.h>, and the installed examples, build with pkg-config libhwevent liburing"
	diag <<<"$out"
fi

# 7
if out=$(LD_LIBRARY_PATH=$lib "$dest/usr/bin/event" --help 2>&1) &&
   grep -q '^Usage: event ' <<<"$out"; then
	ok "the staged event runs (--help)"
else
	not_ok "the staged event runs (--help)"
	diag <<<"$out"
fi

# 8
src=/usr/src/hwevent-$ver
if ! make -n install-dkms DESTDIR=/nonexistent >/dev/null 2>&1; then
	not_ok "make install-dkms # the Makefile has no install-dkms target"
elif ! out=$(make install-dkms DESTDIR="$tmp/dkms" 2>&1); then
	not_ok "make install-dkms"
	diag <<<"$out"
else
	# What the module's build needs, as in the tree (no kbuild output).
	want=$({ echo dkms.conf; scripts/module-sources.sh; } |
		sed "s|^|.$src/|" | sort)
	got=$(cd "$tmp/dkms" && find . ! -type d | sort)
	out=$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' |
		sed 's/^</missing:/; s/^>/extra:/')
	grep -qx "PACKAGE_VERSION=\"$ver\"" "$tmp/dkms$src/dkms.conf" 2>/dev/null ||
		out+=$'\n'"dkms.conf has no PACKAGE_VERSION=\"$ver\" line"
	out=${out#$'\n'}
	check "make install-dkms installs the DKMS source tree in $src" "$out"
fi

# 9
if ! make -n uninstall DESTDIR=/nonexistent >/dev/null 2>&1; then
	ok "make uninstall # SKIP the Makefile has no uninstall target"
elif out=$(make uninstall DESTDIR="$dest" PREFIX=/usr 2>&1); then
	left=$(cd "$dest" && find . ! -type d)
	check "make uninstall removes what make install installed" \
		"${left:+left behind:$'\n'$left}"
else
	not_ok "make uninstall"
	diag <<<"$out"
fi

[ $failed -eq 0 ]
