#!/usr/bin/env python3
"""Watch-mode latency: time from a file change to the new result on pgconf's stdout.

Starts `pgconf watch` on a copy of a server's files (default: the bundled example), changes
postgresql.conf N times (alternating a value so every change matters), and measures the time
from each write to the summary line of the new result. Reports the median and the 90th
percentile, and the same minus the debounce window (75 ms), which is what the issue's target
("within 100 ms of the debounced event") is about. A benchmark, not a test: run it on a quiet
machine. Usage: bench/watch_latency.py [--pgconf target/<host triple>/release/pgconf] [--runs 30] [DIR]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, threading, time, queue

DEBOUNCE_MS = 75


def release_binary():
    """The release build's pgconf: builds name their target (.cargo/config.toml), so it is
    under the host's triple."""
    host = subprocess.run(["rustc", "--print", "host-tuple"], capture_output=True, text=True,
                          check=True).stdout.strip()
    return os.path.join("target", host, "release", "pgconf")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgconf", default=release_binary())
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("dir", nargs="?", default="fixtures/example")
    a = ap.parse_args()
    work = tempfile.mkdtemp()
    try:
        server = os.path.join(work, "server")
        shutil.copytree(a.dir, server)
        conf = os.path.join(server, "postgresql.conf")
        base = open(conf, "rb").read()
        proc = subprocess.Popen([a.pgconf, "watch", "--format", "concise", server],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, "NO_COLOR": "1"})
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put((time.monotonic(), l)) for l in proc.stdout],
                         daemon=True).start()

        def next_summary(timeout=10.0):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                try:
                    t, line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if b"pgconf watch:" in line:
                    return t
            raise SystemExit("no result from pgconf watch in time")

        next_summary()
        samples = []
        for i in range(a.runs):
            time.sleep(0.3)
            value = b"logical" if i % 2 == 0 else b"replica"
            start = time.monotonic()
            with open(conf, "wb") as f:
                f.write(base + b"\nwal_level = " + value + b"\n")
            samples.append((next_summary() - start) * 1000)
        proc.terminate()
        samples.sort()
        med = statistics.median(samples)
        p90 = samples[int(len(samples) * 0.9) - 1]
        print(f"watch latency over {len(samples)} changes: median {med:.1f} ms, p90 {p90:.1f} ms "
              f"(after the {DEBOUNCE_MS} ms debounce: median {med - DEBOUNCE_MS:.1f} ms, "
              f"p90 {p90 - DEBOUNCE_MS:.1f} ms; target < 100 ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
