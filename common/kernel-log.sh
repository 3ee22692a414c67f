# shellcheck shell=bash
# What a test run must not leave in the kernel log: warnings, oopses,
# sanitizer, lockdep, kmemleak and slab debugging reports, lockups; the
# "Slab cache still has objects" of a leak shows when the module is
# unloaded.  Sourced by vm/run-in-vm.sh (the whole boot's log) and by the
# scripts that run in the guest (tests/guest-suite.sh,
# tests/fuzz/run-fuzz.sh, tests/stress/run-stress.sh).
KERNEL_LOG_BAD='WARNING:|BUG:|BUG [^ ]+ \(|Oops|general protection fault|kernel BUG|Call Trace|UBSAN|KASAN|suspected memory leak|Slab cache still has objects|Poison overwritten|Object padding|Redzone|=====|refcount_t|list_add corruption|list_del corruption|scheduling while atomic|sleeping function called from invalid context|blocked for more than|soft lockup|hard LOCKUP|rcu: INFO:|rcu.*stall|possible circular locking|inconsistent lock state|ODEBUG|Kernel panic'

# kernel_log_expected: the kernel log on stdin without what tests cause on
# purpose: the stack dump of each allocation failure injected through
# fail-nth (tests/device/test_fault.c), from its "FAULT_INJECTION" line to
# its "</TASK>", at most 80 lines (a cut-off dump hides nothing more).
kernel_log_expected() {
	awk '/FAULT_INJECTION: forcing a failure/ { skip = 80 }
	     skip > 0 { skip--; if (/<\/TASK>/) skip = 0; next }
	     { print }'
}

# kernel_log_problems START: the lines of dmesg after its first START that
# report a problem (at most 40).
kernel_log_problems() {
	dmesg | tail -n "+$(($1 + 1))" | kernel_log_expected |
		grep -aE "$KERNEL_LOG_BAD" | head -40
}

# kernel_log_result N NAME START: TAP test N, NAME, that the kernel log
# since START is clean, with the problems as diagnostics; fails if not.
kernel_log_result() {
	local problems
	problems=$(kernel_log_problems "$3")
	if [ -z "$problems" ]; then
		echo "ok $1 - $2"
		return 0
	fi
	echo "not ok $1 - $2"
	printf '%s\n' "$problems" | sed 's/^/#   /'
	return 1
}
