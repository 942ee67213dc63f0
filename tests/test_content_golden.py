"""Golden renderings of varied corpus documents: what ``newsterm render --width 80`` prints.

Each ``tests/golden/<name>.txt`` was reviewed by reading it.  After a deliberate change to the
pipeline, regenerate them with ``NEWSTERM_UPDATE_GOLDEN=1 pytest tests/test_content_golden.py``
and review the diff before committing it.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from newsterm.content import article_from_html, parse_seed_document, render_to_text
from tests.paths import SEED

GOLDEN = Path(__file__).parent / "golden"
WIDTH = 80

# name -> corpus path (relative to the corpus root), or "seed" for the project's seed document.
CASES: dict[str, str] = {
    "seed_rfi_cn": "seed",
    "news_nytimes": "html/articles/readability--nytimes-2.html",
    "news_lemonde_fr": "html/articles/readability--lemonde-1.html",
    "blog_code_quote_footnote": "html/items/nnw--allthis--e4.html",
    "cjk_zh_qq": "html/articles/readability--qq.html",
    "cjk_ja_layout_tables": "html/articles/readability--hukumusume.html",
    "rtl_hebrew": "html/items/chardet-windows-1255-hebrew--notes.co.il.7--e14.html",
    "code_heavy_v8": "html/articles/readability--v8-blog.html",
    "table_cjk_big5": "html/items/chardet-Big5--upsaid.com--e17.html",
    "table_key_value": "html/items/feedrs--rss_2.0_kdist--e0.html",
    "table_feedburner": "html/items/rssparser--feedburner--e22.html",
    "videos": "html/articles-synthetic/readability--embedded-videos.html",
    "social_buttons": "html/articles-synthetic/readability--social-buttons.html",
}


def _entry_link(corpus: Path, relative: str) -> str:
    """The entry link SOURCES.tsv notes for an item: the base for its relative URLs."""
    sources = corpus / "SOURCES.tsv"
    if not sources.exists():
        return ""
    with sources.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row.get("path") == relative:
                match = re.search(r"link=(\S+)", row.get("notes") or "")
                return match.group(1) if match else ""
    return ""


def render_case(name: str, corpus: Path) -> str:
    """Render one golden case exactly as ``newsterm render --width 80`` does (no colour)."""
    source = CASES[name]
    if source == "seed":
        title, link, html = parse_seed_document(SEED.read_text(encoding="utf-8"))
    else:
        title, link = "", _entry_link(corpus, source)
        html = (corpus / source).read_text(encoding="utf-8", errors="replace")
    article = article_from_html(html, title=title, base_url=link)
    return render_to_text(article, width=WIDTH, color=False)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_rendering(name: str, corpus: Path) -> None:
    output = render_case(name, corpus)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("NEWSTERM_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"missing {golden}; run with NEWSTERM_UPDATE_GOLDEN=1 and review it"
    assert output == golden.read_text(encoding="utf-8")
