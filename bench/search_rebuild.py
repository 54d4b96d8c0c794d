"""CPU per complaint of the search index rebuild (``index.rebuild_all``), client and server.

    TOUSU_LOCAL=1 python bench/search_rebuild.py --db sqlite:///…/var/s100k.sqlite3 [--rerun]
    TOUSU_LOCAL=1 python bench/search_rebuild.py --db postgres://…/tousu_x [--rerun]

The database: ``tousu migrate``, ``tousu bench-data --complaints N --no-rebuild`` and
``tousu privacy-backfill`` (the rebuild indexes the public copies; without them it redacts on
the fly). Without ``--rerun`` the document table is emptied first (a first build: SQLite's FTS5
rows follow by trigger); with it the rebuild runs over the documents there. Prints the wall
time, the CPU seconds of this process by part (``RebuildStats.cpu_parts``) and, on PostgreSQL,
the CPU seconds of the server backend serving this connection (``/proc/<pid>/stat``; the
parallel workers of a B-tree build are not counted), and the load average. Run old and new
code alternately on the same data (``PYTHONPATH=<old checkout>/src``): the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rerun", action="store_true", help="keep the documents there")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from tousu.search import index, text
    from tousu.search.backends import backend_for
    from tousu.search.models import SearchDocument

    backend = backend_for(connection)
    table = SearchDocument._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if args.rerun:
            pass
        elif connection.vendor == "sqlite":  # without the per-row delete triggers
            backend.bulk_begin(connection)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a model's table name)
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
        else:
            cursor.execute(f"TRUNCATE {table}")
        backend.install(connection)
    text.dictionary_reload()
    text.tokens("预热")  # the dictionary loaded outside the timing

    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]

    def server_cpu() -> float:
        if pid is None:
            return 0.0
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    load = os.getloadavg()[0]
    s0, t0 = server_cpu(), time.monotonic()
    stats = index.rebuild_all()
    wall, server = time.monotonic() - t0, server_cpu() - s0
    n = stats.complaints
    # (RebuildStats of code before ADR 0033 has no parts)
    parts = ", ".join(f"{k} {v:.2f}" for k, v in getattr(stats, "cpu_parts", {}).items())
    line = (
        f"{connection.vendor} {'rerun' if args.rerun else 'first build'}: {n} complaints, "
        f"wall {wall:.2f} s; process CPU {stats.cpu_seconds:.2f} s "
        f"({n / max(stats.cpu_seconds, 1e-9):,.0f}/s) [{parts}]"
    )
    if pid is not None:
        total = stats.cpu_seconds + server
        line += f"; server backend CPU {server:.2f} s; together {n / max(total, 1e-9):,.0f}/s"
    sys.stdout.write(f"{line}; load {load:.2f} → {os.getloadavg()[0]:.2f}\n")


if __name__ == "__main__":
    main()
