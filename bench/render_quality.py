"""Measure the content pipeline on every HTML file of the corpus.

    python bench/render_quality.py [--width 80] [--corpus PATH] [--verbose]

For each folder under ``<corpus>/html`` it prints: files, text recall (the share of the visible
source text's words that reach the rendered output; CJK counted by character), files with junk in
the output (empty links, leftover tags, undecoded entities, Markdown residue, control characters,
lines wider than the width) and the render time p50/p95/max: CPU time of this process (so other
load on the machine matters less) for exactly what the reader does to open an article at that
width: ``article_from_html`` (sanitise, clean, Markdown) and ``render_for_reader`` (the body in
colour, code highlighted, and the clickable links list, as lines).  Recall and junk are checked
on ``render_to_text`` (what ``newsterm render`` prints; the same Markdown rendering, untimed).
The last line is a one-line summary against the goals: recall >= 99 % on html/articles, 0 junk
files, feed items p95 < 30 ms, the largest page < 1 s.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsterm.content import Article, article_from_html, render_to_text, safe_text  # noqa: E402
from newsterm.ui.widgets.reader import render_for_reader  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
RECALL_GOAL = 99.0
ITEM_P95_GOAL_MS = 30.0
LARGEST_PAGE_GOAL_MS = 1000.0

_BLOCK_TAGS = (
    "p",
    "div",
    "br",
    "li",
    "td",
    "th",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "table",
    "ul",
    "ol",
    "dl",
    "hr",
    "aside",
    "nav",
    "main",
    "caption",
    "summary",
    "details",
    "address",
)
_INVISIBLE = ("script", "style", "noscript", "template", "head", "title")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FENCE = re.compile(r"^( *(?:> ?)*(?: *[*+-] | *\d+\. )? *)(`{3,}|~{3,}).*?^\1?\2 *$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MARKER_AFTER_SPACE = re.compile(r"(?:^|\s)\[\d+\]", re.M)
_RESIDUE = ("![", "](", "**", "__")
_OWN_BRACKETS = re.compile(r"\[(?:image|video|audio|embed): [^\]]*\]|\[\d+\]")
_LINKS_SECTION = re.compile(r"\nLinks\n─+\n(?:.*\n?)*\Z")


@dataclass
class FileResult:
    """What one corpus file measured."""

    path: Path
    source_words: int
    matched_words: int
    junk: list[str]
    convert_ms: float
    render_ms: float

    @property
    def milliseconds(self) -> float:
        return self.convert_ms + self.render_ms

    @property
    def recall(self) -> float:
        return 100.0 * self.matched_words / self.source_words if self.source_words else 100.0


@dataclass
class FolderResult:
    """Aggregates of one corpus folder."""

    name: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def recall(self) -> float:
        source = sum(result.source_words for result in self.files)
        matched = sum(result.matched_words for result in self.files)
        return 100.0 * matched / source if source else 100.0

    @property
    def junk_files(self) -> list[FileResult]:
        return [result for result in self.files if result.junk]

    def percentile(self, fraction: float, part: str = "milliseconds") -> float:
        times = sorted(float(getattr(result, part)) for result in self.files)
        if not times:
            return 0.0
        return times[min(len(times) - 1, round(fraction * (len(times) - 1)))]


def words(text: str) -> Counter[str]:
    """Words of ``text`` for recall: NFKC, case-folded; each CJK character counts as one word."""
    text = unicodedata.normalize("NFKC", text).casefold()
    counter: Counter[str] = Counter(_CJK.findall(text))
    counter.update(_WORD.findall(_CJK.sub(" ", text)))
    return counter


def visible_source_text(html: str) -> str:
    """The text a browser shows: body minus scripts, styles, templates and hidden nodes."""
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return ""
    body = root.find("body")
    if body is None:
        body = root
    doomed = [
        element
        for element in body.iter()
        if not isinstance(element.tag, str)
        or element.tag in _INVISIBLE
        or element.get("hidden") is not None
        or _HIDDEN_STYLE.search((element.get("style") or "").lower())
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    # Math is shown as its TeX source (a terminal cannot lay out MathML): count that, not both.
    for math in list(body.iter("math")):
        tex = math.get("alttext") or "".join(
            annotation.text_content() for annotation in math.iter("annotation")
        )
        if tex:
            replacement = lxml.html.Element("span")
            replacement.text = f" {tex} "
            replacement.tail = math.tail
            parent = math.getparent()
            if parent is not None:
                parent.replace(math, replacement)
    # Adjacent blocks are separate words on screen ("Title</h2><p>Text" is not "TitleText").
    for element in body.iter(*_BLOCK_TAGS):
        element.tail = " " + (element.tail or "")
        element.text = " " + (element.text or "")
    return safe_text(str(body.text_content()))


def prose_of(markdown: str) -> str:
    """The Markdown's text outside code blocks and code spans, with escapes resolved."""
    without_code = _CODE_SPAN.sub(" code", _FENCE.sub("\ncode\n", markdown))
    return _ESCAPE.sub(r"\1", without_code)


