#!/usr/bin/env python3
"""Turn bench/peer.sh's run directories into a table and plots.

Each run directory holds meta.json (system, cap, workload, args, run),
src.console and dst.console (the guest's own lines), lines_before (how many
of the guest's lines the source had printed when the migration started),
wire.jsonl (`dsmig wire` counts), engine.json (QEMU's query-migrate summary
from qmp_migrate.py, or `dsmig migrate --json`) and wall_ms. Writes
OUT.jsonl (one object per run), OUT.md (the table) and OUT-N.png (the
guest's write rate around the switch-over, one curve per system, per cell).

Everything read is bounded and checked: a guest line is taken only if it
matches the writer's format exactly, numbers are parsed as integers, and
no text read from a run reaches the gnuplot script (titles are the
systems' names, checked against a fixed pattern).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

LINE = re.compile(rb"^writer: t_ms=(\d{1,15}) pages=(\d{1,20}) gap_us=(\d{1,15})\r?$")
SAFE = re.compile(r"^[A-Za-z0-9 =,./_-]{1,80}$")
READ_MAX = 64 << 20


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read(READ_MAX)
    except OSError:
        return b""


def read_json(path):
    try:
        return json.loads(read_bytes(path) or b"null")
    except ValueError:
        return None


def guest_lines(path):
    out = []
    for raw in read_bytes(path).splitlines():
        m = LINE.match(raw)
        if m:
            out.append(tuple(int(x) for x in m.groups()))
    return out


def wire_counts(path):
    """[(t_ns, bytes)] from `dsmig wire`'s lines."""
    counts = []
    for raw in read_bytes(path).splitlines():
        try:
            rec = json.loads(raw)
        except ValueError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("bytes"), int) \
                and isinstance(rec.get("t_ns"), int):
            counts.append((rec["t_ns"], rec["bytes"]))
    return counts


def wire_bytes(counts):
    return counts[-1][1] - counts[0][1] if len(counts) >= 2 else None


def first_pages_ms(counts, t0_ns):
    """ms from the migrate command to the first 64 KiB on the wire."""
    if not counts or not t0_ns:
        return None
    for t, b in counts:
        if b - counts[0][1] >= 65536:
            return (t - t0_ns) / 1e6
    return None


def rate(a, b):
    """Pages/s between two guest lines (t_ms, pages, gap_us)."""
    dt = b[0] - a[0]
    return (b[1] - a[1]) * 1000.0 / dt if dt > 0 else None


def engine_numbers(system, eng):
    """(converged, total_ms, downtime_ms, why) from the engine's own report."""
    if not isinstance(eng, dict):
        return False, None, None, "no report"
    if system.startswith("qemu-"):
        ok = eng.get("status") == "completed"
        return ok, eng.get("total_ms"), eng.get("downtime_ms"), eng.get("status")
    if eng.get("timeout"):
        return False, None, None, "did-not-converge"
    s = eng.get("summary")
    if not isinstance(s, dict):
        return False, None, None, "failed"
    ns = lambda k: s[k] / 1e6 if isinstance(s.get(k), (int, float)) else None
    return True, ns("total_time_ns"), ns("downtime_ns"), s.get("stop_reason")


def analyse(d):
    meta = read_json(os.path.join(d, "meta.json"))
    if not isinstance(meta, dict):
        return None
    src = guest_lines(os.path.join(d, "src.console"))
    dst = guest_lines(os.path.join(d, "dst.console"))
    try:
        before_n = int(read_bytes(os.path.join(d, "lines_before")) or 0)
        wall_ms = int(read_bytes(os.path.join(d, "wall_ms")) or 0)
        t0_ns = int(read_bytes(os.path.join(d, "t0_mono")) or 0)
    except ValueError:
        before_n, wall_ms, t0_ns = 0, 0, 0
    counts = wire_counts(os.path.join(d, "wire.jsonl"))
    converged, total_ms, downtime_ms, why = engine_numbers(
        meta["system"], read_json(os.path.join(d, "engine.json")))
    r = dict(meta, converged=converged, why=why, engine_total_ms=total_ms,
             engine_downtime_ms=downtime_ms, wall_ms=wall_ms,
             wire_bytes=wire_bytes(counts), first_pages_ms=first_pages_ms(counts, t0_ns))
    # Before: the last 1.5 s of warm-up. During: from the start to the
    # source's last line. The guest's stall: the longest loop gap from the
    # start on, on both sides.
    pre = src[max(0, before_n - 16):before_n]
    r["rate_before"] = rate(pre[0], pre[-1]) if len(pre) >= 2 else None
    during = src[max(0, before_n - 1):]
    r["rate_during"] = rate(during[0], during[-1]) if len(during) >= 2 else None
    after = src[before_n:] + dst
    r["guest_stall_ms"] = max((g for _, _, g in after), default=None)
    if r["guest_stall_ms"] is not None:
        r["guest_stall_ms"] /= 1000.0
    # After the switch: how long the write rate stayed below half of what
    # it was before (only when the guest wrote before and the destination
    # printed).
    below = None
    if dst and src and r["rate_before"]:
        below = 0
        prev = src[-1]
        for cur in dst:
            rt = rate(prev, cur)
            if rt is not None and rt < r["rate_before"] / 2:
                below += cur[0] - prev[0]
            prev = cur
    r["below_half_after_ms"] = below
    # The curve: rate per line, time relative to the destination's first.
    series = []
    if dst:
        t0 = dst[0][0]
        seq = src + dst
        for a, b in zip(seq, seq[1:]):
            rt = rate(a, b)
            if rt is not None:
                series.append(((b[0] - t0) / 1000.0, rt))
    r["_series"] = series
    return r


