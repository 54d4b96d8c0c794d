"""The full-text part of the index, per database vendor, behind one small interface.

Both backends index the same token stream (``tousu.search.text``); a parsed query
(``tousu.search.query.Query``) becomes an FTS5 MATCH expression or a ``tsquery``.
"""

# SQL text here is assembled from code constants only; every user value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from typing import Any, Protocol

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from .query import Query, Term

DOC_TABLE = "search_searchdocument"

SQLITE_INSTALL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title_tokens, body_tokens, content='{DOC_TABLE}', content_rowid='complaint_id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_ai AFTER INSERT ON {DOC_TABLE} BEGIN
        INSERT INTO search_fts(rowid, title_tokens, body_tokens)
        VALUES (new.complaint_id, new.title_tokens, new.body_tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_ad AFTER DELETE ON {DOC_TABLE} BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.complaint_id, old.title_tokens, old.body_tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_au AFTER UPDATE OF title_tokens, body_tokens
        ON {DOC_TABLE} BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.complaint_id, old.title_tokens, old.body_tokens);
        INSERT INTO search_fts(rowid, title_tokens, body_tokens)
        VALUES (new.complaint_id, new.title_tokens, new.body_tokens); END""",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]
# PostgreSQL (ADR 0030): the GIN index holds, besides the words, a lexeme per document naming
# its block of BUCKET complaint ids (``~b<id // BUCKET>``; a token never holds ``~``, so no query
# word can meet one). A GIN match cannot stream in id order: without the blocks, "the newest 5,000
# matches" read the heap row of every match in the whole table. ANDed with the blocks of an id
# slice, the index itself keeps only the slice's matches, and GIN's fast scan walks the smaller
# side (the blocks for a frequent word, the word for a rare one).
# The document's sector is there too (``~s<sector>``): a word ANDed with a sector it never occurs
# in is answered by the index alone, instead of by reading the row of every match of the word.
BUCKET = 10_000
# A third lexeme names both (``~b<block>s<sector>``), so a slice of one sector walks only that
# sector's documents of the slice.
_BLOCK = f"'~b' || (complaint_id / {BUCKET})::text"
_LEXEMES = f"{_BLOCK}, '~s' || sector, {_BLOCK} || 's' || sector"
TSV_SLICED = f"(tsv || array_to_tsvector(ARRAY[{_LEXEMES}]))"

POSTGRES_INSTALL = [
    f"""ALTER TABLE {DOC_TABLE} ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_tokens), 'A')
        || setweight(to_tsvector('simple'::regconfig, body_tokens), 'B')) STORED""",
    f"CREATE INDEX IF NOT EXISTS search_doc_tsvb ON {DOC_TABLE} USING gin ({TSV_SLICED})",
    # the index before ADR 0030 (words only), replaced by the one above
    "DROP INDEX IF EXISTS search_doc_tsv",
]
POSTGRES_UNINSTALL = [
    "DROP INDEX IF EXISTS search_doc_tsvb",
    "DROP INDEX IF EXISTS search_doc_tsv",
    f"ALTER TABLE {DOC_TABLE} DROP COLUMN IF EXISTS tsv",
]


class Backend(Protocol):
    vendor: str

    def install(self, conn: BaseDatabaseWrapper) -> None: ...

    def uninstall(self, conn: BaseDatabaseWrapper) -> None: ...

    def match(self, query: Query) -> tuple[str, list[Any]]:
        """A WHERE condition on ``d`` (the document table) for the query's words."""
        ...

    def relevance(self, query: Query) -> tuple[str, str, list[Any]]:
        """(FROM addition, score expression ordering best first ascending, params)."""
        ...

    def exclude(self, query: Query) -> tuple[str, list[Any]]:
        """A WHERE condition on ``d`` for the excluded words only ("1=1" if none)."""
        ...

    def window(
        self,
        query: Query,
        *,
        lo: int | None,
        hi: int | None,
        limit: int,
        score: bool,
        blocks: range | None = None,
        sectors: list[str] | None = None,
    ) -> tuple[str, list[Any]]:
        """A subquery of the ``limit`` most recently filed complaints whose words match
        (``id`` column, highest ids first; ``score`` column ordering best first ascending
        when asked), within complaint ids ``lo``–``hi``. Streams on SQLite (FTS5 walks its
        doclists in rowid order); on PostgreSQL ``blocks`` (id blocks of ``BUCKET``) and
        ``sectors`` limit what the index returns."""
        ...

    def rebuild(self, conn: BaseDatabaseWrapper) -> None:
        """Re-derive the full-text part from the document rows."""
        ...

    def bulk_begin(self, conn: BaseDatabaseWrapper) -> None:
        """Before a bulk rewrite of the document rows: stop per-row full-text maintenance."""
        ...

    def bulk_end(self, conn: BaseDatabaseWrapper) -> None:
        """After it: build the full-text part in one pass and resume per-row maintenance."""
        ...


