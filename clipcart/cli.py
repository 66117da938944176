"""The `clipcart` command: Django's management commands under one name users can remember.

clipcart run [--demo]   migrate, optionally seed the demo, start web + worker + beat
clipcart migrate        create or update the database
clipcart seed --demo    build the demo world
clipcart worker|beat    the background processes alone
clipcart recommend-offline --train T.csv --out R.csv --k K   recommend from an interaction log
clipcart <any Django management command> (hyphens or underscores: recommend-evaluate)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *command_name(sys.argv[1:])])


def command_name(args: list[str]) -> list[str]:
    """`clipcart recommend-offline` runs Django's `recommend_offline`: command modules cannot
    have hyphens in their names, people prefer to type them."""
    if args and not args[0].startswith("-"):
        return [args[0].replace("-", "_"), *args[1:]]
    return args


if __name__ == "__main__":
    main()
