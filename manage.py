#!/usr/bin/env python
"""Django's manage.py, kept for contributors; users run the `clipcart` command instead."""

from clipcart.cli import main

if __name__ == "__main__":
    main()
