"""The ``tousu`` command: Django's management commands with dashed names.

``tousu seed-demo`` runs the ``seed_demo`` management command, ``tousu worker`` the worker, and
so on; every Django command (``tousu migrate``) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    args = list(sys.argv if argv is None else argv)
    args = _take_db_option(args)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


def _take_db_option(args: list[str]) -> list[str]:
    """``--db URL`` (or a path to an SQLite file) on any command sets ``DATABASE_URL`` for it:
    ``tousu bench-data --complaints 1000000 --db postgres://postgres@127.0.0.1/bench``."""
    out: list[str] = []
    value: str | None = None
    it = iter(args)
    for arg in it:
        if arg == "--db":
            value = next(it, None)
            if value is None:
                raise SystemExit("--db needs a database URL or an SQLite file path")
        elif arg.startswith("--db="):
            value = arg.split("=", 1)[1]
        else:
            out.append(arg)
    if value is not None:
        if "://" not in value:
            value = "sqlite:///" + os.path.abspath(value)
        os.environ["DATABASE_URL"] = value
    return out


if __name__ == "__main__":
    main()
