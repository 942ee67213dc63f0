"""The store's fast paths give what the slow ones give: search text, prepared entries."""

from __future__ import annotations

import pickle

import lxml.etree
import pytest

from newsterm.models import ParsedEntry
from newsterm.store import text
from newsterm.store.rows import PreparedEntry, prepare_entries
from tests.paths import CORPUS

HTML = CORPUS / "html"


def parsed_text(markup: str) -> str:
    """html_to_text's parser path, forced."""
    root = lxml.etree.fromstring(markup.replace("\x00", " "), text._HTML_PARSER)
    if root is None:
        return ""
    lxml.etree.strip_elements(root, *text._DROPPED, with_tail=False)
    return " ".join(" ".join(root.itertext()).split())[: text.MAX_INDEXED_CHARS]


@pytest.mark.skipif(not HTML.is_dir(), reason=f"corpus not found at {HTML}")
def test_regex_path_gives_the_parsers_words_on_the_corpus() -> None:
    taken = 0
    differ: list[str] = []
    for path in sorted(HTML.rglob("*.html")):
        markup = path.read_text(encoding="utf-8", errors="replace")
        if text._NEEDS_PARSER.search(markup):
            continue
        taken += 1
        if text.html_to_text(markup) != parsed_text(markup):
            differ.append(path.name)
    assert not differ
    assert taken > 200


@pytest.mark.parametrize(
    "markup",
    [
        '<a title="x > y">link</a> after',
        '<div "="">\n<p>unbalanced quote</p></div>',
        "a < b and c > d",
        "<p>caf&eacute;</p><p>&lt;tag&gt;</p>",
        "<IMG SRC='x.png'>caps<BR/>",
    ],
)
def test_regex_path_edge_cases(markup: str) -> None:
    assert text.html_to_text(markup) == parsed_text(markup)


def entry(identity: str, body: str = "<p>Hello <b>there</b></p>") -> ParsedEntry:
    return ParsedEntry(identity=identity, title="T", content=body)


def test_prepare_entries_keeps_the_first_of_each_identity() -> None:
    items = prepare_entries([entry("a", "<p>one</p>"), entry("b"), entry("a", "<p>two</p>")])
    assert [(i.entry.identity, i.entry.content) for i in items] == [
        ("a", "<p>one</p>"),
        ("b", "<p>Hello <b>there</b></p>"),
    ]


def test_prepared_text_is_the_search_text_and_pickles() -> None:
    eager = PreparedEntry(entry("a"), with_text=True)
    lazy = PreparedEntry(entry("a"))
    assert eager.text == "Hello there"
    assert lazy.text is None
    assert eager.fts_row(7) == lazy.fts_row(7) == (7, "T", "", "Hello there")
    copy = pickle.loads(pickle.dumps(eager))
    assert (copy.content_hash, copy.text, copy.entry) == (
        eager.content_hash,
        eager.text,
        eager.entry,
    )
