from django.core.management.base import BaseCommand

from xietong.core.demo import seed_demo


class Command(BaseCommand):
    help = "载入演示数据（星辰智能科技）。可重复运行：已有数据会被更新而不会重复创建。"

    def handle(self, *args, **options):
        for name, counts in seed_demo().items():
            summary = "，".join(f"{k} {v}" for k, v in counts.items())
            self.stdout.write(f"{name}: {summary}")
