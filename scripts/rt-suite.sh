#!/bin/sh
# The device test suite on the PREEMPT_RT kernel:
# see scripts/kernel-suite.sh.  Usage: scripts/rt-suite.sh [PATTERN...]
exec "$(dirname "$0")/kernel-suite.sh" rt "$@"
