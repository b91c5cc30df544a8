#!/usr/bin/env python3
"""Drive one QEMU live migration over QMP for bench/peer.sh.

Connects to the source's and the destination's QMP sockets, sets the same
capabilities and parameters on both for the chosen mode, starts the
migration, follows query-migrate until it completes, fails or runs out of
time (then cancels it: the source keeps running), and prints one JSON
object with what QEMU reported.

Modes: precopy (QEMU's defaults), autoconverge, multifd-zstd (multifd with
2 channels and zstd), postcopy (post-copy RAM, with postcopy-preempt when
this QEMU has it; switched over after the second dirty-bitmap sync).

Only the Python standard library is used. Every reply is read with a
bound, and QMP errors become an exit status of 1 with the error's text.
"""
import argparse
import json
import socket
import sys
import time

LINE_MAX = 1 << 20  # a QMP reply larger than this is refused


class QMPError(Exception):
    pass


class QMP:
    """One QMP connection: negotiate, then execute commands one at a time."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError(f"cannot connect to {path}: {e}") from e
                time.sleep(0.05)
        self.buf = b""
        self._read()  # the greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QMPError("QEMU closed the QMP connection")
            self.buf += chunk
            if len(self.buf) > LINE_MAX:
                raise QMPError("QMP reply too long")
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError as e:
            raise QMPError(f"QMP sent something that is not JSON: {e}") from e

    def execute(self, cmd, args=None):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if not isinstance(reply, dict) or "event" in reply:
                continue
            if "error" in reply:
                raise QMPError(f"{cmd}: {reply['error'].get('desc', reply['error'])}")
            return reply.get("return")


def capabilities(qmp, caps):
    if caps:
        qmp.execute("migrate-set-capabilities",
                    {"capabilities": [{"capability": c, "state": True} for c in caps]})


def has_capability(qmp, name):
    return any(c.get("capability") == name for c in qmp.execute("query-migrate-capabilities"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True, help="source QMP socket")
    ap.add_argument("--dst", required=True, help="destination QMP socket")
    ap.add_argument("--uri", required=True, help="e.g. tcp:127.0.0.1:47099")
    ap.add_argument("--mode", required=True,
                    choices=["precopy", "autoconverge", "multifd-zstd", "postcopy"])
    ap.add_argument("--bandwidth", type=int, required=True,
                    help="bytes/s, 0 for no cap")
    ap.add_argument("--timeout", type=float, default=120.0)
    o = ap.parse_args()

    src = QMP(o.src, 30)
    dst = QMP(o.dst, 30)
    caps, params = [], {}
    if o.mode == "autoconverge":
        caps = ["auto-converge"]
    elif o.mode == "multifd-zstd":
        caps = ["multifd"]
        params = {"multifd-channels": 2, "multifd-compression": "zstd"}
    elif o.mode == "postcopy":
        caps = ["postcopy-ram"]
        if has_capability(src, "postcopy-preempt"):
            caps.append("postcopy-preempt")
    for q in (src, dst):
        capabilities(q, caps)
        if params:
            q.execute("migrate-set-parameters", params)
    # QEMU 7.2 caps migration at 32 MiB/s unless told otherwise: "no cap"
    # is a rate no link here reaches.
    src.execute("migrate-set-parameters",
                {"max-bandwidth": o.bandwidth if o.bandwidth > 0 else 1 << 40})
    if o.mode == "postcopy":
        src.execute("migrate-set-parameters", {"max-postcopy-bandwidth": o.bandwidth})
    dst.execute("migrate-incoming", {"uri": o.uri})

    start = time.monotonic()
    src.execute("migrate", {"uri": o.uri})
    switched = None
    info = {}
    while True:
        info = src.execute("query-migrate")
        status = info.get("status")
        if status in ("completed", "failed", "cancelled"):
            break
        if o.mode == "postcopy" and switched is None and \
                info.get("ram", {}).get("dirty-sync-count", 0) >= 2:
            src.execute("migrate-start-postcopy")
            switched = time.monotonic() - start
        if time.monotonic() - start > o.timeout:
            src.execute("migrate_cancel")
            status = "did-not-converge"
            break
        time.sleep(0.02)
    wall = time.monotonic() - start
    ram = info.get("ram", {})
    out = {
        "status": status,
        "mode": o.mode,
        "capabilities": caps,
        "wall_s": round(wall, 3),
        "total_ms": info.get("total-time"),
        "downtime_ms": info.get("downtime"),
        "setup_ms": info.get("setup-time"),
        "ram_bytes": ram.get("transferred"),
        "dirty_syncs": ram.get("dirty-sync-count"),
        "postcopy_switch_s": None if switched is None else round(switched, 3),
        "error": info.get("error-desc"),
    }
    print(json.dumps(out))
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (QMPError, OSError) as e:
        print(f"qmp_migrate: {e}", file=sys.stderr)
        sys.exit(1)
