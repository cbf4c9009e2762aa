from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xietong.core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "审计留痕：`xietong audit verify` 校验整条哈希链（含库外锚点），发现篡改、删除、调序、截断，"
        "或事件超时未封存时以非零状态退出；`xietong audit seal` 立即封存已写入的事件（后台任务进程会自动封存）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "seal"], help="verify：校验哈希链；seal：立即封存")

    def handle(self, *args, action: str, **options):
        if action == "seal":
            sealed = audit_seal()
            self.stdout.write(self.style.SUCCESS(f"已封存 {sealed} 条事件。"))
            return
        report = audit_verify()
        if not report.ok:
            raise CommandError(f"审计链校验失败（已校验 {report.checked} 条）：{report.problem}")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：共 {report.checked} 条事件，哈希全部一致。"))
        if report.anchor_seq is not None:
            self.stdout.write(
                f"库外锚点（{settings.XIETONG_AUDIT_ANCHOR_FILE}）记录至 #{report.anchor_seq}，与数据库一致。"
            )
        else:
            self.stdout.write(f"尚无库外锚点文件（{settings.XIETONG_AUDIT_ANCHOR_FILE}）：首次封存时写入。")
        if report.unsealed:
            bound = settings.XIETONG_AUDIT_UNSEALED_MAX_SECONDS
            self.stdout.write(f"另有 {report.unsealed} 条尚未封存（均在 {bound} 秒上限之内）。")
