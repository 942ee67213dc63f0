"""The content pipeline's shortcuts stay equivalent to the library code they stand in for."""

from __future__ import annotations

import threading

from rich.markdown import Markdown

from newsterm.content.render import CODE_THEME, _markdown_parser, _ReaderMarkdown

_SAMPLE = (
    "# Title\n\nSome *text* with `code` and ~~gone~~.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"
)


def test_reader_markdown_has_the_state_rich_s_init_gives() -> None:
    ours = vars(_ReaderMarkdown(_SAMPLE, code_theme=CODE_THEME))
    rich = vars(Markdown(_SAMPLE, code_theme=CODE_THEME, hyperlinks=False))
    assert ours.keys() == rich.keys()
    assert ours == rich  # tokens included: the shared parser parses as Rich's own does


def test_each_thread_has_its_own_parser() -> None:
    parsers = []
    thread = threading.Thread(target=lambda: parsers.append(_markdown_parser()))
    thread.start()
    thread.join()
    assert parsers[0] is not _markdown_parser()
    assert _markdown_parser() is _markdown_parser()
