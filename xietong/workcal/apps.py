from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "xietong.workcal"
    label = "workcal"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from xietong.core.audit import register_actions
        from xietong.core.worker import register_sweep
        from xietong.workcal import workbench  # noqa: F401  (registers 节假日安排)
        from xietong.workcal.services import holiday_feeds_refresh

        register_sweep("holiday-feeds", holiday_feeds_refresh, order=60)

        register_actions(
            {
                "workcal.workcalendar.create": _("新增工作日历"),
                "workcal.workcalendar.change": _("修改工作日历"),
                "workcal.workcalendar.delete": _("删除工作日历"),
                "workcal.override.set": _("设置日历例外日"),
                "workcal.override.delete": _("删除日历例外日"),
                "workcal.holidays.import": _("导入年度节假日安排"),
                "workcal.holidays.correct": _("更正年度节假日安排"),
                "workcal.holidays.delete": _("撤销年度节假日安排"),
            }
        )
