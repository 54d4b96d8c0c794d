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
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
