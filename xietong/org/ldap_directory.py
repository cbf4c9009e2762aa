"""An LDAP / Active Directory directory as the product reads it (python-ldap): its people (for sign-in and org
sync) and its departments — organisational units (or groups) under XIETONG_LDAP_DEPARTMENT_BASE, each with its
head (AD's managedBy, OpenLDAP's owner) — as the same RemoteDepartment / RemotePerson the platforms' contacts
give, so org sync plans and applies them in one way.

Ids are the directory's own stable ids (OpenLDAP's entryUUID, AD's objectGUID): an OU renamed or moved, or a
person moved to another OU, is still recognised. A person's department is the group that lists them as a
member, else the nearest OU above them. An AD account switched off (userAccountControl bit 2) has left.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from xietong.core.platforms.base import PlatformError, RemoteDepartment, RemotePerson, parents_first
from xietong.org.accounts import Identity

SOURCE = "ldap"
ACCOUNT_DISABLED = 0x2  # AD userAccountControl: ACCOUNTDISABLE


def configured() -> bool:
    return bool(settings.XIETONG_LDAP_SERVER_URI and settings.XIETONG_LDAP_USER_BASE)


def label() -> str:
    return settings.XIETONG_LDAP_LABEL


def _names(setting: str) -> list[str]:
    return [n.strip() for n in setting.split(",") if n.strip()]


def connect(bind_dn: str | None = None, password: str | None = None):
    """A connection bound as the service account (or as `bind_dn`); PlatformError when the server refuses."""
    import ldap

    conn = ldap.initialize(settings.XIETONG_LDAP_SERVER_URI)
    conn.set_option(ldap.OPT_REFERRALS, 0)  # AD's referrals lead to servers we have no bind for
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
    try:
        if settings.XIETONG_LDAP_START_TLS:
            conn.start_tls_s()
        conn.simple_bind_s(
            bind_dn if bind_dn is not None else settings.XIETONG_LDAP_BIND_DN,
            password if password is not None else settings.XIETONG_LDAP_BIND_PASSWORD,
        )
    except ldap.LDAPError as error:
        raise PlatformError(SOURCE, type(error).__name__, str(error)) from error
    return conn


def entry_id(values: list[bytes] | None) -> str:
    """The entry's stable id as text: entryUUID as it is, AD's binary objectGUID as its usual UUID form."""
    if not values:
        return ""
    raw = values[0]
    if len(raw) == 16:
        try:
            raw.decode("ascii")
        except UnicodeDecodeError:
            return str(uuid.UUID(bytes_le=raw))
    return raw.decode("utf-8", "replace")


def _first(attrs: dict[str, list[bytes]], names: list[str]) -> str:
    lowered = {k.lower(): v for k, v in attrs.items()}
    for name in names:
        values = lowered.get(name.lower())
        if values:
            return values[0].decode("utf-8", "replace").strip()
    return ""


def _all(attrs: dict[str, list[bytes]], names: list[str]) -> list[str]:
    lowered = {k.lower(): v for k, v in attrs.items()}
    return [v.decode("utf-8", "replace") for name in names for v in lowered.get(name.lower(), [])]


def _tree_order(found: list[tuple[str, dict[str, list[bytes]]]]) -> list[tuple[str, dict[str, list[bytes]]]]:
    """Entries in the order of the tree (an OU's entries together, by name): the directory's own order is
    whatever its database keeps, and the diff should read the same every time."""
    import ldap.dn

    return sorted(found, key=lambda item: [str(rdn) for rdn in reversed(ldap.dn.str2dn(item[0].lower()))])


def _dn_key(dn: str) -> str:
    import ldap.dn

    return ldap.dn.dn2str(ldap.dn.str2dn(dn)).lower()


def _search(conn, base: str, query: str, attrs: list[str]) -> list[tuple[str, dict[str, list[bytes]]]]:
    import ldap

    try:
        found = conn.search_s(base, ldap.SCOPE_SUBTREE, query, attrs)
    except ldap.NO_SUCH_OBJECT:
        return []
    except ldap.LDAPError as error:
        raise PlatformError(SOURCE, type(error).__name__, str(error)) from error
    return _tree_order([(dn, entry) for dn, entry in found if dn])  # AD adds referrals without a DN


def _person_attrs() -> list[str]:
    return [
        settings.XIETONG_LDAP_ID_ATTR,
        settings.XIETONG_LDAP_LOGIN_ATTR,
        "displayName",
        "cn",
        "title",
        "mobile",
        "telephoneNumber",
        "mail",
        "userAccountControl",
    ]


def remote_person(dn: str, attrs: dict[str, list[bytes]], department_ids: tuple[str, ...] = ()) -> RemotePerson:
    control = _first(attrs, ["userAccountControl"])
    return RemotePerson(
        id=entry_id(attrs.get(settings.XIETONG_LDAP_ID_ATTR)),
        name=_first(attrs, ["displayName", "cn"]),
        title=_first(attrs, ["title"]),
        mobile=_first(attrs, ["mobile", "telephoneNumber"]),
        email=_first(attrs, ["mail"]),
        department_ids=department_ids,
        active=not (control.isdigit() and int(control) & ACCOUNT_DISABLED),
    )


def read_directory() -> tuple[list[RemoteDepartment], list[RemotePerson]]:
    """Every department under the department base (parents before children) and every person."""
    conn = connect()
    try:
        id_attr = settings.XIETONG_LDAP_ID_ATTR
        head_attrs = _names(settings.XIETONG_LDAP_DEPARTMENT_HEAD_ATTRS)
        member_attrs = ["member", "uniqueMember"]
        department_base = settings.XIETONG_LDAP_DEPARTMENT_BASE or settings.XIETONG_LDAP_USER_BASE
        found_departments = _search(
            conn,
            department_base,
            settings.XIETONG_LDAP_DEPARTMENT_FILTER,
            [id_attr, "ou", "cn", "description", *head_attrs, *member_attrs],
        )
        base_key = _dn_key(department_base)
        departments = {_dn_key(dn): (dn, attrs) for dn, attrs in found_departments if _dn_key(dn) != base_key}
        found_people = _search(
            conn, settings.XIETONG_LDAP_USER_BASE, settings.XIETONG_LDAP_USER_FILTER, _person_attrs()
        )
    finally:
        conn.unbind_s()
    person_id = {_dn_key(dn): entry_id(attrs.get(id_attr)) for dn, attrs in found_people}
    department_id = {key: entry_id(attrs.get(id_attr)) for key, (_dn, attrs) in departments.items()}

    def nearest_department(dn: str) -> str | None:
        import ldap.dn

        parts = ldap.dn.str2dn(dn)[1:]
        while parts:
            key = ldap.dn.dn2str(parts).lower()
            if key in departments:
                return department_id[key]
            parts = parts[1:]
        return None

    member_of: dict[str, list[str]] = {}  # person id → department ids (groups listing them)
    remote_departments = []
    for key, (dn, attrs) in departments.items():
        heads = tuple(person_id[k] for k in (_dn_key(h) for h in _all(attrs, head_attrs)) if k in person_id)
        for member in _all(attrs, member_attrs):
            pid = person_id.get(_dn_key(member))
            if pid:
                member_of.setdefault(pid, []).append(department_id[key])
        remote_departments.append(
            RemoteDepartment(
                id=department_id[key],
                name=_first(attrs, ["ou", "cn"]),
                parent_id=nearest_department(dn),
                head_ids=heads,
            )
        )
    remote_people = []
    for dn, attrs in found_people:
        pid = entry_id(attrs.get(id_attr))
        ou = nearest_department(dn)
        in_departments = tuple(member_of.get(pid, [])) or ((ou,) if ou else ())
        remote_people.append(remote_person(dn, attrs, in_departments))

    return parents_first(remote_departments, None), remote_people


def identity_of(dn: str, attrs: dict[str, Any], login: str) -> Identity:
    """The person a successful LDAP bind stands for (attrs as python-ldap returns them: bytes)."""
    person = remote_person(dn, attrs)
    department = ""
    import ldap.dn

    parent = ldap.dn.str2dn(dn)[1:]
    if parent and parent[0][0][0].lower() == "ou":
        department = parent[0][0][1]  # the OU's name, for a just-in-time account
    return Identity(
        source=SOURCE,
        label=label(),
        user_id=person.id,
        name=person.name,
        email=person.email,
        mobile=person.mobile,
        title=person.title,
        department=department,
        username=login,
    )
