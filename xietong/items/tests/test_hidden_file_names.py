"""A file name that hides or reorders what it shows is refused (issue 23): "报告\u202efdp.exe" reads as
"报告exe.pdf" and was accepted, like names carrying zero-width characters."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.items.models import Attachment
from xietong.items.services import attachment_add
from xietong.requests.tests.test_request_flow import new_request

REFUSED = "文件名含有看不见或改变文字方向的字符，请改名后再上传"


@pytest.mark.parametrize(
    "name",
    ["续航报告\u202efdp.pdf", "续航\u200b报告.pdf", "续航报告\u2066.pdf", "\ufeff续航报告.pdf", "续航报告\u200f.pdf"],
)
def test_hidden_characters_in_a_file_name_are_refused_at_the_file(company, name):
    request = new_request(company)
    upload = SimpleUploadedFile(name, b"%PDF-1.4 report")
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        attachment_add(actor=company.person("guoxin"), subject=request, upload=upload)
    assert refused.value.fields == {"file": REFUSED}
    assert not Attachment.objects.exists()


def test_an_ordinary_chinese_name_is_accepted(company):
    request = new_request(company)
    with transaction.atomic():
        attachment = attachment_add(
            actor=company.person("guoxin"),
            subject=request,
            upload=SimpleUploadedFile("续航 报告（终版）.pdf", b"%PDF-1.4"),
        )
    assert attachment.original_name == "续航 报告（终版）.pdf"
