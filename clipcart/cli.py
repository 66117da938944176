"""The `clipcart` command: Django's management commands under one name users can remember.

clipcart run [--demo]   migrate, optionally seed the demo, start web + worker + beat
clipcart migrate        create or update the database
clipcart seed --demo    build the demo world
clipcart worker|beat    the background processes alone
clipcart <any Django management command>
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
