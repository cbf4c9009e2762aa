"""Password sign-in that finds the account a person meant: ｈｅｌｉ, Heli and heli are one account; refused
for a person whose password sign-in an administrator switched off (Person.password_sign_in)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from xietong.core.signin import username_normalise
from xietong.org.models import Person


class PersonBackend(ModelBackend):
    """Django's ModelBackend, matching the username after NFKC and without regard to case (usernames are
    unique that way: see Person's constraint), so the throttle and the password check count one account."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(Person.USERNAME_FIELD)
        if username is None or password is None:
            return None
        wanted = username_normalise(username)
        person = next(
            (
                p
                for p in Person._default_manager.filter(username__iexact=wanted)
                if username_normalise(p.username) == wanted
            ),
            None,
        )
        if person is None:
            Person().set_password(password)  # the same work as a real check: no timing difference
            return None
        if person.check_password(password) and self.user_can_authenticate(person):
            if not person.password_sign_in:
                # The administrator switched passwords off for this person (they sign in with DingTalk,
                # WeCom or Feishu). Said only to someone who knows the password.
                if request is not None:
                    request.password_sign_in_off = True
                return None
            return person
        return None
