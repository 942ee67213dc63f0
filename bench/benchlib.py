"""Shared helpers of the bench scripts: the shared tools, generated feed sets, the feed
server, timing through measure.py, percentiles and tables.

Standard library only, so that every script starts without importing newsterm unless it
measures newsterm in-process.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The repository root."""

SHARED = Path(os.environ.get("NEWSTERM_SHARED", ROOT.parent / "shared"))
"""The shared directory beside the repository (bench tools and the corpus)."""

TOOLS = SHARED / "bench"
CORPUS = SHARED / "corpus"
RESULTS = ROOT / "bench" / "results"

GEN_PORT = 8765
"""The port written into generated feed sets; the real port is substituted into the URL
lists at serve time, so one generated set serves on any free port."""


def add_src_to_path() -> None:
    """Let a script import newsterm from the source tree even when it is not installed."""
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)


# -- the machine --------------------------------------------------------------------------


def machine_summary() -> str:
    """One line naming the machine: CPU model, cores, memory, OS, Python, SQLite."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    load = ""
    with contextlib.suppress(OSError):
        load = f", load {os.getloadavg()[0]:.1f}"
    return (
        f"{model}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}{load}"
    )


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def header(title: str) -> None:
    """The first lines of every script's output: what, when, where."""
    print(f"# {title}")
    print(f"# {today()} on {machine_summary()}")


# -- numbers and tables -------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile by linear interpolation (pct in 0..100); nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (readable as is, pasteable into the README)."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [len(name) for name in headers]
    for row in cells:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(widths[i]) for i, v in enumerate(values)) + " |"

    print(line(list(headers)))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in cells:
        print(line(row))


def fmt_s(seconds: float | None, digits: int = 2) -> str:
    return "—" if seconds is None or math.isnan(seconds) else f"{seconds:.{digits}f} s"


def fmt_ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "—"
    ms = seconds * 1000
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms"


def fmt_mb(mb: float | None) -> str:
    return "—" if mb is None or math.isnan(mb) else f"{mb:.0f} MB"


def parse_sizes(text: str) -> list[int]:
    """'1000' or '100,1k,5000' or '10k,100k' -> [ints]."""
    sizes: list[int] = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        scale = 1
        if part.endswith("k"):
            part, scale = part[:-1], 1000
        elif part.endswith("m"):
            part, scale = part[:-1], 1_000_000
        sizes.append(int(float(part) * scale))
    if not sizes or any(size <= 0 for size in sizes):
        raise ValueError(f"bad size list: {text!r}")
    return sizes


def write_json(path: Path | None, record: dict[str, Any]) -> None:
    """Append one JSON record (one line) to `path`, creating its directory."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


# -- generated feed sets ------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSet:
    """A generated day-0 set and its next-day variant (feedgen.py output directories)."""

    day0: Path
    day1: Path
    feeds: int
    items: int

    def bytes_total(self) -> int:
        manifest = json.loads((self.day0 / "manifest.json").read_text())
        return int(manifest.get("totals", manifest).get("bytes_total", 0))


def _generated(directory: Path, expected: dict[str, Any]) -> bool:
    stamp = directory / "bench-args.json"
    try:
        return bool(json.loads(stamp.read_text()) == expected)
    except (OSError, ValueError):
        return False


def feed_set(work: Path, feeds: int, items: int, *, json_percent: float, jobs: int = 2) -> FeedSet:
    """Generate (or reuse) day 0 and day 1 of `feeds` x `items` under `work`."""
    base = work / f"feeds-{feeds}x{items}-json{json_percent:g}"
    days: list[Path] = []
    for day in (0, 1):
        out = base / f"day{day}"
        args = {"feeds": feeds, "items": items, "json": json_percent, "day": day, "port": GEN_PORT}
        if not _generated(out, args):
            started = time.monotonic()
            print(f"  generating {feeds} feeds x {items} items, day {day} -> {out} ...", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    str(TOOLS / "feedgen.py"),
                    "--out",
                    str(out),
                    "--feeds",
                    str(feeds),
                    "--items",
                    str(items),
                    "--port",
                    str(GEN_PORT),
                    "--json-percent",
                    f"{json_percent:g}",
                    "--day",
                    str(day),
                    "--jobs",
                    str(jobs),
                    "--clean",
                    "--quiet",
                ],
                check=True,
                timeout=1800,
            )
            (out / "bench-args.json").write_text(json.dumps(args))
            print(f"  ... {time.monotonic() - started:.1f} s", flush=True)
        days.append(out)
    return FeedSet(day0=days[0], day1=days[1], feeds=feeds, items=items)


def with_port(source: Path, target: Path, port: int) -> Path:
    """Copy a URL list (OPML or newsboat urls) with the generated port replaced by `port`."""
    text = source.read_text(encoding="utf-8")
    target.write_text(
        text.replace(f"127.0.0.1:{GEN_PORT}/", f"127.0.0.1:{port}/"), encoding="utf-8"
    )
    return target


# -- the feed server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class FeedServer:
    """A running feedserver.py serving `link` (a symlink retargeted between days)."""

    port: int
    link: Path
    process: subprocess.Popen[bytes]
    final_stats: dict[str, Any] = field(default_factory=dict)

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/__stats"

    def serve(self, directory: Path) -> None:
        """Serve `directory` from now on (unchanged files keep their validators)."""
        temporary = self.link.with_name(self.link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(directory.resolve())
        temporary.replace(self.link)

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.stats_url, timeout=10) as response:
            data: dict[str, Any] = json.load(response)
        return data


@contextlib.contextmanager
def feed_server(
    directory: Path, scratch: Path, *, latency_ms: float, max_seconds: float
) -> Iterator[FeedServer]:
    """Start feedserver.py on a free port with --preload; stop it (SIGTERM) on exit."""
    link = scratch / "served"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(directory.resolve())
    port_file = scratch / "server.port"
    with contextlib.suppress(FileNotFoundError):
        port_file.unlink()
    process = subprocess.Popen(
        [
            sys.executable,
            str(TOOLS / "feedserver.py"),
            "--dir",
            str(link),
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--latency-ms",
            f"{latency_ms:g}",
            "--preload",
            "--max-seconds",
            f"{max_seconds:g}",
            "--quiet",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while not port_file.exists() or not port_file.read_text().strip():
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"feedserver.py exited: {error.strip()[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("feedserver.py did not start within 300 s")
            time.sleep(0.05)
        server = FeedServer(port=int(port_file.read_text().strip()), link=link, process=process)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- timing commands ----------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One measured command: medians over its runs, plus each run."""

    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    tree_peak_rss_mb: float | None
    requests: int | None
    by_status: dict[str, int]
    runs: list[dict[str, Any]]
    exit_codes: list[int]
    output_tail: str

    @property
    def walls(self) -> list[float]:
        return [float(run["wall_s"]) for run in self.runs]

    @property
    def ok(self) -> bool:
        return all(code == 0 for code in self.exit_codes)

    def status_text(self) -> str:
        if self.requests is None:
            return "—"
        parts = " ".join(f"{code}×{count}" for code, count in sorted(self.by_status.items()))
        return f"{self.requests} ({parts})" if parts else str(self.requests)