def stat(values, fmt="{:.0f}"):
    v = [x for x in values if x is not None]
    if not v:
        return "n/a"
    med = fmt.format(statistics.median(v))
    if len(v) == 1:
        return med
    return f"{med} ({fmt.format(min(v))}–{fmt.format(max(v))})"


def cell_name(r):
    cap = {"12M": "12 Mbit/s", "link12M": "12 Mbit/s tc link"}.get(r["cap"], "no cap")
    return f"{r['workload']} {r['args']}".strip(), cap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", required=True)
    o = ap.parse_args()

    runs = []
    for name in sorted(os.listdir(o.runs), key=lambda n: int(n.split("-")[-1]) if n.split("-")[-1].isdigit() else 0):
        r = analyse(os.path.join(o.runs, name))
        if r:
            runs.append(r)
    if not runs:
        print("peer_report: no runs", file=sys.stderr)
        return 1
    with open(o.out + ".jsonl", "w") as f:
        for r in runs:
            f.write(json.dumps({k: v for k, v in r.items() if k != "_series"}) + "\n")

    cells, systems = [], []
    for r in runs:
        c = (r["cap"], r["workload"], r["args"])
        if c not in cells:
            cells.append(c)
        if r["system"] not in systems:
            systems.append(r["system"])

    lines = [
        f"Command: `{o.command}`. Each cell: median (min–max) over the runs that converged; "
        "\"converged\" counts them. Guest: 128 MiB, 1 vCPU, the same workload object file on both "
        "(dsmig-vmm: BUILD/guest/NAME.elf; QEMU 7.2 -accel kvm: BUILD/guest/qemu/NAME.mb). "
        "Wire: `dsmig wire` on lo, both engines' ports, every 20 ms; first pages: from the "
        "migrate command (QMP's for QEMU) to the first 64 KiB on it. Guest stall: the longest gap between two "
        "turns of the writer's loop from the migration's start on, by the guest's own clock. "
        "Rate during: the guest's writes/s from the start to its last line on the source, "
        "as % of the 1.5 s before. Below half after: time after the switch-over with the "
        "write rate under half of that.",
        "",
        "| cap | workload | system | converged | guest's longest stall (ms) | engine downtime (ms) "
        "| command to first pages (ms) | command wall time (s) | engine total (s) | wire (MB) "
        "| rate during (%) | below half after (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        for sysname in systems:
            rs = [r for r in runs if (r["cap"], r["workload"], r["args"]) == c and r["system"] == sysname]
            if not rs:
                continue
            ok = [r for r in rs if r["converged"]]
            w, cap = cell_name(rs[0])
            why = sorted({str(r["why"]) for r in rs if not r["converged"]})
            conv = f"{len(ok)}/{len(rs)}" + (f" ({', '.join(why)})" if why else "")
            pct = [100.0 * r["rate_during"] / r["rate_before"] if r["rate_during"] is not None
                   and r["rate_before"] else None for r in ok]
            lines.append(
                f"| {cap} | {w} | {sysname} | {conv} | {stat([r['guest_stall_ms'] for r in ok])} "
                f"| {stat([r['engine_downtime_ms'] for r in ok])} "
                f"| {stat([r['first_pages_ms'] for r in ok])} "
                f"| {stat([r['wall_ms'] / 1000 for r in ok], '{:.2f}')} "
                f"| {stat([r['engine_total_ms'] / 1000 if r['engine_total_ms'] is not None else None for r in ok], '{:.2f}')} "
                f"| {stat([r['wire_bytes'] / 1e6 if r['wire_bytes'] is not None else None for r in ok], '{:.1f}')} "
                f"| {stat(pct)} | {stat([r['below_half_after_ms'] for r in ok])} |")
    plots = plot(runs, cells, systems, o.out)
    lines += ["", "Plots (the guest's write rate around the switch-over, first converged run of each system):", ""]
    lines += [f"- {p}" for p in plots]
    with open(o.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


def plot(runs, cells, systems, out):
    """One PNG per cell with a curve per system; returns their file names."""
    made = []
    for i, c in enumerate(cells, 1):
        base = f"{out}-{i}"
        curves = []
        for sysname in systems:
            if not SAFE.match(sysname):
                continue
            r = next((r for r in runs if (r["cap"], r["workload"], r["args"]) == c
                      and r["system"] == sysname and r["converged"] and r["_series"]), None)
            if not r:
                continue
            dat = f"{base}-{sysname}.dat"
            with open(dat, "w") as f:
                for t, rt in r["_series"]:
                    f.write(f"{t:.3f} {rt:.1f}\n")
            curves.append((dat, sysname))
        if not curves:
            continue
        w, cap = cell_name({"cap": c[0], "workload": c[1], "args": c[2]})
        title = f"{w}, {cap}" if SAFE.match(f"{w}, {cap}") else "cell"
        script = [
            "set terminal pngcairo size 900,420 font ',10' noenhanced",
            f"set output {json.dumps(base + '.png')}",
            f"set title {json.dumps('guest write rate around the switch-over: ' + title)}",
            "set xlabel 'seconds from the first line on the destination'",
            "set ylabel 'pages written / s'",
            "set key outside right",
            "set grid",
            # gnuplot has 8 colours: past them, the curves are dashed.
            "plot " + ", ".join(f"{json.dumps(d)} using 1:2 with lines lc {i % 8 + 1} "
                                f"dt {i // 8 + 1} title {json.dumps(s)}"
                                for i, (d, s) in enumerate(curves)),
        ]
        res = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True,
                             capture_output=True)
        for d, _ in curves:
            os.unlink(d)
        if res.returncode != 0:
            print(f"peer_report: gnuplot: {res.stderr.strip()}", file=sys.stderr)
            continue
        made.append(os.path.basename(base + ".png"))
    return made


if __name__ == "__main__":
    sys.exit(main())
