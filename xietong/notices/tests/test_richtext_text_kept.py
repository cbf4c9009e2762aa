"""A notice keeps every word typed (issue 23): "当 a<b 时报警…" was stored as "当 a" — the "<b" was read as a
tag and the rest of the text vanished inside it."""

import pytest

from xietong.notices.richtext import plain_text, sanitize


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("当 a<b 时报警，b>c 时恢复", "<p>当 a&lt;b 时报警，b&gt;c 时恢复</p>"),
        ("阈值：x<5 或 y<=3", "<p>阈值：x&lt;5 或 y&lt;=3</p>"),
        ("<p>当 a<b 时报警</p>", "<p>当 a&lt;b 时报警</p>"),
        ("<p>请<strong>周五前</strong>提交，延迟<1天</p>", "<p>请<strong>周五前</strong>提交，延迟&lt;1天</p>"),
        ("<script>alert(1)</script>正文", "正文"),
        (
            '<a href="https://example.com/a" onclick="x()">链接</a>',
            '<a href="https://example.com/a" rel="noopener noreferrer">链接</a>',
        ),
    ],
)
def test_text_after_a_less_than_sign_is_kept(typed, stored):
    assert sanitize(typed) == stored


def test_the_plain_text_of_a_stored_body_has_every_word():
    assert plain_text(sanitize("当 a<b 时报警，请立即处理")) == "当 a<b 时报警，请立即处理"
