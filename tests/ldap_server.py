"""A real LDAP directory for the tests: Debian's slapd (installed by ./test.sh) started on 127.0.0.1 with a fresh
database, the company's OUs and people added through python-ldap, and the product's settings pointed at it.

    def test_…(slapd): slapd.add_person("lina", "李娜", ou="软件开发部", mail=…, password=…)

Skipped, saying why, only where slapd is not installed and cannot be (./test.sh installs it with apt).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=xingchen,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-secret"
PEOPLE = f"ou=公司,{SUFFIX}"  # the company: departments are OUs below it, people sit in their OU

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/msuser.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {dir}/db
access to attrs=userPassword by self read by anonymous auth by * none
access to * by * read
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Directory:
    def __init__(self, uri: str) -> None:
        import ldap

        self.uri = uri
        self.conn = ldap.initialize(uri)
        self.conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)

    def add(self, dn: str, attrs: dict[str, list[str] | str]) -> None:
        import ldap.modlist

        values = {k: [v.encode() for v in (vs if isinstance(vs, list) else [vs])] for k, vs in attrs.items()}
        self.conn.add_s(dn, ldap.modlist.addModlist(values))

    def ou_dn(self, *path: str) -> str:
        """ou_dn("研发中心", "软件开发部") → ou=软件开发部,ou=研发中心,ou=公司,…"""
        return ",".join([*(f"ou={name}" for name in reversed(path)), PEOPLE])

    def add_ou(self, *path: str, head: str | None = None) -> str:
        dn = self.ou_dn(*path)
        attrs: dict[str, list[str] | str] = {"objectClass": ["organizationalUnit", "extensibleObject"], "ou": path[-1]}
        if head:
            attrs["owner"] = self.person_dn(head)
        self.add(dn, attrs)
        return dn

    def person_dn(self, uid: str) -> str:
        found = self.conn.search_s(PEOPLE, 2, f"(uid={uid})", ["uid"])
        return found[0][0] if found else f"uid={uid},{PEOPLE}"

    def add_person(
        self, uid: str, name: str, *path: str, password: str = "", mail: str = "", mobile: str = "", title: str = ""
    ) -> str:
        dn = f"uid={uid},{self.ou_dn(*path) if path else PEOPLE}"
        attrs: dict[str, list[str] | str] = {
            "objectClass": ["inetOrgPerson"],
            "uid": uid,
            "cn": name,
            "sn": name[:1],
            "displayName": name,
        }
        for key, value in (("userPassword", password), ("mail", mail), ("mobile", mobile), ("title", title)):
            if value:
                attrs[key] = value
        self.add(dn, attrs)
        return dn

    def modify(self, dn: str, **attrs: str | None) -> None:
        import ldap

        changes = [
            (ldap.MOD_REPLACE, k, [v.encode()]) if v is not None else (ldap.MOD_DELETE, k, None)
            for k, v in attrs.items()
        ]
        self.conn.modify_s(dn, changes)

    def rename(self, dn: str, new_rdn: str, new_parent: str | None = None) -> None:
        self.conn.rename_s(dn, new_rdn, new_parent)

    def delete(self, dn: str) -> None:
        self.conn.delete_s(dn)


def slapd_or_skip() -> None:
    if not os.access(SLAPD, os.X_OK):
        pytest.skip("slapd 未安装（./test.sh 会用 apt 安装 slapd 与 ldap-utils）：LDAP 测试需要真实的 slapd")
    try:
        import ldap  # noqa: F401
    except ImportError:
        pytest.skip("python-ldap 未安装（requirements-test.lock；需 libldap2-dev 与 libsasl2-dev 才能编译）")


@pytest.fixture
def slapd(settings):
    """A running slapd with an empty company OU; settings point LDAP sign-in and sync at it."""
    slapd_or_skip()
    workdir = Path(tempfile.mkdtemp(prefix="xietong-slapd-"))
    (workdir / "db").mkdir()
    (workdir / "slapd.conf").write_text(
        CONFIG.format(dir=workdir, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD), encoding="utf-8"
    )
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen(
        [SLAPD, "-f", str(workdir / "slapd.conf"), "-h", f"{uri}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    directory = None
    try:
        import ldap

        for _ in range(100):
            try:
                directory = Directory(uri)
                break
            except ldap.SERVER_DOWN:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"slapd exited: {process.stderr.read().decode() if process.stderr else ''}"
                    ) from None
                time.sleep(0.05)
        assert directory is not None, "slapd did not start"
        directory.add(SUFFIX, {"objectClass": ["dcObject", "organization"], "dc": "xingchen", "o": "星辰智能科技"})
        directory.add(PEOPLE, {"objectClass": ["organizationalUnit"], "ou": "公司"})
        settings.XIETONG_LDAP_SERVER_URI = uri
        settings.XIETONG_LDAP_BIND_DN = ADMIN_DN
        settings.XIETONG_LDAP_BIND_PASSWORD = ADMIN_PASSWORD
        settings.XIETONG_LDAP_USER_BASE = PEOPLE
        settings.XIETONG_LDAP_DEPARTMENT_BASE = PEOPLE
        settings.XIETONG_LDAP_DEPARTMENT_HEAD_ATTRS = "owner"
        yield directory
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
