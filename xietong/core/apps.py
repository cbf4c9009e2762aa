from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xietong.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from xietong.core import signals  # noqa: F401
        from xietong.core.memo import connect_invalidation

        connect_invalidation()
        from xietong.core.lookups import register as register_lookups

        register_lookups()  # field__const: before any query is built
        from xietong.core.audit_chain import audit_seal_sweep
        from xietong.core.worker import register_sweep

        register_sweep("audit-seal", audit_seal_sweep, order=1000)  # last: seals what this pass wrote
        connection_created.connect(_private_sqlite_files, dispatch_uid="xietong-private-sqlite")
        from django.db.models.signals import pre_save

        from xietong.core.limits import refuse_out_of_bounds

        pre_save.connect(refuse_out_of_bounds, dispatch_uid="xietong-limits")


def _private_sqlite_files(sender, connection, **kwargs) -> None:
    """The embedded database and its journal hold everything (password hashes included): 600, whatever
    the umask of the process that created them."""
    import os
    from pathlib import Path

    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if status.st_mode & 0o077 and status.st_uid == os.geteuid():
            path.chmod(0o600)
