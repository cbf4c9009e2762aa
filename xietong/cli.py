"""The `xietong` command: Django's management commands with Xietong's settings preselected.

`xietong migrate`, `xietong worker`, `xietong calendar add "2026-09-30 17:00" 2h`, `xietong audit verify` …
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xietong", *sys.argv[1:]])


if __name__ == "__main__":
    main()
