"""SQL for the hot list and count queries, built in one place.

The Store runs exactly these statements, and the tests EXPLAIN exactly these, so a plan
check cannot drift from the query it guards.
"""

from __future__ import annotations

from typing import Any

from newsterm.models import EntryQuery
from newsterm.store.text import fts_query

Sql = tuple[str, tuple[Any, ...]]
"""A statement and its parameters."""

LIST_ORDER = "ORDER BY e.sort_date DESC, e.id DESC"
"""List order: newest first, ties by id; matches every entries_*date index."""

# Counts per feed are stored on the feed (schema version 5) and recounted by every write
# that changes them (RECOUNT_FEED: two covering-index counts of one feed).
FEED_COUNTS = "SELECT id, unread, total FROM feeds WHERE total > 0"
_RECOUNT = """
    UPDATE feeds SET
        unread = (SELECT count(*) FROM entries e WHERE e.feed_id = feeds.id AND e.read = 0),
        total = (SELECT count(*) FROM entries e WHERE e.feed_id = feeds.id)
"""
RECOUNT_FEED = _RECOUNT + " WHERE id = ?"
RECOUNT_ALL = _RECOUNT
"""Recount every feed (after deletes spread over many feeds)."""

# Store.probe counts per feed through both per-feed indexes, so SQLite reads every entry of
# them (a bare count(*) counts cells from page headers without reading what they hold, and
# misses damage in them), and sums the counts inside SQLite: one row back, so the probing
# thread takes the interpreter lock once.
# Returning a row per feed took it 500 times at 100,000 entries, each time waiting for
# the UI's imports on the main thread to let go: 30 ms of SQLite became 300 ms.
PROBE_ALL = (
    "SELECT coalesce(sum(n), 0) FROM (SELECT feed_id, count(*) AS n FROM entries GROUP BY feed_id)"
)
PROBE_UNREAD = (
    "SELECT coalesce(sum(n), 0) FROM"
    " (SELECT feed_id, count(*) AS n FROM entries WHERE read = 0 GROUP BY feed_id)"
)

FOLDER_COUNTS = """
    SELECT d.id, d.name, coalesce(sum(f.unread), 0), coalesce(sum(f.total), 0)
    FROM folders d
    LEFT JOIN feeds f ON f.folder_id = d.id
    GROUP BY d.id
    ORDER BY d.name COLLATE NOCASE
"""


FEW_MATCHES_FOR_A_PAGE = 1_000
"""Below this many search matches, one page of results (a LIMIT) is sorted from the matches."""

FEW_MATCHES_SHARE = 10
"""Below 1/FEW_MATCHES_SHARE of all entries, a whole result list is sorted from the matches."""

FTS_MATCH = "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?"

MATCHES_ABOVE = f"SELECT count(*) FROM ({FTS_MATCH} AND rowid > ? LIMIT ?)"
"""How many entries above an id match, counting no further than a cap (FTS5 seeks to the
id and stops at the cap)."""

SAMPLE_IDS = 5_000
"""The plan is chosen from the matches among the newest max(SAMPLE_IDS, 1/10) ids:
counting all of them would read a phrase of common words twice (30 ms at 100,000)."""

INDEX_STRUCTURE = "SELECT block FROM entries_fts_data WHERE id = 10"
"""FTS5's structure record (its segments, and a counter of the segments written): it
changes whenever the index does. Row 10 is FTS5_STRUCTURE_ROWID in SQLite's fts5_index.c."""

MATCHED_IDS = "SELECT json_group_array(rowid) FROM entries_fts WHERE entries_fts MATCH ?"
"""Every id a search matches, in id order, as one JSON array."""

ALL_IDS = f"SELECT json_group_array(id) FROM (SELECT e.id FROM entries e {LIST_ORDER})"
"""Every id in list order, as one JSON array (see Store.entry_ids on why the order holds)."""

ENTRY_ID_BOUND = "SELECT coalesce(max(id), 0) FROM entries"
"""An upper bound of the entry count in one b-tree descent (count(*) reads an index)."""


