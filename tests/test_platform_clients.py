"""The platform clients against local DingTalk / WeCom / Feishu servers: tokens cached until they expire, an
expired token refreshed once and the call repeated, a rate limit waited out with a growing backoff, the
contacts read as departments (with their 部门主管) and people."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.platforms import Reply
from xietong.core.platforms import DingTalk, Feishu, PlatformBusy, PlatformError, WeCom, platform_client

SH = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=SH)

# platform → (token path, a people path, how to read people)
TOKEN_PATH = {
    "dingtalk": "/gettoken",
    "wecom": "/cgi-bin/gettoken",
    "feishu": "/open-apis/auth/v3/tenant_access_token/internal",
}
PEOPLE_PATH = {
    "dingtalk": "/topapi/v2/user/list",
    "wecom": "/cgi-bin/user/list",
    "feishu": "/open-apis/contact/v3/users/find_by_department",
}


@pytest.fixture(params=["dingtalk", "wecom", "feishu"])
def platform(request):
    """Each platform's server with a small company: 研发中心 › 软件开发部 headed by 李娜."""
    server = request.getfixturevalue(request.param)
    root = server.root_department
    rd, sw = ("2", "3") if request.param != "feishu" else ("od-rd", "od-sw")
    server.add_department(rd, "研发中心", root)
    server.add_department(sw, "软件开发部", rd, heads=["u-lina"])
    server.add_user("u-lina", "李娜", [sw], title="软件开发部经理", mobile="13800000001", email="lina@xc.example")
    server.add_user("u-wq", "王强", [sw], title="高级软件工程师", mobile="13800000002", email="wq@xc.example")
    server.name = request.param
    server.sw = sw
    return server


def test_token_is_cached_until_it_is_about_to_expire(platform):
    client = platform_client(platform.name)
    with time_machine.travel(NOON, tick=False) as traveller:
        client.department_people(platform.sw)
        client.department_people(platform.sw)
        assert len(platform.calls_to(TOKEN_PATH[platform.name])) == 1
        # Valid for 7200 s; refreshed 5 minutes before that.
        traveller.move_to(NOON + dt.timedelta(seconds=7200 - 301))
        client.department_people(platform.sw)
        assert len(platform.calls_to(TOKEN_PATH[platform.name])) == 1
        traveller.move_to(NOON + dt.timedelta(seconds=7200 - 299))
        client.department_people(platform.sw)
        assert len(platform.calls_to(TOKEN_PATH[platform.name])) == 2


def test_expired_token_is_refreshed_once_and_the_call_repeated(platform):
    client = platform_client(platform.name)
    client.department_people(platform.sw)
    platform.expire_tokens()  # the platform revoked it early (another machine fetched a new one, …)
    people = client.department_people(platform.sw)
    assert [p.name for p in people] == ["李娜", "王强"]
    assert len(platform.calls_to(TOKEN_PATH[platform.name])) == 2
    assert len(platform.calls_to(PEOPLE_PATH[platform.name])) == 3  # ok, refused, repeated


def test_a_token_refused_again_after_the_refresh_is_an_error_not_a_loop(platform):
    client = platform_client(platform.name)
    expired = {
        "dingtalk": Reply(200, {"errcode": 42001, "errmsg": "access_token超时"}),
        "wecom": Reply(200, {"errcode": 42001, "errmsg": "access_token expired"}),
        "feishu": Reply(400, {"code": 99991677, "msg": "Authentication token expired."}),
    }[platform.name]
    platform.fail_next(PEOPLE_PATH[platform.name], expired, times=2)
    with pytest.raises(PlatformError) as refused:
        client.department_people(platform.sw)
    assert refused.value.code in (42001, 99991677)
    assert len(platform.calls_to(TOKEN_PATH[platform.name])) == 2


def test_rate_limit_is_waited_out_with_a_doubling_backoff(platform, settings):
    settings.XIETONG_PLATFORM_BACKOFF_SECONDS = 1
    client = platform_client(platform.name)
    platform.rate_limit_next(PEOPLE_PATH[platform.name], times=2)
    assert [p.id for p in client.department_people(platform.sw)] == ["u-lina", "u-wq"]
    # Feishu says how long to wait (x-ogw-ratelimit-reset: 2); the others get 1 s, then 2 s.
    assert platform.waits == ([2.0, 2.0] if platform.name == "feishu" else [1.0, 2.0])


def test_rate_limit_that_does_not_end_gives_busy_after_the_retries(platform, settings):
    settings.XIETONG_PLATFORM_BACKOFF_SECONDS = 1
    settings.XIETONG_PLATFORM_RETRIES = 3
    client = platform_client(platform.name)
    platform.rate_limit_next(PEOPLE_PATH[platform.name], times=10)
    with pytest.raises(PlatformBusy):
        client.department_people(platform.sw)
    assert len(platform.waits) == 3
    assert len(platform.calls_to(PEOPLE_PATH[platform.name])) == 4


def test_departments_with_heads_and_people_with_their_details(platform):
    client = platform_client(platform.name)
    departments = {d.name: d for d in client.departments()}
    assert set(departments) == {"研发中心", "软件开发部"}
    assert departments["软件开发部"].parent_id == departments["研发中心"].id
    assert departments["软件开发部"].head_ids == ("u-lina",)
    lina = client.department_people(platform.sw)[0]
    assert (lina.id, lina.name, lina.title, lina.mobile, lina.email) == (
        "u-lina",
        "李娜",
        "软件开发部经理",
        "13800000001",
        "lina@xc.example",
    )
    assert lina.department_ids == (platform.sw,)


def test_wrong_secret_is_the_platforms_own_error(dingtalk, wecom, feishu, settings):
    settings.XIETONG_DINGTALK_APP_SECRET = settings.XIETONG_WECOM_SECRET = settings.XIETONG_FEISHU_APP_SECRET = "x"
    codes = []
    for client in (DingTalk.from_settings(), WeCom.from_settings(), Feishu.from_settings()):
        with pytest.raises(PlatformError) as refused:
            client.departments()
        codes.append(refused.value.code)
    assert codes == [40089, 40001, 10003]


def test_unconfigured_platform_says_which_setting_is_missing(settings):
    settings.XIETONG_WECOM_CORP_ID = ""
    with pytest.raises(PlatformError, match="XIETONG_WECOM_CORP_ID"):
        platform_client("wecom")
