from django.core.management.base import BaseCommand

from xietong.core.supervisor import Supervisor, serve_programs


class Command(BaseCommand):
    help = "启动网页服务（gunicorn）与后台任务进程并分别守护：任一进程退出后按退避时间自动重启；Ctrl-C 全部停止。"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="网页服务监听地址（默认 127.0.0.1:8000）")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn 工作进程数（默认 2）")

    def handle(self, *args, bind: str, web_workers: int, **options):
        def say(text: str) -> None:
            self.stderr.write(f"==> {text}")

        Supervisor(serve_programs(bind=bind, web_workers=web_workers), say=say).run()
        say("已停止")
