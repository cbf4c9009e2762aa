from django.core.management.base import BaseCommand

from xietong.core.worker import Worker


class Command(BaseCommand):
    help = "运行后台任务进程：触发到期的时钟、投递通知、更新检索索引、封存审计链。可同时运行多个。"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="无事可做时的等待秒数（默认 1）")
        parser.add_argument("--batch-size", type=int, default=200, help="每次扫描最多处理的行数（默认 200）")
        parser.add_argument("--once", action="store_true", help="只扫描一轮后退出")
        parser.add_argument("--only", help="只运行这些扫描（逗号分隔，例如 clocks,outbox）；默认全部")

    def handle(self, *args, interval: float, batch_size: int, once: bool, only: str | None, **options):
        names = [n.strip() for n in only.split(",")] if only else None
        Worker(interval=interval, batch_size=batch_size, once=once, only=names).run()
