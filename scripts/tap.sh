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
# relay NAME CMD...: run CMD (stderr too) and pass its TAP on, numbered on
# from $n, without its plan; a "Bail out!" counts as a failed test of
# NAME.  Sets relay_rc to CMD's exit status and relay_failed to the
# failures it reported.
# shellcheck disable=SC2034 # relay_rc and relay_failed are for the caller
relay() {
	local name=$1 line
	shift
	relay_rc="" relay_failed=0
	while IFS= read -r line; do
		if [[ $line =~ ^__TAP_RELAY_RC=([0-9]+)$ ]]; then
			relay_rc=${BASH_REMATCH[1]}
		elif [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
			n=$((n + 1))
			if [ -n "${BASH_REMATCH[1]}" ]; then
				failed=$((failed + 1)) relay_failed=$((relay_failed + 1))
			fi
			echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]}"
		elif [[ $line =~ ^1\.\.[0-9]+ ]]; then
			: # the caller's plan comes at the end
		elif [[ $line =~ ^Bail\ out!(.*)$ ]]; then
			not_ok "$name: bailed out:${BASH_REMATCH[1]}"
			relay_failed=$((relay_failed + 1))
		else
			echo "$line"
		fi
	done < <("$@" 2>&1; echo "__TAP_RELAY_RC=$?")
}
