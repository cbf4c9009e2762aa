import json

from django.core.management.base import BaseCommand, CommandError

from xietong.core.heartbeat import worker_liveness


class Command(BaseCommand):
    help = "检查后台任务进程是否存活（心跳未超时）：存活时退出码为 0，并打印每个进程的心跳。"

    def add_arguments(self, parser):
        parser.add_argument("--this-host", action="store_true", help="只看本机的进程（容器健康检查用）")

    def handle(self, *args, this_host: bool, **options):
        import socket

        liveness = worker_liveness(details=True)
        if this_host:
            here = socket.gethostname()
            liveness["workers"] = [w for w in liveness["workers"] if w["host"] == here]
        self.stdout.write(json.dumps(liveness, ensure_ascii=False, indent=1))
        if not any(w["status"] == "ok" for w in liveness["workers"]):
            raise CommandError("没有存活的后台任务进程")
