#!/bin/sh
# The device test suite on the debug kernel (KASAN, lockdep, kmemleak, fail-nth, ...):
# see scripts/kernel-suite.sh.  Usage: scripts/debug-suite.sh [PATTERN...]
exec "$(dirname "$0")/kernel-suite.sh" debug "$@"
