from django.core.management.base import BaseCommand, CommandError

from xietong.core.audit import audit_verify


class Command(BaseCommand):
    help = "审计留痕：`xietong audit verify` 校验整条哈希链，发现篡改或删除时以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"], help="verify：校验哈希链")

    def handle(self, *args, action: str, **options):
        report = audit_verify()
        if not report.ok:
            raise CommandError(f"审计链校验失败（已校验 {report.checked} 条）：{report.problem}")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：共 {report.checked} 条事件，哈希全部一致。"))
