#!/usr/bin/env python
"""Same as the `xietong` command, for people who expect manage.py."""

from xietong.cli import main

if __name__ == "__main__":
    main()
