# 协同 Xietong: one image for the web processes and the worker (see docker-compose.yml).
#   docker build -t xietong .
#   docker run --rm -p 8000:8000 -e SECRET_KEY=... -e DATABASE_URL=postgres://... xietong            # web
#   docker run --rm -e SECRET_KEY=... -e DATABASE_URL=postgres://... xietong xietong worker           # worker
# Versions come from requirements.lock (hashes checked); the wheel carries compiled translations.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.lock ./
# python-ldap (LDAP sign-in, django-auth-ldap) is built from source against OpenLDAP's and SASL's headers.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libldap2-dev libsasl2-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/xietong \
 && /opt/xietong/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml setup.py README.md ./
COPY xietong ./xietong
# Building the wheel compiles locale/*.po into .mo (setup.py); the package goes in without touching the pins.
RUN /opt/xietong/bin/pip wheel --no-deps -w /wheels . \
 && /opt/xietong/bin/pip install --no-deps /wheels/xietong-*.whl

FROM python:3.11-slim-bookworm
ENV PATH=/opt/xietong/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=xietong.settings \
    XIETONG_DATA_DIR=/var/lib/xietong \
    XIETONG_HOST=0.0.0.0
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libldap-2.5-0 libsasl2-2 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system xietong \
 && useradd --system --gid xietong --home-dir /var/lib/xietong --no-create-home xietong \
 && install -d -o xietong -g xietong -m 700 /var/lib/xietong /var/lib/xietong/media
COPY --from=build /opt/xietong /opt/xietong
# Static files are collected into the image (whitenoise serves them); SECRET_KEY is only needed to load settings.
ENV XIETONG_STATIC_ROOT=/opt/xietong/static
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/unused.sqlite3 xietong collectstatic --noinput -v 0
USER xietong
WORKDIR /var/lib/xietong
VOLUME ["/var/lib/xietong"]
EXPOSE 8000
# Asks with the first allowed host name (Django refuses other Host headers); /healthz is never redirected to https.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import os, urllib.request as r; host = os.environ.get('ALLOWED_HOSTS', '127.0.0.1').split(',')[0].strip().lstrip('.*') or '127.0.0.1'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4)"
CMD ["gunicorn", "xietong.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "--graceful-timeout", "5"]
