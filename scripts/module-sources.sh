#!/bin/sh
# Print, one per line and relative to the repository, exactly the files
# kbuild reads to build the module: what DKMS gets and what the scratch
# builds copy.  Not what kbuild generates (*.mod.c, hwevent_config.h, the
# probes' results).  With --with-bench-floor, also those of the
# benchmark's test-only floor module (bench/floor), which the static
# checks cover and no package ships.
set -eu
cd "$(dirname "$0")/.."
for f in VERSION driver/Kbuild driver/*.c driver/*.h \
	driver/conftest/*.c driver/conftest/conftest.h include/uapi/linux/*.h; do
	case $f in
	*.mod.c | driver/hwevent_config.h) ;;
	*) [ -e "$f" ] && echo "$f" ;;
	esac
done
if [ "${1-}" = --with-bench-floor ]; then
	for f in bench/floor/Kbuild bench/floor/hwevent_floor.c \
		bench/floor/hwevent_floor.h; do
		echo "$f"
	done
fi
