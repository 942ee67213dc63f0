"""Article rendering throughput over the corpus HTML: what opening an article costs.

    python bench/render.py
    python bench/render.py --width 120 --repeat 5

For every file under ../shared/corpus/html (feed items, whole articles, synthetic cases,
full web pages) it times the two steps the reader runs to open an article:
article_from_html (sanitise, clean, convert to Markdown) and render_for_reader (the body
in colour with code highlighted, and the links list, as lines at --width). Each document
runs --repeat times (the Markdown parse cache cleared, as for a newly opened article); its
time is the fastest run. Per folder it prints files, MB, MB/s and p50 / p95 / max per
document for each step and for both, then a one-line summary. (bench/render_quality.py
checks what the output says; this script only times it.)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (
    CORPUS,
    add_src_to_path,
    fmt_ms,
    header,
    median,
    percentile,
    print_table,
    today,
    write_json,
)

add_src_to_path()

from newsterm.content import Article, article_from_html  # noqa: E402
from newsterm.content.render import clear_parse_cache  # noqa: E402
from newsterm.ui.widgets.reader import render_for_reader  # noqa: E402

ITEM_P95_GOAL_S = 0.030
"""A feed item should open within a frame or two (the content helper's goal)."""


@dataclass
class Folder:
    """One folder of documents and their timings."""

    name: str
    documents: list[tuple[str, str]]
    convert: list[float] = field(default_factory=list)
    render: list[float] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(text.encode("utf-8")) for _, text in self.documents)

    @property
    def total(self) -> list[float]:
        return [c + r for c, r in zip(self.convert, self.render, strict=True)]


def fastest(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(folder: Folder, width: int, repeat: int) -> None:
    for name, text in folder.documents:

        def convert(text: str = text, name: str = name) -> Article:
            return article_from_html(text, title=name, base_url="https://example.org/a/")

        seconds, article = fastest(convert, repeat)
        folder.convert.append(seconds)
        assert isinstance(article, Article)

        def render(article: Article = article) -> object:
            clear_parse_cache()
            return render_for_reader(article, width)

        seconds, _ = fastest(render, repeat)
        folder.render.append(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Article conversion and rendering time per document.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--width", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3, help="runs per document (fastest)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    header("render: HTML -> Article -> the reader's lines")
    root = CORPUS / "html"
    folders = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(directory.rglob("*.html"))
        folders.append(
            Folder(
                f"html/{directory.name}",
                [(f.stem, f.read_text(encoding="utf-8", errors="replace")) for f in files],
            )
        )
    for folder in folders:
        measure(folder, args.width, args.repeat)

    rows = []
    for f in folders:
        both = f.total
        rows.append(
            [
                f.name,
                len(f.documents),
                f"{f.size / 1e6:.2f}",
                f"{f.size / 1e6 / sum(both):.2f}",
                f"{fmt_ms(median(f.convert))} / {fmt_ms(percentile(f.convert, 95))}",
                f"{fmt_ms(median(f.render))} / {fmt_ms(percentile(f.render, 95))}",
                fmt_ms(median(both)),
                fmt_ms(percentile(both, 95)),
                fmt_ms(max(both)),
            ]
        )
        write_json(
            args.json_out,
            {
                "bench": "render",
                "date": today(),
                "folder": f.name,
                "files": len(f.documents),
                "bytes": f.size,
                "mb_per_s": f.size / 1e6 / sum(both),
                "convert_p50_s": median(f.convert),
                "convert_p95_s": percentile(f.convert, 95),
                "render_p50_s": median(f.render),
                "render_p95_s": percentile(f.render, 95),
                "p50_s": median(both),
                "p95_s": percentile(both, 95),
                "max_s": max(both),
            },
        )
    print()
    print_table(
        [
            "documents",
            "files",
            "MB",
            "MB/s",
            "convert p50 / p95",
            "render p50 / p95",
            "p50",
            "p95",
            "max",
        ],
        rows,
    )
    everything = [t for f in folders for t in f.total]
    size = sum(f.size for f in folders)
    items = next((f for f in folders if f.name == "html/items"), None)
    item_p95 = percentile(items.total, 95) if items else float("nan")
    verdict = "met" if item_p95 < ITEM_P95_GOAL_S else "MISSED"
    print(
        f"\nrender: {size / 1e6:.1f} MB of HTML at {size / 1e6 / sum(everything):.2f} MB/s,"
        f" p50 {fmt_ms(median(everything))} p95 {fmt_ms(percentile(everything, 95))} per"
        f" document; feed items p95 {fmt_ms(item_p95)} (content goal < 30 ms: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
