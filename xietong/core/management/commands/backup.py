import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xietong.core.backup import BackupError, backup_create, backup_verify, rows_dump


class Command(BaseCommand):
    help = "备份：把全部数据（一致快照）与附件写入一个带校验和清单的目录。`xietong backup /path/to/backups`"

    def add_arguments(self, parser):
        parser.add_argument("destination", help="备份存放的目录")
        parser.add_argument("--rows-only", action="store_true", help="（内部）只导出数据行到该目录")

    def handle(self, *args, destination: str, rows_only: bool, **options):
        target = Path(destination)
        if rows_only:
            counts, files, heads = rows_dump(target)
            summary = {"counts": counts, "files": files, "migrations": heads}
            (target / "rows.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
            return
        target.mkdir(parents=True, exist_ok=True)
        try:
            folder = backup_create(target)
            manifest = backup_verify(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        media = sum(1 for f in manifest["files"] if f.startswith("media/"))
        self.stdout.write(self.style.SUCCESS(f"备份完成：{folder}（{rows} 行数据，{media} 个附件文件）"))
