"""The `xietong` command: Django's management commands with Xietong's settings preselected.

`xietong migrate`, `xietong worker`, `xietong calendar add "2026-09-30 17:00" 2h`, `xietong audit verify` …
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args[:1] == ["changepassword"]:
        # Django's own command would leave the password the administrator typed in place: ours makes the
        # person set their own at next sign-in.
        args = ["password", *args[1:]]
    execute_from_command_line(["xietong", *args])


if __name__ == "__main__":
    main()