def find_junk(article: Article, output: str, source_text: str, width: int) -> list[str]:
    """Names of the kinds of junk found in one rendering."""
    junk: list[str] = []
    prose = prose_of(article.markdown)
    # "[1966]" written by the author is text, not a link number after an empty link.
    detached = [
        marker for marker in _MARKER_AFTER_SPACE.findall(prose) if marker.strip() not in source_text
    ]
    if any(not link.text.strip() for link in article.links) or detached:
        junk.append("empty link")
    tags = {tag for tag in _TAG.findall(prose) if tag not in source_text}
    if tags:
        junk.append(f"raw tags {sorted(tags)[:3]}")
    entities = {entity for entity in _ENTITY.findall(prose) if entity not in source_text}
    if entities:
        junk.append(f"entities {sorted(entities)[:3]}")
    # Labels and link numbers are our own brackets ("wow![image: x]" is no Markdown image).
    plain_output = _OWN_BRACKETS.sub(" ", _LINKS_SECTION.sub("\n", output))
    residue = [
        marker for marker in _RESIDUE if marker in plain_output and marker not in source_text
    ]
    if residue:
        junk.append(f"markdown residue {residue}")
    if _CONTROL.search(output):
        junk.append("control characters")
    wide = [line for line in output.split("\n") if cell_len(line) > width]
    if wide:
        junk.append(f"{len(wide)} lines wider than {width}")
    return junk


def measure(path: Path, base_url: str, width: int) -> FileResult:
    html = path.read_text(encoding="utf-8", errors="replace")
    started = time.process_time()
    article = article_from_html(html, base_url=base_url)
    converted = time.process_time()
    render_for_reader(article, width)
    finished = time.process_time()
    output = render_to_text(article, width=width, color=False)
    source_text = visible_source_text(html)
    source_words = words(source_text)
    body = _LINKS_SECTION.sub("\n", output)
    output_words = words(body)
    matched = sum(min(count, output_words[word]) for word, count in source_words.items())
    return FileResult(
        path=path,
        source_words=sum(source_words.values()),
        matched_words=matched,
        junk=find_junk(article, output, source_text, width),
        convert_ms=(converted - started) * 1000,
        render_ms=(finished - converted) * 1000,
    )


