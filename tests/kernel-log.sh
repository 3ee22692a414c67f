# shellcheck shell=bash
# What a test run must not leave in the kernel log: warnings, oopses,
# sanitizer and slab debugging reports, lockups; the "Slab cache still has
# objects" of a leak shows when the module is unloaded.  Sourced by the
# scripts that run in the guest (tests/guest-suite.sh, tests/fuzz/run-fuzz.sh).
KERNEL_LOG_BAD='WARNING:|BUG:|BUG [^ ]+ \(|Oops|general protection fault|kernel BUG|Call Trace|UBSAN|KASAN|kmemleak|Slab cache still has objects|Poison overwritten|Object padding|Redzone|refcount_t|list_add corruption|list_del corruption|scheduling while atomic|sleeping function called from invalid context|blocked for more than|soft lockup|hard LOCKUP|rcu.*stall|possible circular locking|inconsistent lock state|Kernel panic'

# kernel_log_problems START: the lines of dmesg after its first START that
# report a problem (at most 40).
kernel_log_problems() {
	dmesg | tail -n "+$(($1 + 1))" | grep -aE "$KERNEL_LOG_BAD" | head -40
}
