#!/usr/bin/env bash
# 一条命令启动协同：创建 .venv、安装、迁移内嵌 SQLite 数据库、载入演示数据，然后启动网页服务与后台任务进程。
# One command: venv, install, migrate the embedded SQLite database, load demo data, serve on
# http://127.0.0.1:8000 with gunicorn and run the background worker, each restarted if it dies (`xietong
# serve`). Ctrl-C stops both.
set -euo pipefail
umask 077  # the database, uploads, mail and keys under var/ are readable by this user only
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
HOST=${XIETONG_HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_WORKERS=${XIETONG_WEB_WORKERS:-2}
export XIETONG_DATA_DIR=${XIETONG_DATA_DIR:-$PWD/var}
export DJANGO_SETTINGS_MODULE=xietong.settings

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  say "创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
# Install the pinned versions (requirements.lock, hashes checked), then the project itself without resolving
# anything; again only when the lock or pyproject.toml changed since the last successful install.
stamp=.venv/.xietong-installed
wanted=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  # python-ldap (LDAP sign-in) is built against OpenLDAP's and SASL's headers.
  if [ ! -f /usr/include/ldap.h ] || [ ! -f /usr/include/sasl/sasl.h ]; then
    say "安装 Debian 软件包：libldap2-dev libsasl2-dev"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libldap2-dev libsasl2-dev >/dev/null
  fi
  say "安装依赖（requirements.lock）"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$wanted" > "$stamp"
fi
XIETONG=.venv/bin/xietong

mkdir -p "$XIETONG_DATA_DIR"
say "编译界面翻译、迁移数据库（$XIETONG_DATA_DIR）"
$XIETONG compile_translations
$XIETONG migrate --noinput -v 0
$XIETONG collectstatic --noinput -v 0
say "载入演示数据（可重复运行，不会重复创建）"
$XIETONG seed_demo

cat <<EOF

  协同已启动 / Xietong is running:  http://$HOST:$PORT/

  演示账号（密码均为 xietong2026）/ demo logins (password xietong2026):
    chenzhiqiang  陈志强  总经理
    wangjianguo   王建国  副总经理（分管研发中心、产品部、生产部）
    liufang       刘芳    综合管理部经理（协调人）
    zhangwei      张伟    研发总监（研发中心负责人）
    lina          李娜    软件开发部经理
    guoxin        郭鑫    产品经理（智能手表项目负责人）
    wangqiang     王强    高级软件工程师
    admin         系统管理员（/admin/ 配置组织、日历与规则）

  按 Ctrl-C 停止 / press Ctrl-C to stop.

EOF

# The web server and the worker, each restarted with a backoff if it dies; Ctrl-C stops both.
exec $XIETONG serve --bind "$HOST:$PORT" --web-workers "$WEB_WORKERS"
