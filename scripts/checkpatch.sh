#!/bin/bash
# Run the kernel's checkpatch.pl --strict on the driver's files (or on the
# files given as arguments).  Exits non-zero on any ERROR, WARNING or CHECK.
#
# Debian ships checkpatch.pl only inside the linux-source-X.Y tarball, so the
# first run installs that package and extracts the few files checkpatch needs
# into a cache outside the clone; later runs (and other clones) reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."

kv=$(scripts/kver.sh)
series=$(echo "$kv" | cut -d. -f1,2)		# 6.1.0-56-amd64 -> 6.1
cache=$(scripts/cachedir.sh)/checkpatch-$series
cp="$cache/scripts/checkpatch.pl"

if [ ! -x "$cp" ]; then
	scripts/install-deps.sh "linux-source-$series"
	tarball=/usr/src/linux-source-$series.tar.xz
	tmp=$(mktemp -d "$cache.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "checkpatch: extracting checkpatch.pl from $tarball" >&2
	# xz streams are not seekable: this reads the whole tarball (~10 s).
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
		"linux-source-$series/scripts/checkpatch.pl" \
		"linux-source-$series/scripts/spelling.txt" \
		"linux-source-$series/scripts/const_structs.checkpatch" \
		"linux-source-$series/Documentation/dev-tools/checkpatch.rst"
	rm -rf "$cache"
	chmod 755 "$tmp"
	mv "$tmp" "$cache"
	trap - EXIT
fi

if [ $# -eq 0 ]; then
	# The module's C sources (no VERSION, no Kbuild) and the benchmark's
	# floor module's.
	mapfile -t files < <(scripts/module-sources.sh --with-bench-floor |
		grep -E '\.[ch]$')
	set -- "${files[@]}"
fi
# --strict: also the CHECKs expected of new drivers; --no-tree: there is no
# kernel tree here.  The grep only guards the exit status.
out=$(perl "$cp" --strict --no-tree --show-types --color=never -f "$@" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ] || grep -Eq '^(ERROR|WARNING|CHECK):' <<<"$out"; then
	exit 1
fi