def _run(conn: BaseDatabaseWrapper, statements: list[str]) -> None:
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class SQLiteBackend:
    vendor = "sqlite"

    def install(self, conn: BaseDatabaseWrapper) -> None:
        _run(conn, SQLITE_INSTALL)

    def uninstall(self, conn: BaseDatabaseWrapper) -> None:
        _run(conn, SQLITE_UNINSTALL)

    def rebuild(self, conn: BaseDatabaseWrapper) -> None:
        _run(conn, [*SQLITE_INSTALL, "INSERT INTO search_fts(search_fts) VALUES ('rebuild')"])

    def bulk_begin(self, conn: BaseDatabaseWrapper) -> None:
        # the FTS table stays (searches go on with the old index); the triggers go
        _run(conn, [SQLITE_INSTALL[0], *SQLITE_UNINSTALL[:3]])

    def bulk_end(self, conn: BaseDatabaseWrapper) -> None:
        # 'rebuild' re-reads the whole content table: also rows written meanwhile by the
        # live listener (without triggers), so nothing written during the load is lost
        self.rebuild(conn)

    @staticmethod
    def _term(term: Term) -> str:
        if term.phrase:
            return '"' + " ".join(term.tokens) + '"'
        return "(" + " AND ".join(f'"{t}"' for t in term.tokens) + ")"

    def _expr(self, query: Query) -> str:
        groups = ["(" + " OR ".join(self._term(t) for t in group) + ")" for group in query.groups]
        return " AND ".join(groups)

    def _neg(self, query: Query) -> str:
        return " OR ".join(self._term(t) for t in query.exclude)

    def match(self, query: Query) -> tuple[str, list[Any]]:
        conds: list[str] = []
        params: list[Any] = []
        if query.groups:
            conds.append(
                "d.complaint_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
            )
            params.append(self._expr(query))
        if query.exclude:
            conds.append(
                "d.complaint_id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
            )
            params.append(self._neg(query))
        return " AND ".join(conds) or "1=1", params

    def exclude(self, query: Query) -> tuple[str, list[Any]]:
        return self.match(Query(exclude=query.exclude))

    def window(
        self,
        query: Query,
        *,
        lo: int | None,
        hi: int | None,
        limit: int,
        score: bool,
        blocks: range | None = None,  # FTS5 streams in rowid order: no blocks needed
        sectors: list[str] | None = None,  # (PostgreSQL only)
    ) -> tuple[str, list[Any]]:
        # the LIMIT is written into the SQL, not bound: with an unknown window size SQLite
        # planned the joins around it as if it were the whole table (scan the company index,
        # probe the window: 1.3 s instead of 1 ms at 200k)
        cols = "rowid AS id" + (", bm25(search_fts, 3.0, 1.0) AS score" if score else "")
        where = "search_fts MATCH %s"
        params: list[Any] = [self._expr(query)]
        if lo is not None:
            where += " AND rowid >= %s"
            params.append(lo)
        if hi is not None:
            where += " AND rowid <= %s"
            params.append(hi)
        return (
            f"SELECT {cols} FROM search_fts WHERE {where} ORDER BY rowid DESC LIMIT {int(limit)}",
            params,
        )

    def relevance(self, query: Query) -> tuple[str, str, list[Any]]:
        # bm25 is computed in the MATCH query itself; title counts three times the body
        return (
            " JOIN (SELECT rowid AS rid, bm25(search_fts, 3.0, 1.0) AS score FROM search_fts"
            " WHERE search_fts MATCH %s) m ON m.rid = d.complaint_id",
            "m.score",
            [self._expr(query)],
        )


