"""`xietong password USERNAME` (also reached as `xietong changepassword`): Django's changepassword; an
administrator chose this password, so the person must set their own at their next sign-in (issue 23)."""

from __future__ import annotations

import getpass

from django.contrib.auth.management.commands import changepassword

from xietong.org.models import Person


class Command(changepassword.Command):
    help = (
        "为某人设置密码；本人下次登录须先修改为自己的密码。Set someone's password; they must change it at next sign-in."
    )

    def handle(self, *args, **options):
        message = super().handle(*args, **options)
        username = options["username"] or getpass.getuser()
        Person.objects.filter(username=username).update(must_change_password=True)
        return message
