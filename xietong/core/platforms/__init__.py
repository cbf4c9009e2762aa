"""Clients of the DingTalk, WeCom and Feishu open platforms: access tokens cached and refreshed, the
platforms' documented error codes handled (an expired token is refreshed once and the call retried; a rate
limit is waited out with a growing backoff). Base URLs, keys and secrets come from settings, so tests talk
to local servers on 127.0.0.1 (tests/platforms) and installations to the real platforms."""

from xietong.core.platforms.base import (
    PersonNotInApp,
    PlatformBusy,
    PlatformClient,
    PlatformError,
    PlatformNotConfigured,
)
from xietong.core.platforms.dingtalk import DingTalk
from xietong.core.platforms.feishu import Feishu
from xietong.core.platforms.wecom import WeCom

PLATFORMS: dict[str, type[PlatformClient]] = {"dingtalk": DingTalk, "wecom": WeCom, "feishu": Feishu}


def platform_client(name: str) -> PlatformClient:
    """The configured client of platform `name` (dingtalk, wecom, feishu); PlatformNotConfigured without keys."""
    return PLATFORMS[name].from_settings()


__all__ = [
    "PLATFORMS",
    "DingTalk",
    "Feishu",
    "PersonNotInApp",
    "PlatformBusy",
    "PlatformClient",
    "PlatformError",
    "PlatformNotConfigured",
    "WeCom",
    "platform_client",
]
