"""A list asked for by htmx to restore history (Back past its cache) is the whole page, and every answer says
it varies on HX-Request (issue 23: Back showed a bare table)."""

import pytest


@pytest.mark.parametrize("path", ["/requests/?scope=all", "/problems/?scope=all", "/meetings/?scope=all"])
def test_history_restore_gets_the_page_and_a_swap_gets_the_table(company, client_for, path):
    client = client_for("guoxin")
    swap = client.get(path, headers={"HX-Request": "true"})
    restore = client.get(path, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    page = client.get(path)
    assert b'class="filters"' not in swap.content
    assert b'class="filters"' in restore.content and b"<h1>" in restore.content
    assert restore.content.count(b"<h1>") == page.content.count(b"<h1>") == 1
    for response in (swap, restore, page):
        assert "HX-Request" in response["Vary"]
