"""Sign-in with an LDAP / Active Directory password (django-auth-ldap) on the ordinary login form: the
directory finds the person by their login name (uid, AD's sAMAccountName) and checks the password with a
bind as them; Xietong then finds their account as for every outside sign-in (org.accounts: the entry's
entryUUID / objectGUID, then work email, then mobile) or creates it just in time, else refuses with a clear
message on the form. Nothing is tried without XIETONG_LDAP_SERVER_URI (python-ldap is imported only then).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.org import accounts, ldap_directory
from xietong.org.models import Person


def _backend_class() -> type:
    import ldap
    from django.conf import settings
    from django_auth_ldap.backend import LDAPBackend, LDAPSettings
    from django_auth_ldap.config import LDAPSearch

    class PersonLDAPBackend(LDAPBackend):
        @property
        def settings(self):
            if self._settings is None:
                user_filter = f"(&{settings.XIETONG_LDAP_USER_FILTER}({settings.XIETONG_LDAP_LOGIN_ATTR}=%(user)s))"
                self._settings = LDAPSettings(
                    self.settings_prefix,
                    {
                        "SERVER_URI": settings.XIETONG_LDAP_SERVER_URI,
                        "BIND_DN": settings.XIETONG_LDAP_BIND_DN,
                        "BIND_PASSWORD": settings.XIETONG_LDAP_BIND_PASSWORD,
                        "START_TLS": settings.XIETONG_LDAP_START_TLS,
                        "USER_SEARCH": LDAPSearch(settings.XIETONG_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, user_filter),
                        # Text attributes only: the id (AD's objectGUID is binary) is read raw below.
                        "USER_ATTRLIST": [settings.XIETONG_LDAP_LOGIN_ATTR],
                        "CONNECTION_OPTIONS": {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 10},
                        "ALWAYS_UPDATE_USER": False,
                        "CACHE_TIMEOUT": 0,
                    },
                )
            return self._settings

        def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Person, bool]:
            found = ldap_user.connection.search_s(
                ldap_user.dn, ldap.SCOPE_BASE, "(objectClass=*)", ldap_directory._person_attrs()
            )
            dn, attrs = found[0]
            identity = ldap_directory.identity_of(dn, attrs, username)
            person, reason = accounts.link_or_create(identity)
            if person is None or reason:
                accounts.record_refusal(identity, person, reason)
                request = ldap_user._request
                if request is not None:
                    request.sign_in_refused = (
                        _("该账号已停用，请联系管理员。")
                        if reason == accounts.INACTIVE
                        else _(
                            "您的%(source)s账号（%(login)s）尚未关联协同账号，无法登录。"
                            "请联系系统管理员添加或同步通讯录后再试。"
                        )
                        % {"source": identity.label, "login": username}
                    )
                raise ldap_user.AuthenticationFailed(f"no Xietong account ({reason})")
            return person, False

    return PersonLDAPBackend


class LDAPSignInBackend:
    """The authentication backend named in AUTHENTICATION_BACKENDS (after the local passwords)."""

    def authenticate(self, request, username: str | None = None, password: str | None = None, **kwargs):
        if not ldap_directory.configured() or not username or not password:
            return None
        return _backend_class()().authenticate(request, username=username, password=password)

    def get_user(self, user_id: int) -> Person | None:
        person = Person._default_manager.filter(pk=user_id).first()
        return person if person is not None and person.is_active else None
