"""Only the editor's output is HTML (issue 23: notices needed hand-typed HTML, and "当 a<b 时报警…" lost its
words). The form's editor sends body_format=html; text typed without it (no JavaScript) or sent over the API
without body_format is plain text, escaped whole — never truncated, never read as markup. A link leading
nowhere safe ('//evil.example') is refused at the body with its address."""

import time_machine

from xietong.notices.models import Notice
from xietong.notices.tests.test_notices import at


def form(**extra):
    return {
        "title": "关于温度告警的通知",
        "body": "当 a<b 时报警…",
        "effective_date": "2026-03-16",
        "target_people": [],
        "target_departments": [],
        "requires_confirmation": "",
        "publish": "1",
        **extra,
    }


def _publish(company, client, **extra):
    data = form(**extra)
    data["target_people"] = [company.person("wangqiang").pk]
    with time_machine.travel(at("2026-03-09 10:00"), tick=False):
        return client.post("/notices/new/", data)


def test_text_without_the_editor_is_stored_and_shown_whole(company, client_for):
    sent = _publish(company, client_for("liufang"), body="当 a<b 时报警…\n<b>加粗</b>不是格式")
    assert sent.status_code == 302, sent.content.decode()[:3000]
    notice = Notice.objects.get()
    assert notice.body == "<p>当 a&lt;b 时报警…<br>&lt;b&gt;加粗&lt;/b&gt;不是格式</p>"
    page = client_for("wangqiang").get(notice.get_absolute_url()).content.decode()
    assert "当 a&lt;b 时报警…<br>&lt;b&gt;加粗&lt;/b&gt;不是格式" in page
    assert "待我确认" not in page  # 无需确认: nothing asks this recipient to confirm


def test_the_editors_html_keeps_bold_lists_and_links(company, client_for):
    html = '<p>请<strong>周五前</strong>提交</p><ul><li>方案</li><li>排期</li></ul><p><a href="https://example.com/g">指引</a></p>'
    sent = _publish(company, client_for("liufang"), body=html, body_format="html")
    assert sent.status_code == 302
    assert Notice.objects.get().body == (
        "<p>请<strong>周五前</strong>提交</p><ul><li>方案</li><li>排期</li></ul>"
        '<p><a href="https://example.com/g" rel="noopener noreferrer">指引</a></p>'
    )


def test_a_link_to_another_site_without_a_scheme_is_refused_at_the_body(company, client_for):
    html = '<p>请<a href="//evil.example/login">登录</a>确认</p>'
    page = _publish(company, client_for("liufang"), body=html, body_format="html")
    assert page.status_code == 200
    assert page.context["form"].errors["body"] == [
        "链接“//evil.example/login”不是有效的网址：请使用 http:// 或 https:// 开头的完整网址"
    ]
    assert page.context["form"]["body"].value() == html  # what was written stays in the editor
    assert not Notice.objects.exists()


def test_the_api_takes_text_unless_told_html(company, client_for):
    api = client_for("liufang")
    payload = {
        "title": "告警阈值",
        "body": "当 a<b 时报警…<i>不是斜体</i>",
        "effective_date": "2026-03-16",
        "requires_confirmation": False,
        "target_person_ids": [company.person("wangqiang").pk],
        "publish": True,
    }
    with time_machine.travel(at("2026-03-09 10:00"), tick=False):
        text = api.post("/api/notices/", payload, content_type="application/json")
        html = api.post(
            "/api/notices/",
            {**payload, "body": "<p><strong>周五前</strong></p>", "body_format": "html"},
            content_type="application/json",
        )
        evil = api.post(
            "/api/notices/",
            {**payload, "body": '<a href="//evil.example">x</a>', "body_format": "html"},
            content_type="application/json",
        )
    assert text.status_code == 201 and text.json()["body"] == "<p>当 a&lt;b 时报警…&lt;i&gt;不是斜体&lt;/i&gt;</p>"
    assert html.status_code == 201 and html.json()["body"] == "<p><strong>周五前</strong></p>"
    assert evil.status_code == 400 and evil.json()["fields"] == {
        "body": "链接“//evil.example”不是有效的网址：请使用 http:// 或 https:// 开头的完整网址"
    }
