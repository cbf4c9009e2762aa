"""The designer's messages are translated: a test that reads them outside a request starts in Chinese, the
default, whatever language an earlier test's request left active on the thread."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def chinese_by_default():
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
