#!/bin/bash
# Build the module against another kernel's build tree, in a scratch copy
# of exactly what kbuild reads (as DKMS gets it), so that driver/'s objects
# stay the stock kernel's.
#
#   scripts/module-copy.sh KDIR DEST [BROOT]
#
# With BROOT (the Debian 13 root of scripts/trixie-root.sh), make runs in
# it, KDIR being that root's, with DEST mounted at the same path.
# Builds in DEST/src and leaves the module in DEST/hwevent.ko.  Progress
# goes to stderr.  Used by scripts/rt-suite.sh and scripts/debug-suite.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: scripts/module-copy.sh KDIR DEST [BROOT]" >&2; exit 2; }
kdir=$1 dest=$2 broot=${3-}
src=$dest/src
rm -rf "$src" "$dest/hwevent.ko"
for f in $(scripts/module-sources.sh); do
	install -D -m 0644 "$f" "$src/$f"
done
if [ -n "$broot" ]; then
	scripts/trixie-root.sh run --bind "$dest" -- \
		make -C "$kdir" M="$src/driver" ${W:+W=$W} modules >&2
else
	make -C "$kdir" M="$src/driver" ${W:+W=$W} modules >&2
fi
cp "$src/driver/hwevent.ko" "$dest/hwevent.ko"