KEPT_LIST_SHARE = 100
"""From 1/KEPT_LIST_SHARE of all entries, a search filters the store's kept list of all ids
(when it holds) rather than sort its matches: at 100,000 entries the filter takes ~2 ms
however few match, sorting ~2 us a match (5,103 matches: 2.8 against 10.6 ms; 563: 1.8
against 1.2); at 500,000, ~11 ms (2,563 matches: 11.0 against 6.5)."""


def few_matches_cap(entry_id_bound: int, *, one_page: bool) -> int:
    """The match count from which walking the list's date index beats sorting the matches.

    Sorting the matches costs a table lookup each (~2 us); walking the date index costs
    a probe per listed entry (~0.5 us) however few match, but a page stops early.
    Measured at 100,000 entries: a word in 563 entries lists in 2 ms sorted, 16 ms walked;
    in 27,587 entries, 60 ms sorted, 35 ms walked.
    """
    if one_page:
        return FEW_MATCHES_FOR_A_PAGE
    return max(FEW_MATCHES_FOR_A_PAGE, entry_id_bound // FEW_MATCHES_SHARE)


def kept_list_cap(entry_id_bound: int) -> int:
    """The match count from which filtering the kept list of all ids beats sorting the
    matches (see KEPT_LIST_SHARE)."""
    return max(FEW_MATCHES_FOR_A_PAGE, entry_id_bound // KEPT_LIST_SHARE)


def entry_filter(query: EntryQuery, *, few_matches: bool = False) -> tuple[str, tuple[Any, ...]]:
    """A WHERE clause over `entries e` for `query`, and its parameters.

    The unread/starred terms are literal (`e.read = 0`) because SQLite only uses a partial
    index when the query repeats its WHERE term exactly. `few_matches`: the search matches
    few entries (see `few_matches_cap`), so each is looked up by id and the matches sorted
    instead of the date index walked.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if query.feed_id is not None:
        clauses.append("e.feed_id = ?")
        params.append(query.feed_id)
    if query.folder is not None:
        clauses.append(
            "e.feed_id IN (SELECT ff.id FROM feeds ff JOIN folders fd ON fd.id = ff.folder_id"
            " WHERE fd.name = ?)"
        )
        params.append(query.folder)
    if query.unread_only:
        clauses.append("e.read = 0")
    if query.starred_only:
        clauses.append("e.starred = 1")
    if query.search is not None and query.search.strip():
        match = fts_query(query.search)
        if match is None:
            clauses.append("0")  # only punctuation: nothing can match
        else:
            # Many matches: "+e.id", so not a primary-key lookup per match (then a sort of
            # every match) but the list's date index in order, each row probed in the
            # matches (a common word at 100,000 entries: 270 -> 140 ms; a first page,
            # 180 -> 70 ms). Few matches: the lookups and the sort are the cheaper way
            # (a rare word: 17 -> 2 ms).
            column = "e.id" if few_matches else "+e.id"
            clauses.append(f"{column} IN ({FTS_MATCH})")
            params.append(match)
    return (" AND ".join(clauses) or "1"), tuple(params)


def count_sql(query: EntryQuery, *, few_matches: bool = False) -> Sql:
    where, params = entry_filter(query, few_matches=few_matches)
    return f"SELECT count(*) FROM entries e WHERE {where}", params


def entry_ids_sql(query: EntryQuery, *, unread: bool = False, few_matches: bool = False) -> Sql:
    """Ids in list order; `unread` adds the unread condition (for mark-all-read)."""
    where, params = entry_filter(query, few_matches=few_matches)
    if unread and not query.unread_only:
        where = f"e.read = 0 AND {where}"
    return f"SELECT e.id FROM entries e WHERE {where} {LIST_ORDER}", params


def next_unread_sql(
    query: EntryQuery, position: tuple[int, int] | None, *, few_matches: bool = False
) -> Sql:
    """The first unread id in list order after `position` (sort_date, id), or from the top."""
    where, params = entry_filter(query, few_matches=few_matches)
    if not query.unread_only:
        where = f"e.read = 0 AND {where}"
    if position is None:
        return f"SELECT e.id FROM entries e WHERE {where} {LIST_ORDER} LIMIT 1", params
    return (
        f"SELECT e.id FROM entries e WHERE {where} AND (e.sort_date, e.id) < (?, ?)"
        f" {LIST_ORDER} LIMIT 1",
        (*params, *position),
    )
