"""Back through the filtered lists (issue 23): after more than ten filter changes htmx's history cache no longer
holds the first pages, asks the server for them, and got the table alone — a bare table with no header or
filters. And a list URL fetched by htmx (the table) must not be what the browser's cache gives back for the page."""

import pytest

pytestmark = pytest.mark.browser

LISTS = [
    ("/requests/?scope=all", "需求协作"),
    ("/problems/?scope=all", "问题提报与分派"),
    ("/meetings/?scope=all", "会议"),
]

COUNT_RESTORES = """
window.__restores = 0;
document.addEventListener("htmx:historyRestore", () => { window.__restores += 1; });
"""


def filter_once(page, words: str) -> None:
    """Search the list for other words; htmx swaps the table and pushes the URL (a new one each time)."""
    page.fill("form.filters input[name=q]", words)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.press("form.filters input[name=q]", "Enter")
    # htmx pushes the URL after the swap settles: wait for it, so that the next search is not taken while this
    # one is still in flight (then htmx drops it and one history entry is missing).
    page.wait_for_function("w => new URL(location.href).searchParams.get('q') === w", arg=words)


@pytest.mark.parametrize(("path", "title"), LISTS, ids=[p.split("/")[1] for p, _t in LISTS])
def test_back_past_the_history_cache_restores_the_whole_list_page(
    page_for, live_server, live_company, seeded_demo, path, title
):
    seeded_demo()
    page = page_for("admin")
    page.goto(live_server.url + path)
    page.evaluate(COUNT_RESTORES)
    changes = 12  # htmx keeps 10 pages in its history cache
    for n in range(changes):
        filter_once(page, f"第{n}")
    backs = 0
    while page.url != live_server.url + path and backs < 3 * changes:
        backs += 1
        page.go_back()
        page.wait_for_function("n => window.__restores >= n", arg=backs)
        assert page.locator("h1").inner_text(timeout=5000) == title, f"{backs} back"
        assert page.locator("form.filters input[name=q]").count() == 1, f"{backs} back"
    assert page.url == live_server.url + path
    assert backs >= changes
    assert page.input_value("form.filters input[name=q]") == ""


@pytest.mark.parametrize(("path", "title"), LISTS, ids=[p.split("/")[1] for p, _t in LISTS])
def test_the_table_fetched_by_htmx_is_not_the_page_the_browser_caches(page_for, live_server, live_company, path, title):
    page = page_for("admin")
    page.goto(live_server.url + path)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as info:
        page.select_option("form.filters select[name=state]", index=1)
    assert "HX-Request" in info.value.headers.get("vary", "")
    filtered = page.url
    page.goto(live_server.url + "/")
    page.goto(filtered)  # typed again, or opened from the browser's history
    assert page.locator("h1").inner_text() == title
