"""`xietong org sync --source dingtalk|wecom|feishu|ldap|excel [--file SHEET.xlsx] [--dry-run] [--actor USERNAME]`:
the source's departments and people brought into Xietong (org.sync). The dry run prints the diff and changes
nothing. `xietong org template FILE.xlsx` writes the Excel sheet to fill in."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.core.errors import ApplicationError
from xietong.core.platforms import PLATFORMS, PlatformBusy, PlatformError
from xietong.org import excel_directory
from xietong.org.models import Person
from xietong.org.sync import apply_plan, plan_sync

SOURCES = [*sorted(PLATFORMS), "ldap", "excel"]


class Command(BaseCommand):
    help = "组织架构：sync 从钉钉、企业微信、飞书、LDAP 或 Excel 表格同步部门与人员（--dry-run 只显示差异）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="xietong org sync --source dingtalk [--dry-run]")
        sync.add_argument("--source", required=True, choices=SOURCES, help="通讯录来源")
        sync.add_argument("--file", help="Excel 通讯录（--source excel；默认 XIETONG_ORG_SYNC_EXCEL_FILE）")
        sync.add_argument("--dry-run", action="store_true", help="只显示差异，不做任何修改")
        sync.add_argument(
            "--actor", help="以哪位系统管理员的名义同步（用户名；默认：唯一的超级管理员），记入审计与离职交接"
        )
        template = sub.add_parser("template", help="xietong org template 通讯录模板.xlsx")
        template.add_argument("path", help="写入的文件")

    def handle(self, *args, **options) -> None:
        if options["action"] == "template":
            with open(options["path"], "wb") as out:
                out.write(excel_directory.template())
            self.stdout.write(f"已写入 Excel 通讯录模板：{options['path']}")
            return
        source = options["source"]
        label = PLATFORMS[source].label if source in PLATFORMS else source.upper()
        try:
            sheet = None
            if source == "excel":
                path = options.get("file") or excel_directory.configured_file()
                if not path:
                    raise CommandError("请用 --file 指定 Excel 通讯录")
                try:
                    with open(path, "rb") as f:
                        sheet = f.read()
                except OSError as error:
                    raise CommandError(f"无法读取 {path}：{error}") from error
            plan = plan_sync(source, sheet=sheet)
        except excel_directory.SheetError as error:
            raise CommandError(str(error)) from error
        except PlatformBusy as error:
            raise CommandError(f"{label}接口调用过于频繁（限流），请稍后重试：{error}") from error
        except PlatformError as error:
            raise CommandError(f"读取{label}通讯录失败：{error}") from error
        for line in plan.lines():
            self.stdout.write(line)
        if plan.empty:
            self.stdout.write(f"{plan.label}通讯录与协同一致，无需变更。")
            return
        if options["dry_run"]:
            self.stdout.write(f"（试运行：共 {len(plan.lines())} 项变更，未做任何修改）")
            return
        try:
            counts = apply_plan(plan, actor=self._actor(options.get("actor")))
        except ApplicationError as error:
            reasons = "；".join(str(m) for m in error.fields.values()) or str(error.message)
            raise CommandError(f"同步未完成，未做任何修改：{reasons}") from error
        self.stdout.write(
            "已同步：新增部门 {departments_new}、变更部门 {departments_changed}、新增人员 {people_new}、"
            "变更人员 {people_changed}（其中调动 {people_moved}）、离职交接 {people_handed_over}。".format(**counts)
        )

    def _actor(self, username: str | None) -> Person:
        if username:
            actor = Person.objects.filter(username=username, is_active=True).first()
            if actor is None or not (actor.is_staff or actor.is_superuser):
                raise CommandError(f"{username} 不是在职的系统管理员")
            return actor
        admins = list(Person.objects.filter(is_superuser=True, is_active=True)[:2])
        if len(admins) != 1:
            raise CommandError("请用 --actor 指定以哪位系统管理员的名义同步")
        return admins[0]
