#!/bin/bash
# Check the manual pages in man/, one TAP line per page.  A page passes
# when
#   - mandoc -Tlint reports nothing (style messages included),
#   - groff -ww -man -Tutf8 -z reports nothing (it formats the page for a
#     terminal, so text that cannot be broken or adjusted is reported too),
#   - every example program in it, marked as in the Linux man-pages
#     project by .\" SRC BEGIN (name.c) ... .\" SRC END, compiles with
#     -Wall -Wextra -Werror against the tree's headers and links with
#     lib/libhwevent.c and liburing.
# Installs mandoc and groff when missing (scripts/install-deps.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

scripts/install-deps.sh mandoc groff-base pkg-config liburing-dev build-essential ||
	{ echo "Bail out! cannot install mandoc and groff"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Print the example programs of page $1 into $tmp/src/, one file each, and
# their names; roff escapes back to C.
extract() {
	awk -v dir="$tmp/src" '
		/^\.\\" SRC BEGIN \(/ {
			name = $0
			sub(/^\.\\" SRC BEGIN \(/, "", name)
			sub(/\).*$/, "", name)
			file = dir "/" name
			print name
			next
		}
		/^\.\\" SRC END/ { file = ""; next }
		file != "" && !/^\.(EX|EE)$/ {
			line = $0
			gsub(/\\-/, "-", line)
			gsub(/\\\[aq\]|\\\(aq/, "\047", line)
			gsub(/\\\[dq\]|\\\(dq/, "\"", line)
			gsub(/\\&/, "", line)
			gsub(/\\e/, "\\", line)
			print line > file
		}' "$1"
}

pages=(man/*.[0-9])
echo "1..${#pages[@]}"
n=0
failed=0
# shellcheck disable=SC2207 # flags, split on purpose
uring=($(pkg-config --cflags --libs liburing))
for page in "${pages[@]}"; do
	n=$((n + 1))
	out=$(mandoc -Tlint "$page" 2>&1)
	out+=$(groff -ww -man -Tutf8 -z "$page" 2>&1)
	rm -rf "$tmp/src" && mkdir -p "$tmp/src"
	examples=0
	for name in $(extract "$page"); do
		examples=$((examples + 1))
		out+=$(cc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
			-Iinclude/uapi -Ilib -Icommon -o "$tmp/prog" "$tmp/src/$name" \
			lib/libhwevent.c -lpthread "${uring[@]}" 2>&1 |
			sed "s|^|$name: |")
	done
	if [ -z "$out" ]; then
		echo "ok $n - $page: mandoc and groff clean, $examples example(s) compile"
	else
		echo "not ok $n - $page"
		# shellcheck disable=SC2001
		sed 's/^/# /' <<<"$out"
		failed=$((failed + 1))
	fi
done
[ $failed -eq 0 ]