def entry_links(corpus: Path) -> dict[str, str]:
    """``html/...`` path -> the entry link noted in SOURCES.tsv (the base for relative URLs)."""
    sources = corpus / "SOURCES.tsv"
    links: dict[str, str] = {}
    if not sources.exists():
        return links
    with sources.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            match = re.search(r"link=(\S+)", row.get("notes") or "")
            if row.get("path", "").startswith("html/") and match:
                links[row["path"]] = match.group(1)
    return links


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--width", type=int, default=80, help="render width (default 80)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus root or html/")
    parser.add_argument("--verbose", action="store_true", help="list junk and low-recall files")
    arguments = parser.parse_args(argv)
    corpus: Path = arguments.corpus
    html_root = corpus / "html" if (corpus / "html").is_dir() else corpus
    if not html_root.is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    links = entry_links(html_root.parent)
    folders: dict[str, list[Path]] = {}
    for path in sorted(html_root.rglob("*.html")):
        relative = path.relative_to(html_root)
        folder = relative.parts[0] if len(relative.parts) > 1 else "(top)"
        folders.setdefault(folder, []).append(path)

    # Warm up imports, regex and Pygments caches so the first file's time is not an outlier.
    warm_up = article_from_html("<p>x</p><pre class='language-python'>x=1</pre>")
    render_to_text(warm_up, width=80, color=False)
    render_for_reader(warm_up, 80)

    results: list[FolderResult] = []
    for folder, paths in folders.items():
        result = FolderResult(folder)
        for path in paths:
            key = "html/" + path.relative_to(html_root).as_posix()
            result.files.append(measure(path, links.get(key, ""), arguments.width))
        results.append(result)

    print(
        "times: CPU ms of HTML -> Article (convert, cached per entry) + Article -> the reader's"
        " lines (render)"
    )
    header = (
        "folder",
        "files",
        "recall %",
        "min %",
        "junk",
        "p50 ms",
        "p95 ms",
        "max ms",
        "p95 conv",
    )
    print("{:<20} {:>5} {:>9} {:>7} {:>5} {:>8} {:>8} {:>8} {:>9}".format(*header))
    for result in results:
        lowest = min((file.recall for file in result.files), default=100.0)
        slowest = max(file.milliseconds for file in result.files)
        print(
            f"{result.name:<20} {len(result.files):>5} {result.recall:>9.2f} {lowest:>7.1f} "
            f"{len(result.junk_files):>5} {result.percentile(0.5):>8.1f} "
            f"{result.percentile(0.95):>8.1f} {slowest:>8.1f} "
            f"{result.percentile(0.95, 'convert_ms'):>9.1f}"
        )
    all_files = [file for result in results for file in result.files]
    junk_files = [file for file in all_files if file.junk]
    for file in junk_files[: None if arguments.verbose else 20]:
        print(f"  junk: {file.path.relative_to(html_root)}: {'; '.join(file.junk)}")
    if arguments.verbose:
        for file in sorted(all_files, key=lambda file: file.recall)[:15]:
            print(f"  recall {file.recall:6.2f} %  {file.path.relative_to(html_root)}")

    by_name = {result.name: result for result in results}
    articles = by_name.get("articles")
    items = by_name.get("items")
    pages = by_name.get("pages")
    recall = articles.recall if articles else 100.0
    item_p95 = items.percentile(0.95) if items else 0.0
    item_convert_p95 = items.percentile(0.95, "convert_ms") if items else 0.0
    largest = max(pages.files, key=lambda file: file.path.stat().st_size) if pages else None
    largest_ms = largest.milliseconds if largest else 0.0
    slowest_page = max((file.milliseconds for file in pages.files), default=0.0) if pages else 0.0
    passed = (
        recall >= RECALL_GOAL
        and not junk_files
        and item_p95 < ITEM_P95_GOAL_MS
        and largest_ms < LARGEST_PAGE_GOAL_MS
        and slowest_page < LARGEST_PAGE_GOAL_MS
    )
    verdict = "PASS" if passed else "FAIL"
    print(
        f"summary: {len(all_files)} files, articles recall {recall:.2f} % "
        f"(goal >= {RECALL_GOAL:g}), junk files {len(junk_files)} (goal 0), items p95 "
        f"{item_p95:.1f} ms (convert {item_convert_p95:.1f}; goal < {ITEM_P95_GOAL_MS:g}), "
        f"largest page {largest_ms:.0f} ms, slowest {slowest_page:.0f} ms "
        f"(goal < {LARGEST_PAGE_GOAL_MS:g}): {verdict}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
