"""pytest fixtures: one running platform server each, the product's settings pointed at it, the token cache
emptied, and the backoff's waits recorded in `server.waits` instead of slept."""

from __future__ import annotations

import pytest

from tests.platforms.dingtalk import DingTalkServer
from tests.platforms.feishu import FeishuServer
from tests.platforms.server import PlatformServer
from tests.platforms.wecom import WeComServer


def _serve(server: PlatformServer, settings, monkeypatch):
    from xietong.core.platforms import base

    waits: list[float] = []
    monkeypatch.setattr(base, "sleep", waits.append)
    server.waits = waits  # type: ignore[attr-defined]
    base.forget_tokens()
    with server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        yield server
    base.forget_tokens()


@pytest.fixture
def dingtalk(settings, monkeypatch):
    yield from _serve(DingTalkServer(), settings, monkeypatch)


@pytest.fixture
def wecom(settings, monkeypatch):
    yield from _serve(WeComServer(), settings, monkeypatch)


@pytest.fixture
def feishu(settings, monkeypatch):
    yield from _serve(FeishuServer(), settings, monkeypatch)
