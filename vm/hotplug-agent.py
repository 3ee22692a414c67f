#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The host side of the test VM's hotplug channel (vm/run-in-vm.sh).

It connects to qemu's QMP socket and to the guest's second serial port
(/dev/ttyS1 in the guest, a Unix socket here) and serves one request per
line from the guest, so that a test in the guest decides when a device
goes away or comes back, while the host does it through QMP as an
operator would:

    del ID          device_del ID; waits for QMP's DEVICE_DELETED for ID
                    (the guest's driver has then let go of it)
    add ID BUS      device_add driver=edu,id=ID,bus=BUS
    ping            nothing: answers that the channel works

Each answer is one line: "ok" or "err MESSAGE".  Only edu devices can be
added, and only devices whose id starts with "edu" removed: the channel
cannot take the VM's disks or consoles away.  A log of every request and
its time goes to stderr.

usage: hotplug-agent.py QMP_SOCKET GUEST_SOCKET
"""
import json
import socket
import sys
import time

TIMEOUT_S = 60


def log(msg):
    print(f"hotplug-agent: {msg}", file=sys.stderr, flush=True)


def connect(path):
    # qemu creates its sockets a moment after it starts.
    for _ in range(300):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    raise SystemExit(f"hotplug-agent: cannot connect to {path}")


class Qmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.buf = b""
        self.events = []
        self.recv()  # the greeting
        self.command("qmp_capabilities")

    def recv(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
            elif "error" in msg:
                return msg["error"].get("desc", "error")
            elif "return" in msg:
                return None

    def wait_deleted(self, dev_id):
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for i, ev in enumerate(self.events):
                if (ev["event"] == "DEVICE_DELETED" and
                        ev.get("data", {}).get("device") == dev_id):
                    del self.events[i]
                    return None
            left = deadline - time.monotonic()
            if left <= 0:
                return f"no DEVICE_DELETED for {dev_id} in {TIMEOUT_S} s"
            self.sock.settimeout(left)
            try:
                self.events.append(self.recv())
            except socket.timeout:
                pass
            finally:
                self.sock.settimeout(None)


def serve(qmp, guest):
    buf = b""
    while True:
        data = guest.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.decode(errors="replace").split()
            if not words:
                continue
            start = time.monotonic()
            err = request(qmp, words)
            log(f"{' '.join(words)}: {err or 'ok'} ({time.monotonic() - start:.3f} s)")
            guest.sendall((f"err {err}" if err else "ok").encode() + b"\n")


def request(qmp, words):
    if words == ["ping"]:
        return None
    if len(words) == 2 and words[0] == "del" and words[1].startswith("edu"):
        # A DEVICE_DELETED of an earlier request must not answer this one.
        qmp.events = [e for e in qmp.events if e["event"] != "DEVICE_DELETED"]
        err = qmp.command("device_del", id=words[1])
        return err or qmp.wait_deleted(words[1])
    if len(words) == 3 and words[0] == "add" and words[1].startswith("edu"):
        return qmp.command("device_add", driver="edu", id=words[1], bus=words[2])
    return "bad request: " + " ".join(words)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    qmp = Qmp(sys.argv[1])
    guest = connect(sys.argv[2])
    try:
        serve(qmp, guest)
    except (EOFError, OSError):
        pass  # the VM ended


if __name__ == "__main__":
    main()