def measure_run(
    command: Sequence[str],
    *,
    label: str,
    repeat: int = 1,
    before: str | None = None,
    stats_url: str | None = None,
    tree_sample_ms: float = 20.0,
    timeout: float = 600.0,
    env: dict[str, str] | None = None,
) -> Timing:
    """Time `command` with measure.py run (wait4 peak RSS, subreaper) and read its record."""
    with tempfile.TemporaryDirectory(prefix="newsterm-bench-") as scratch:
        record_file = Path(scratch) / "record.jsonl"
        argv = [
            sys.executable,
            str(TOOLS / "measure.py"),
            "run",
            "--repeat",
            str(repeat),
            "--label",
            label,
            "--timeout",
            f"{timeout:g}",
            "--json-out",
            str(record_file),
        ]
        if tree_sample_ms > 0:
            argv += ["--tree-sample-ms", f"{tree_sample_ms:g}"]
        if before:
            argv += ["--before", before]
        if stats_url:
            argv += ["--stats-url", stats_url]
        argv += ["--", *command]
        completed = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout * repeat + 120,
            env=env,
            check=False,
        )
        if not record_file.exists():
            raise RuntimeError(
                f"measure.py failed for {label}: {completed.stdout.decode()[-1000:]}"
            )
        record = json.loads(record_file.read_text().splitlines()[-1])
    runs: list[dict[str, Any]] = record["runs"]
    trees = [float(run["tree_peak_rss_mb"]) for run in runs if run.get("tree_peak_rss_mb")]
    servers = [run["server"] for run in runs if run.get("server")]
    requests: int | None = None
    by_status: dict[str, int] = {}
    if servers:
        # The figures of the median run by wall time are as good as any: all runs do the same.
        last = servers[-1]
        requests = int(last.get("requests", 0))
        by_status = {str(k): int(v) for k, v in (last.get("by_status") or {}).items()}
    return Timing(
        label=label,
        wall_s=float(record["wall_s"]["median"]),
        cpu_s=float(record["cpu_s"]["median"]),
        peak_rss_mb=float(record["peak_rss_mb"]["median"]),
        tree_peak_rss_mb=median(trees) if trees else None,
        requests=requests,
        by_status=by_status,
        runs=runs,
        exit_codes=[int(run["exit_code"]) for run in runs],
        output_tail=str(runs[-1].get("output_tail", "")) if runs else "",
    )


def venv_command(name: str) -> list[str]:
    """The console script `name` beside this Python (the venv's), else `python -m name`."""
    script = Path(sys.executable).with_name(name)
    if script.exists():
        return [str(script)]
    found = shutil.which(name)
    return [found] if found else [sys.executable, "-m", name]


def compile_package() -> None:
    """Write newsterm's bytecode once, as an installed package has it.

    The environment may set PYTHONDONTWRITEBYTECODE, which would make every timed run
    compile the package from source again (an install never pays that).
    """
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "newsterm"), quiet=1, workers=1)
