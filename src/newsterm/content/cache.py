"""Per-entry cache of converted articles, and conversion off the event loop for large bodies."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from newsterm.content.convert import article_from_html
from newsterm.content.model import Article

# Bodies above this many characters take tens of milliseconds or more to convert: run them in a
# thread.
LARGE_BODY_CHARS = 50_000


def content_version(html: str, updated: str = "") -> str:
    """A short fingerprint of an entry's body (and its updated stamp) to key the cache with."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(updated.encode("utf-8", "replace"))
    digest.update(b"\0")
    digest.update(html.encode("utf-8", "replace"))
    return digest.hexdigest()


class ArticleCache:
    """A thread-safe LRU of :class:`Article` keyed by ``(entry_id, version)``.

    ``version`` is :func:`content_version` of the body or the entry's updated stamp: an edited entry
    gets a new version and its older conversion is dropped.  Bounded by entry count and by total
    Markdown size.
    """

    def __init__(self, max_entries: int = 256, max_chars: int = 16_000_000) -> None:
        self.max_entries = max(1, max_entries)
        self.max_chars = max(1, max_chars)
        self._items: OrderedDict[tuple[Hashable, str], Article] = OrderedDict()
        self._versions: dict[Hashable, str] = {}
        self._chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get(self, entry_id: Hashable, version: str) -> Article | None:
        """The cached article, marked most recently used; ``None`` if absent."""
        key = (entry_id, version)
        with self._lock:
            article = self._items.get(key)
            if article is not None:
                self._items.move_to_end(key)
            return article

    def put(self, entry_id: Hashable, version: str, article: Article) -> None:
        """Store ``article``, replacing other versions of the entry; evict the least recent."""
        with self._lock:
            old_version = self._versions.get(entry_id)
            if old_version is not None:
                self._discard((entry_id, old_version))
            self._items[(entry_id, version)] = article
            self._versions[entry_id] = version
            self._chars += _size(article)
            while len(self._items) > self.max_entries or (
                self._chars > self.max_chars and len(self._items) > 1
            ):
                oldest = next(iter(self._items))
                self._discard(oldest)

    def get_or_build(
        self, entry_id: Hashable, version: str, build: Callable[[], Article]
    ) -> Article:
        """Return the cached article or build, store and return it."""
        article = self.get(entry_id, version)
        if article is None:
            article = build()
            self.put(entry_id, version, article)
        return article

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._versions.clear()
            self._chars = 0

    def _discard(self, key: tuple[Hashable, str]) -> None:
        article = self._items.pop(key, None)
        if article is not None:
            self._chars -= _size(article)
            if self._versions.get(key[0]) == key[1]:
                del self._versions[key[0]]


def _size(article: Article) -> int:
    return len(article.markdown) + sum(len(link.url) + len(link.text) for link in article.links)


async def article_from_html_async(
    html: str,
    *,
    title: str = "",
    base_url: str = "",
    cache: ArticleCache | None = None,
    entry_id: Hashable | None = None,
    version: str | None = None,
) -> Article:
    """:func:`article_from_html` for event-loop code: cached; large bodies go to a thread."""
    key_version = version if version is not None else content_version(html, title + "\0" + base_url)

    def build() -> Article:
        return article_from_html(html, title=title, base_url=base_url)

    if cache is not None and entry_id is not None:
        cached = cache.get(entry_id, key_version)
        if cached is not None:
            return cached
    article = await asyncio.to_thread(build) if len(html) > LARGE_BODY_CHARS else build()
    if cache is not None and entry_id is not None:
        cache.put(entry_id, key_version, article)
    return article
