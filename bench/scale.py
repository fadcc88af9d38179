"""A cold and a warm ``monitor run --all`` over a synthetic web, next to a naive baseline and the CPU floor.

One command, one JSON file (``bench/results/scale-<feeds>.json``):

    .venv/bin/python -m bench.scale --feeds 1000 --latency 0.1 --baseline-sample 100

1. The web server starts in its own process (``bench.web_server``: 49 hosts on 127.0.0.2–50).
2. Rounds (``--rounds``, 3 by default), each on an empty state and corpus:
   a. cold pass: ``python -m monitor run --all``; wall time, CPU of the monitor's process tree,
      peak memory of the tree (RSS and PSS, sampled every 0.5 s), the server's own CPU, and what
      it requested;
   b. warm pass: the same command again; every feed answers 304, so no feed may be parsed;
   c. CPU floor, right after, in this process, no network, no bookkeeping: ``feedparser.parse``
      of every feed body and ``trafilatura.extract`` of every page the cold pass fetched (and,
      for comparison, the monitor's own ``parse_feed`` and ``extract_page`` of the same bytes).
   The machine's speed drifts by ±15 % over minutes, so each round's pass is set against the
   floor of the same round; the figures are the medians over the rounds, each round kept.
3. Baseline: what a user would write without the project, on every k-th feed, extrapolated
   linearly by the number of feeds: ``feedparser.parse(url)`` fetching each feed itself,
   then ``trafilatura.fetch_url`` + ``trafilatura.extract`` on each link whose title or
   summary names India or the US (a naive keyword check), one after another.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

from bench.web_content import WebSpec, feed_document, page_for_path
from bench.web_server import add_spec_options, running, spec_from

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
NAIVE_KEYWORDS = (
    "india",
    "indian",
    "new delhi",
    "modi",
    "united states",
    "u.s.",
    "washington",
    "american",
    "trump",
)


def write_config(folder: Path, spec: WebSpec, workers: int | None, host_delay: float) -> Path:
    lines = [
        *(["feeds = []"] if spec.feeds == 0 else []),  # no [[feeds]] at all would mean the built-in list
        "[corpus]",
        'dir = "seeds"',
        "[state]",
        'path = "state/state.db"',
        "[http]",
        "allow_private_addresses = true",
        # 64 at once: with 32, at 100 ms a response, the ~4,850 requests of a 1,000-feed pass need 15 s
        # of network alone, near the pass's CPU time, and the cores wait whenever fetches lag
        "concurrency = 64",
        f"host_delay = {host_delay}",
        "per_host_concurrency = 2",
        "timeout = 60",
        "retries = 0",
    ]
    if workers is not None:
        lines += ["[performance]", f"workers = {workers}"]
    for feed in range(spec.feeds):
        lines += ["[[feeds]]", f'name = "feed-{feed:05d}"', f'url = "{spec.feed_url(feed)}"']
    path = folder / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TreeSampler(threading.Thread):
    """Peak RSS and PSS of a process and all its descendants, sampled every ``period`` seconds.

    Reading PSS walks every mapping of a process in the kernel: every 0.1 s over a 1,000-feed
    pass that took a fifth of a core from the pass it measures, so the period is 0.5 s and the
    sampler's own CPU is reported beside the pass (``sampler_cpu_s``).
    """

    def __init__(self, pid: int, period: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.period = period
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.cpu: dict[int, float] = {}  # CPU seconds of each process of the tree, at its last sample
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss = pss = count = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for process in processes:
                try:
                    info = process.memory_full_info()
                    times = process.cpu_times()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self.cpu[process.pid] = times.user + times.system
                rss += info.rss
                pss += info.pss
                count += 1
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, count)
            self.stop.wait(self.period)


def web_get(spec: WebSpec, path: str) -> Any:
    with urllib.request.urlopen(f"{spec.base(0)}{path}", timeout=30) as response:
        return json.loads(response.read()) if path == "/__stats" else None


def run_monitor(folder: Path, config: Path, server_pid: int, spec: WebSpec) -> dict[str, Any]:
    """One ``monitor run --all`` as a subprocess, measured."""
    web_get(spec, "/__reset")
    load_before = os.getloadavg()[0]
    server = psutil.Process(server_pid)
    server_cpu = sum(server.cpu_times()[:2])
    own_cpu = time.process_time()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run", "--all", "-q"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    own_cpu = time.process_time() - own_cpu
    stats = web_get(spec, "/__stats")
    return {
        "exit_code": process.returncode,
        "load_average_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "wall_s": round(wall, 3),
        "server_cpu_s": round(sum(server.cpu_times()[:2]) - server_cpu, 3),
        "sampler_cpu_s": round(own_cpu, 3),
        "tree_cpu_s": round(sum(sampler.cpu.values()), 1),
        "main_cpu_s": round(sampler.cpu.get(process.pid, 0.0), 1),
        "peak_rss_tree_mb": round(sampler.peak_rss / 2**20, 1),
        "peak_pss_tree_mb": round(sampler.peak_pss / 2**20, 1),
        "processes": sampler.peak_processes,
        "requests": stats["counts"],
        "pages": stats["pages"],
        "stderr_tail": stderr.strip().splitlines()[-5:],
        "summary": stdout.strip(),
    }


def cpu_floor(spec: WebSpec, pages: list[str]) -> dict[str, Any]:
    """CPU seconds of feedparser over every feed and trafilatura over ``pages``, nothing else.

    The monitor's own readers of the same bytes are timed alongside, for the profile:
    ``parse_feed`` (lxml for plain RSS/Atom, feedparser otherwise) and ``extract_page``
    (trafilatura plus the page's metadata and the noise-line rules).
    """
    import feedparser
    import trafilatura

    from monitor.extract import extract_page
    from monitor.feeds import parse_feed

    bodies = [feed_document(spec, feed) for feed in range(spec.feeds)]
    page_bodies = [(path, page_for_path(spec, path)) for path in pages]
    started = time.process_time()
    entries = sum(len(feedparser.parse(body).entries) for body, _ in bodies)
    parse_cpu = time.process_time() - started
    started = time.process_time()
    for _, body in page_bodies:
        trafilatura.extract(body)
    extract_cpu = time.process_time() - started
    started = time.process_time()
    for feed, (body, content_type) in enumerate(bodies):
        parse_feed(body, feed_name=str(feed), url=spec.feed_url(feed), content_type=content_type)
    monitor_parse_cpu = time.process_time() - started
    started = time.process_time()
    for path, body in page_bodies:
        assert body is not None
        extract_page(body, f"http://{spec.host(0)}{path}", charset="utf-8")
    monitor_extract_cpu = time.process_time() - started
    return {
        "feeds": spec.feeds,
        "entries": entries,
        "pages": len(page_bodies),
        "feedparser_cpu_s": round(parse_cpu, 3),
        "trafilatura_extract_cpu_s": round(extract_cpu, 3),
        "floor_cpu_s": round(parse_cpu + extract_cpu, 3),
        "monitor_parse_feed_cpu_s": round(monitor_parse_cpu, 3),
        "monitor_extract_page_cpu_s": round(monitor_extract_cpu, 3),
    }


def naive(text: str) -> bool:
    lowered = text.lower()
    return any(keyword in lowered for keyword in NAIVE_KEYWORDS)


def baseline(spec: WebSpec, sample: int) -> dict[str, Any]:
    """The sequential loop without the project, on ``sample`` feeds spread over the web."""
    import feedparser
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "SSRF_PROTECTION", "off")  # trafilatura refuses loopback addresses by default
    step = max(1, spec.feeds // sample)
    chosen = list(range(0, spec.feeds, step))[:sample]
    entries = pages = extracted = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for feed in chosen:
        parsed = feedparser.parse(spec.feed_url(feed))
        for entry in parsed.entries:
            entries += 1
            if not naive(entry.get("title", "") + " " + entry.get("summary", "")):
                continue
            pages += 1
            downloaded = trafilatura.fetch_url(entry.link, config=config)
            if downloaded and trafilatura.extract(downloaded):
                extracted += 1
    wall = time.perf_counter() - started
    return {
        "sample_feeds": len(chosen),
        "entries": entries,
        "pages_fetched": pages,
        "pages_extracted": extracted,
        "wall_s": round(wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "extrapolated_wall_s": round(wall * spec.feeds / len(chosen), 1),
        "extrapolation": f"linear in the number of feeds: wall x {spec.feeds}/{len(chosen)}",
    }


def measure_round(spec: WebSpec, args: argparse.Namespace, server_pid: int, cores: int,
                  work: Path) -> dict[str, Any]:
    """Cold pass, warm pass and CPU floor, one after the other on a fresh state and corpus in ``work``.

    Each round has a folder of its own, all removed at the end of the run: ext4 skips the inode
    numbers of files deleted in the last minutes when it creates one, so a corpus written right
    after the last round's was deleted costs the pass ~2 CPU s of kernel time (seen with perf) that
    a monitor on a real corpus never pays.
    """
    (work / "seeds").mkdir(parents=True)
    config = write_config(work, spec, args.workers, args.host_delay)
    print(f"cold pass over {spec.feeds} feeds...", file=sys.stderr)
    cold = run_monitor(work, config, server_pid, spec)
    print(f"cold: {cold['wall_s']} s; warm pass...", file=sys.stderr)
    warm = run_monitor(work, config, server_pid, spec)
    print(f"warm: {warm['wall_s']} s; CPU floor...", file=sys.stderr)
    floor = cpu_floor(spec, cold["pages"])
    print(f"floor: {floor['floor_cpu_s']} CPU s", file=sys.stderr)
    cold["pages"], warm["pages"] = len(cold["pages"]), len(warm["pages"])
    return {
        "cold": cold,
        "warm": warm,
        "floor": floor,
        "cold_vs_floor_per_core": round(cold["wall_s"] / (floor["floor_cpu_s"] / cores), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_spec_options(parser)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency per response (s)")
    parser.add_argument(
        "--baseline-sample", type=int, default=100, help="feeds the baseline runs on; 0 skips"
    )
    parser.add_argument("--workers", type=int, default=None, help="[performance] workers (default: cores)")
    parser.add_argument("--host-delay", type=float, default=0.02)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of cold pass, warm pass and floor; figures are medians"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    spec = spec_from(args)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)
    cores = args.workers if args.workers is not None else len(os.sched_getaffinity(0))
    result: dict[str, Any] = {
        "spec": asdict(spec),
        "latency_s": args.latency,
        "cores": cores,
        "host_delay_s": args.host_delay,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = RESULTS / f"work-{spec.feeds}"
    shutil.rmtree(work, ignore_errors=True)  # left by an interrupted run
    with running(spec, args.latency, RESULTS) as server_pid:
        rounds = [measure_round(spec, args, server_pid, cores, work / f"round-{i + 1}") for i in range(args.rounds)]
        if args.baseline_sample:
            print("baseline...", file=sys.stderr)
            result["baseline"] = baseline(spec, args.baseline_sample)
    shutil.rmtree(work)
    result["rounds"] = rounds
    cold_walls = [r["cold"]["wall_s"] for r in rounds]
    figures: dict[str, Any] = {
        "rounds": len(rounds),
        "cold_wall_s": round(statistics.median(cold_walls), 2),
        "floor_cpu_s": round(statistics.median(r["floor"]["floor_cpu_s"] for r in rounds), 2),
        # each round's pass against the floor measured right after it, so that the machine's
        # drifting speed cancels out; the median of the rounds' ratios
        "cold_vs_floor_per_core": round(statistics.median(r["cold_vs_floor_per_core"] for r in rounds), 2),
        "cold_vs_floor_per_core_each_round": [r["cold_vs_floor_per_core"] for r in rounds],
        "warm_wall_s": round(statistics.median(r["warm"]["wall_s"] for r in rounds), 2),
        "warm_wall_s_each_round": [r["warm"]["wall_s"] for r in rounds],
        "warm_feeds_parsed_at_most": max(r["warm"]["requests"].get("feed_200", 0) for r in rounds),
        "cold_peak_rss_tree_mb": max(r["cold"]["peak_rss_tree_mb"] for r in rounds),
        "cold_peak_pss_tree_mb": max(r["cold"]["peak_pss_tree_mb"] for r in rounds),
        "cold_tree_cpu_s": round(statistics.median(r["cold"]["tree_cpu_s"] for r in rounds), 1),
    }
    if "baseline" in result:
        base = result["baseline"]["extrapolated_wall_s"]
        figures["baseline_extrapolated_wall_s"] = base
        figures["speedup_vs_baseline"] = round(base / figures["cold_wall_s"], 1)
        figures["speedup_vs_baseline_each_round"] = [round(base / wall, 1) for wall in cold_walls]
    result["figures"] = figures
    out = args.out or RESULTS / f"scale-{spec.feeds}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
