#!/bin/sh
# Print (and create) the cache directory shared by every clone of hwevent on
# this machine: the checkpatch extract and the VM's initramfs live there, so
# a fresh clone (as in CI) reuses them.  $HWEVENT_CACHE overrides it.
set -eu
d=${HWEVENT_CACHE:-/var/cache/hwevent}
if ! mkdir -p "$d" 2>/dev/null || [ ! -w "$d" ]; then
	d=${XDG_CACHE_HOME:-$HOME/.cache}/hwevent
	mkdir -p "$d"
fi
echo "$d"
