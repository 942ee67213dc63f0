"""What the article list shows: a view, a folder, a feed or a search. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass

from newsterm.models import EntryQuery, Feed, View

VIEW_LABELS: dict[View, str] = {View.ALL: "All", View.UNREAD: "Unread", View.STARRED: "Starred"}


@dataclass(frozen=True, slots=True)
class ListTarget:
    """A selectable source of entries, identified by a stable key such as "feed:12"."""

    key: str
    """Stable id: "view:all", "folder:<name>", "feed:<id>" or "search:<text>"."""
    label: str
    """Title shown above the article list (untrusted when it comes from a feed)."""
    query: EntryQuery
    show_feed: bool
    """Rows name their feed (views, folders and searches mix feeds)."""
    feed_id: int | None = None
    folder: str | None = None

    @classmethod
    def for_view(cls, view: View) -> ListTarget:
        return cls(f"view:{view.value}", VIEW_LABELS[view], EntryQuery.for_view(view), True)

    @classmethod
    def for_folder(cls, name: str) -> ListTarget:
        return cls(f"folder:{name}", name, EntryQuery(folder=name), True, folder=name)

    @classmethod
    def for_feed(cls, feed: Feed) -> ListTarget:
        return cls(
            f"feed:{feed.id}",
            feed.display_title,
            EntryQuery(feed_id=feed.id),
            False,
            feed_id=feed.id,
            folder=feed.folder,
        )

    @classmethod
    def for_search(cls, text: str) -> ListTarget:
        return cls(f"search:{text}", f"Search: {text}", EntryQuery(search=text), True)
