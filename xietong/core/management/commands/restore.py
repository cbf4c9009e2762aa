from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xietong.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "恢复：把 `xietong backup` 生成的备份恢复到一个空的、已迁移的安装中，并逐项校验。"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="备份目录（含 manifest.json）")
        parser.add_argument(
            "--force", action="store_true", help="目标已有数据时仍然覆盖（全部成功才替换，失败则保持原样）"
        )
        parser.add_argument("--key-file", help="签名密钥文件（在另一台机器上恢复时，指定原机器的 backup_key）")

    def handle(self, *args, folder: str, force: bool, key_file: str | None, **options):
        try:
            restored = backup_restore(Path(folder), force=force, key_file=Path(key_file) if key_file else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"恢复完成：{sum(restored.values())} 行数据，校验通过"))
