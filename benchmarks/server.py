"""Load test of `propscan serve`: 8 concurrent clients, 2,000 POSTs of real articles.

  python benchmarks/server.py

Starts the server on loopback with a fresh database (analyses are stored, as by default),
then 8 client threads each post articles back to back (a closed loop): three in four requests
are the example article (~770 tokens), one in four a long one (a PTC article of ~4,100 tokens
when ../shared is beside the checkout, else the example four times). Reports throughput,
latency percentiles per article, errors, and the server's RSS at start, after request 500 and
at the end. Writes benchmarks/results/server.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from report import cpu_model, save

import httpx

ROOT = Path(__file__).resolve().parent.parent
LONG_PTC = ROOT.parent / "shared/data/ptc/train-articles/article780414700.txt"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def start_server(port: int, db: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("propscan")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "propscan"]
    proc = subprocess.Popen(cmd + ["serve", "--port", str(port), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read()[:500]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/server.json")
    args = ap.parse_args()

    example = (ROOT / "examples/article.txt").read_text(encoding="utf-8")
    long_text = LONG_PTC.read_text(encoding="utf-8") if LONG_PTC.exists() else "\n\n".join([example] * 4)
    articles = {"example": example, "long": long_text}

    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(args.port, Path(tmp) / "bench.db")
        url = f"http://127.0.0.1:{args.port}/api/v1/analyses"
        try:
            with httpx.Client(timeout=120) as warm:  # first requests pay one-off costs; not counted
                for text in articles.values():
                    warm.post(url, json={"text": text}).raise_for_status()
            rss = {"start": rss_mb(proc.pid)}
            lock = threading.Lock()
            issued = 0
            results: list[tuple[str, float, int]] = []

            def client() -> None:
                nonlocal issued
                with httpx.Client(timeout=120) as http:
                    while True:
                        with lock:
                            if issued >= args.requests:
                                return
                            i = issued
                            issued += 1
                        kind = "long" if i % 4 == 3 else "example"
                        t0 = time.perf_counter()
                        try:
                            # a line unique to the request, so each one is stored as a new row (the
                            # server keeps one row for a text it has already analysed)
                            text = f"{articles[kind]}\n\nRequest {i}.\n"
                            status = http.post(url, json={"text": text}).status_code
                        except httpx.HTTPError:
                            status = -1
                        with lock:
                            results.append((kind, time.perf_counter() - t0, status))
                            if len(results) == checkpoint:
                                rss[f"after_{checkpoint}"] = rss_mb(proc.pid)

            checkpoint = min(500, args.requests // 4)
            t0 = time.perf_counter()
            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            rss["end"] = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    out = {"cpu": cpu_model(), "requests": len(results), "clients": args.clients, "seconds": round(wall, 1),
           "requests_per_s": round(len(results) / wall, 2),
           "errors": sum(1 for _, _, s in results if s != 201),
           "rss_mb": {k: round(v, 1) for k, v in rss.items()},
           f"rss_growth_{checkpoint}_to_end_pct": round(100 * (rss["end"] - rss[f"after_{checkpoint}"])
                                                       / rss[f"after_{checkpoint}"], 1)}
    for kind in articles:
        lat = [t for k, t, _ in results if k == kind]
        out[f"latency_{kind}_s"] = {"n": len(lat), "p50": round(statistics.median(lat), 3),
                                    "p95": round(percentile(lat, 95), 3), "p99": round(percentile(lat, 99), 3),
                                    "max": round(max(lat), 3)}
    save(out, args.out)


if __name__ == "__main__":
    main()
