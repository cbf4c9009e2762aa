from django.core.management.base import BaseCommand, CommandError

from xietong.archive.indexing import reindex_all


class Command(BaseCommand):
    help = "检索索引：xietong search reindex 重建全部事项、评论与附件的索引（并归档已关闭而未归档的事项）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reindex"], help="reindex：重建索引")

    def handle(self, *args, action: str, **options):
        if action != "reindex":
            raise CommandError(action)
        total = reindex_all(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"已重建 {total} 个事项的索引"))
