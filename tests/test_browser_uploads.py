"""Uploads in a real browser (issue 23): a file over the limit is refused at the file field before a byte is
sent, and the topic typed beside it stays; an image attachment shows in the page."""

import pytest

from conftest import screenshot
from xietong.items.models import Attachment
from xietong.requests.tests.test_request_flow import new_request

pytestmark = pytest.mark.browser


def test_a_file_over_the_limit_is_refused_at_its_field_and_the_topic_stays(
    page_for, live_server, live_company, tmp_path, settings
):
    settings.XIETONG_ATTACHMENT_MAX_MB = 1
    request = new_request(live_company)
    page = page_for("guoxin")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    big = tmp_path / "续航测试数据.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"x" * (2 * 1024 * 1024))
    page.fill("#att-topic", "续航测试数据")
    page.set_input_files("#att-file", str(big))
    page.click("#attachments button[type=submit]")
    error = page.locator("#att-file-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "文件大小 2.0 MB 超过上限 1 MB，请压缩或拆分后再上传"
    assert page.input_value("#att-topic") == "续航测试数据"
    assert sent == [] and not Attachment.objects.exists()
    screenshot(page, "uploads-too-large")

    small = tmp_path / "续航测试数据2.pdf"
    small.write_bytes(b"%PDF-1.4\n" + b"x" * 1000)
    page.set_input_files("#att-file", str(small))
    page.click("#attachments button[type=submit]")
    page.locator("#attachments >> text=续航测试数据V1-").wait_for()
    assert Attachment.objects.get().topic == "续航测试数据"


def test_a_refused_content_shows_at_the_field_and_keeps_the_topic(page_for, live_server, live_company, tmp_path):
    request = new_request(live_company)
    page = page_for("guoxin")
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    fake = tmp_path / "报告.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    page.fill("#att-topic", "周报")
    page.set_input_files("#att-file", str(fake))
    page.click("#attachments button[type=submit]")
    page.locator("#att-file-error >> text=文件内容是可执行程序，不允许上传").wait_for()
    assert page.input_value("#att-topic") == "周报"
    assert not Attachment.objects.exists()