class PostgresBackend:
    vendor = "postgresql"

    def install(self, conn: BaseDatabaseWrapper, *, index: bool = True) -> None:
        """The ``tsv`` column and (``index``) the GIN index, each unless it is there."""
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT"
                " EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = %s"
                " AND column_name = 'tsv'),"
                " EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = %s"
                " AND indexname = 'search_doc_tsvb'),"
                " EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = %s"
                " AND indexname = 'search_doc_tsv')",
                [DOC_TABLE, DOC_TABLE, DOC_TABLE],
            )
            has_column, has_index, has_old = cursor.fetchone()
        if not has_column:
            _run(conn, POSTGRES_INSTALL[:1])
        if index and (has_old or not has_index):
            _run(conn, POSTGRES_INSTALL[1:])

    def uninstall(self, conn: BaseDatabaseWrapper) -> None:
        _run(conn, POSTGRES_UNINSTALL)

    def rebuild(self, conn: BaseDatabaseWrapper) -> None:
        self.install(conn)  # a generated column: always in step with its row

    def bulk_begin(self, conn: BaseDatabaseWrapper) -> None:
        self.install(conn, index=False)
        # one GIN build at the end is far cheaper than a GIN update per row
        _run(conn, ["DROP INDEX IF EXISTS search_doc_tsvb", "DROP INDEX IF EXISTS search_doc_tsv"])

    def bulk_end(self, conn: BaseDatabaseWrapper) -> None:
        # deferred foreign-key checks of the rows just written must run before CREATE INDEX
        # (PostgreSQL refuses it on a table with pending trigger events)
        _run(
            conn,
            [
                "SET CONSTRAINTS ALL IMMEDIATE",
                "SET LOCAL maintenance_work_mem = '256MB'",
                *POSTGRES_INSTALL[1:],
            ],
        )

    @staticmethod
    def _term(term: Term) -> str:
        joiner = " <-> " if term.phrase else " & "
        return "(" + joiner.join(f"'{t}'" for t in term.tokens) + ")"

    def _expr(self, query: Query) -> str:
        return " & ".join(
            "(" + " | ".join(self._term(t) for t in group) + ")" for group in query.groups
        )

    def _neg(self, query: Query) -> str:
        return " | ".join(self._term(t) for t in query.exclude)

    def match(self, query: Query) -> tuple[str, list[Any]]:
        if query.groups and query.exclude:
            return (
                "d.tsv @@ to_tsquery('simple', %s)",
                [f"({self._expr(query)}) & !({self._neg(query)})"],
            )
        if query.groups:
            return "d.tsv @@ to_tsquery('simple', %s)", [self._expr(query)]
        if query.exclude:
            return "NOT (d.tsv @@ to_tsquery('simple', %s))", [self._neg(query)]
        return "1=1", []

    def relevance(self, query: Query) -> tuple[str, str, list[Any]]:
        return "", "-ts_rank(d.tsv, to_tsquery('simple', %s))", [self._expr(query)]

    def exclude(self, query: Query) -> tuple[str, list[Any]]:
        return self.match(Query(exclude=query.exclude))

    def window(
        self,
        query: Query,
        *,
        lo: int | None,
        hi: int | None,
        limit: int,
        score: bool,
        blocks: range | None = None,
        sectors: list[str] | None = None,
    ) -> tuple[str, list[Any]]:
        """The newest ``limit`` matches in ``[lo, hi]``; with ``blocks`` or ``sectors``, the
        GIN index keeps only the matches in those id blocks and sectors (``TSV_SLICED``), so
        only their rows are read."""
        expr = self._expr(query)
        cols = "complaint_id AS id"
        params: list[Any] = []
        if score:
            cols += ", -ts_rank(tsv, to_tsquery('simple', %s)) AS score"
            params.append(expr)
        parts = ["to_tsquery('simple', %s)"]
        params.append(expr)
        # block numbers and sector codes (validated against Sector) are ours, never free text;
        # ``::tsquery`` keeps the lexemes as written (``to_tsquery`` would drop the ``~``)
        if blocks is not None and sectors:
            lexemes = [f"~b{b}s{s}" for b in blocks for s in sectors]
        elif blocks is not None:
            lexemes = [f"~b{b}" for b in blocks]
        else:
            lexemes = [f"~s{s}" for s in sectors or []]
        if lexemes:
            parts.append("%s::tsquery")
            params.append(" | ".join(f"'{x}'" for x in lexemes))
        where = f"{TSV_SLICED} @@ ({' && '.join(parts)})"
        if lo is not None:
            where += " AND complaint_id >= %s"
            params.append(lo)
        if hi is not None:
            where += " AND complaint_id <= %s"
            params.append(hi)
        return (
            f"SELECT {cols} FROM {DOC_TABLE} WHERE {where} "
            f"ORDER BY complaint_id DESC LIMIT {int(limit)}",
            params,
        )


def backend_for(conn: BaseDatabaseWrapper | None = None) -> Backend:
    vendor = (conn or connection).vendor
    if vendor == "sqlite":
        return SQLiteBackend()
    if vendor == "postgresql":
        return PostgresBackend()
    raise NotImplementedError(f"no search backend for {vendor}")
