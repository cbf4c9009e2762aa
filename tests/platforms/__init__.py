"""Local stand-ins for the DingTalk, WeCom and Feishu open platforms (real HTTP on 127.0.0.1).

Fixtures (in fixtures.py, loaded by the root conftest): `dingtalk`, `wecom`, `feishu` start a server with
the demo company's people as platform users and point the product's settings at it.
"""

from tests.platforms.dingtalk import DingTalkServer
from tests.platforms.feishu import FeishuServer
from tests.platforms.server import Call, PlatformServer, Reply
from tests.platforms.wecom import WeComServer

__all__ = ["Call", "DingTalkServer", "FeishuServer", "PlatformServer", "Reply", "WeComServer"]
