"""协同进度跟踪: daily progress updates on tasks, 【需协助】 flags, and the weekly project summary."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock


class ProgressUpdate(models.Model):
    """One day's update by a task's owner: what was done, how far, what comes next; maybe a call for help."""

    task = models.ForeignKey(
        "tasks.Task", verbose_name=_("任务"), on_delete=models.CASCADE, related_name="progress_updates"
    )
    author = models.ForeignKey("org.Person", verbose_name=_("填写人"), on_delete=models.PROTECT, related_name="+")
    work_date = models.DateField(_("日期"))
    text = models.TextField(_("当日进展"))
    percent = models.PositiveSmallIntegerField(_("完成百分比"))
    next_step = models.TextField(_("次日计划"), blank=True)
    needs_help = models.BooleanField(_("【需协助】"), default=False)
    help_from = models.ForeignKey(
        "org.Person", verbose_name=_("需谁协助"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    help_answer = models.TextField(_("协助答复"), blank=True)
    help_answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=clock.now)

    class Meta:
        verbose_name = _("进度更新")
        verbose_name_plural = _("进度更新")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["task", "-work_date"], name="progress_task_date")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.work_date} {self.percent}%"

    @property
    def help_open(self) -> bool:
        return self.needs_help and self.help_answered_at is None


class WeeklySummary(models.Model):
    """The project's week, generated on Friday afternoon for the weekly sync meeting (周进度同步会)."""

    project = models.ForeignKey("org.Project", verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("周一"))
    data = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("生成时间"), default=clock.now)

    class Meta:
        verbose_name = _("项目周报")
        verbose_name_plural = _("项目周报")
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["project", "week_start"], name="one_summary_per_week")]

    def __str__(self) -> str:
        return f"{self.project} {self.week_start}"

    def get_absolute_url(self) -> str:
        return reverse("weekly-summary", args=[self.pk])
