from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClocksConfig(AppConfig):
    name = "xietong.clocks"
    label = "clocks"
    verbose_name = _("时限与升级")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from xietong.clocks.demo import replay_clocks_until_now
        from xietong.core.demo import register_demo_seeder

        post_migrate.connect(_seed_policies, dispatch_uid="clocks-default-policies")

        # Last: the demo's history was written at past instants; what fell due since fires at its instant.
        register_demo_seeder("时钟", replay_clocks_until_now, order=99)
        from xietong.clocks import workbench  # noqa: F401  (registers 我的时限)
        from xietong.clocks.retime import on_calendar_change, retime_pending
        from xietong.clocks.scheduled import policy_changes_apply_due
        from xietong.clocks.services import clock_fire_due
        from xietong.core.audit import register_actions
        from xietong.core.worker import register_sweep
        from xietong.workcal.services import on_calendar_changed

        register_sweep("clocks", clock_fire_due, order=10)
        # Before firing and arming: a limit approved for the next quarter is written into its row at its instant.
        register_sweep("policy-changes", policy_changes_apply_due, order=4)
        # Before firing: a clock a calendar change moved must not fire at its old instant.
        register_sweep("calendar-retime", retime_pending, order=5)
        on_calendar_changed(on_calendar_change)
        register_actions(
            {
                "clock.remind": _("到期提醒"),
                "clock.due": _("时限到期"),
                "clock.escalate": _("超时升级"),
                "clock.retime": _("时限随日历调整"),
                "clocks.clockpolicy.create": _("新增时限规则"),
                "clocks.clockpolicy.change": _("修改时限规则"),
                "clocks.clockpolicy.schedule": _("时限规则调整待生效"),
                "clocks.clockpolicy.delete": _("删除时限规则"),
                "clocks.escalationladder.create": _("新增升级路径"),
                "clocks.escalationladder.change": _("修改升级路径"),
                "clocks.escalationladder.delete": _("删除升级路径"),
            }
        )


def _seed_policies(sender, using="default", **kwargs) -> None:
    """After `migrate`: the default limits every registered process declares (rows that exist stay as edited).
    Not before the clocks' own tables exist (`migrate <another app>` on an empty database)."""
    if sender.label != "clocks":
        return
    from django.db import connections

    from xietong.clocks.defaults import ensure_default_policies
    from xietong.clocks.models import ClockPolicy, EscalationLadder

    tables = set(connections[using].introspection.table_names())
    if {ClockPolicy._meta.db_table, EscalationLadder._meta.db_table} <= tables:
        ensure_default_policies()
