# shellcheck shell=bash
# TAP output for the check scripts, sourced: ok NAME, not_ok NAME, and
# diag, which turns its input into comment lines.  $n counts the tests and
# $failed the failures.
n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $*"
	failed=$((failed + 1))
}
diag() {
	sed 's/^/# /'
}
