#!/bin/bash
# The demo: build everything, boot a throwaway VM and run the sample app
# there twice, three events one second apart each time: first as pending
# requests (type 0, the ioctl blocks until the event), then through an
# eventfd (type 1).  The module is not loaded beforehand: the app loads
# build/hwevent.ko from its own folder and unloads it when it exits.
# The VM's console is in build/vm/console.log.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
make -j2 all
# shellcheck disable=SC2016 # expanded in the guest
exec vm/run-in-vm.sh --timeout "${HWEVENT_VM_TIMEOUT:-300}" -- sh -c '
	set -e
	echo "### build/event --count 3 1 0   (pending request)"
	build/event --count 3 1 0
	echo "### build/event --count 3 1 1   (eventfd)"
	build/event --count 3 1 1
	echo "### module loaded after the app exited? $(grep -c "^hwevent " /proc/modules || true)"
'
