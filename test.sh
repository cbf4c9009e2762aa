#!/usr/bin/env bash
# 安装测试所需的一切并运行全部测试：先 SQLite，再 PostgreSQL。
# Installs what the tests need (Python packages, Debian's chromium and CJK fonts, a running PostgreSQL)
# and runs lint, type check and the whole suite on SQLite and then on PostgreSQL.
#   ./test.sh                 everything
#   ./test.sh -k audit        extra arguments go to pytest (both passes)
#   XIETONG_TEST_DBS=sqlite ./test.sh   only one database
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# --- Debian packages: chromium and CJK fonts for the browser tests (never `playwright install`), slapd and
# ldap-utils for the LDAP tests, and the headers python-ldap (django-auth-ldap) is built against --------
need_pkgs=()
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_pkgs+=(fonts-noto-cjk)
[ -x /usr/sbin/slapd ] || need_pkgs+=(slapd)
command -v ldapadd >/dev/null || need_pkgs+=(ldap-utils)
[ -f /usr/include/ldap.h ] || need_pkgs+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || need_pkgs+=(libsasl2-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "安装 Debian 软件包：${need_pkgs[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# --- Python packages ------------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
# The pinned versions of everything, tests included (requirements-test.lock, hashes checked), reinstalled
# only when a lock or pyproject.toml changed: comparing two checksums costs nothing.
stamp=.venv/.xietong-test-installed
wanted=$(cat requirements-test.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  say "安装依赖与测试依赖（requirements-test.lock）"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements-test.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$wanted" > "$stamp"
  # The test lock pins the same versions as requirements.lock (compiled with it as constraints): ./run.sh
  # need not install again.
  cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1 > .venv/.xietong-installed
fi
PY=.venv/bin/python

# --- PostgreSQL: start the local cluster if it is down, use a throwaway database ------------------
PG_HOST=${XIETONG_TEST_PG_HOST:-127.0.0.1}
PG_PORT=${XIETONG_TEST_PG_PORT:-5432}
PG_USER=${XIETONG_TEST_PG_USER:-postgres}
DBS=${XIETONG_TEST_DBS:-sqlite postgres}
pg_up() { $PY - "$PG_HOST" "$PG_PORT" "$PG_USER" <<'EOF'
import sys, psycopg
try:
    psycopg.connect(host=sys.argv[1], port=sys.argv[2], user=sys.argv[3], dbname="postgres", connect_timeout=3).close()
except Exception:
    sys.exit(1)
EOF
}
if [[ " $DBS " == *" postgres "* ]] && ! pg_up; then
  say "启动本机 PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL 不可用：$PG_HOST:$PG_PORT (user $PG_USER)"; exit 1; }
fi
THROWAWAY="xietong_ci_$$"
pg_admin() { $PY - "$PG_HOST" "$PG_PORT" "$PG_USER" "$1" <<'EOF'
import sys, psycopg
with psycopg.connect(host=sys.argv[1], port=sys.argv[2], user=sys.argv[3], dbname="postgres", autocommit=True) as c:
    c.execute(sys.argv[4])
EOF
}
cleanup() {
  if [[ " $DBS " == *" postgres "* ]]; then
    pg_admin "DROP DATABASE IF EXISTS $THROWAWAY WITH (FORCE)" 2>/dev/null || true
    pg_admin "DROP DATABASE IF EXISTS test_$THROWAWAY WITH (FORCE)" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# --- Static checks --------------------------------------------------------------------------------
say "ruff（代码规范）"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --diff . | head -50; exit 1; }
say "mypy（类型检查）"
.venv/bin/mypy xietong
say "import-linter（分层：core < org < workcal < clocks < notify < items < 流程 < 归档、报表）"
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
say "Django 系统检查与迁移完整性"
XIETONG_DATA_DIR=$(mktemp -d) $PY -m django check --settings=xietong.settings_test
XIETONG_DATA_DIR=$(mktemp -d) $PY -m django makemigrations --check --dry-run --settings=xietong.settings_test >/dev/null \
  || { echo "模型有改动但缺少迁移：请运行 xietong makemigrations"; exit 1; }

# --- The suite, on both databases -----------------------------------------------------------------
mkdir -p test-artifacts
WORKERS=${XIETONG_TEST_WORKERS:-2}
for db in $DBS; do
  case "$db" in
    sqlite)
      say "测试：SQLite"
      env -u DATABASE_URL $PY -m pytest -n "$WORKERS" -p no:cacheprovider --durations=25 --durations-min=10 "$@"
      ;;
    postgres)
      say "测试：PostgreSQL（临时数据库 $THROWAWAY）"
      pg_admin "CREATE DATABASE $THROWAWAY"
      # The fresh-clone check exercises ./run.sh, which always uses SQLite: once is enough.
      DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$THROWAWAY" \
        $PY -m pytest -n "$WORKERS" -p no:cacheprovider --durations=25 --durations-min=10 -m "not fresh_clone" "$@"
      ;;
    *) echo "unknown database: $db"; exit 2 ;;
  esac
done
say "全部通过"
