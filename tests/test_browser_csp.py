"""No page breaks the site's own Content-Security-Policy (issue 23): the 报表 quarter selector did nothing
because its inline onchange was blocked, with a console error on every load. Chromium walks every page it can
reach from the navigation of the demo company, as the administrator and as a coordinator, and fails on any
CSP violation it reports; and no template carries an inline handler, inline script or javascript: link."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import xietong

TEMPLATES = [*Path(xietong.__file__).parent.glob("**/templates/**/*.html")]
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)

# Pages that are files, or that change something on a GET (signing out), are not walked; of the admin, the
# index and the pages of its own (imports), not Django's stock lists and forms.
SKIP = re.compile(
    r"/accounts/logout/|/i18n/|/export|[?&]export=|format=|\.ics\b|\.xlsx\b|\.pdf\b|/download|/files?/|/api/"
    r"|/admin/(?!$)(?!.*import)"
)

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI || ""} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""


def test_no_template_has_inline_script_handlers_or_javascript_links():
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT, re.compile(r"javascript:", re.I)):
            found += [f"{path.name}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert len(TEMPLATES) > 80
    assert found == []


def shape(url: str) -> str:
    """One visit per kind of page: /requests/12/ and /requests/13/ are the same template."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def walk(page, base: str, limit: int) -> tuple[list[str], list[str]]:
    """Breadth first from the workbench over same-site links; returns (pages seen, violations)."""
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    queue, seen, visited, violations = [base + "/"], set(), [], []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(url)
        # Every select that applies itself is tried: a blocked inline handler reports only when it runs.
        for select in page.query_selector_all("select[data-autosubmit], select[onchange]"):
            name = select.get_attribute("name")
            try:
                with page.expect_navigation(timeout=5000):
                    select.select_option(index=len(select.query_selector_all("option")) - 1)
            except PlaywrightTimeout:
                violations.append(f"{url}: choosing in select[name={name}] did nothing")
            page.goto(url)
        violations += [f"{url}: {v}" for v in page.evaluate("window.__csp")]
        violations += [f"{url}: {text}" for text in console]
        console.clear()
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            absolute = urljoin(url, href).split("#")[0]
            if absolute.startswith(base) and not SKIP.search(absolute) and shape(absolute) not in seen:
                queue.append(absolute)
    return visited, violations


@pytest.mark.browser
def test_no_page_reached_from_the_navigation_violates_the_csp(page_for, live_server, live_company, seeded_demo):
    seeded_demo()
    page = page_for("admin")  # sees every item of the demo company
    visited, violations = walk(page, live_server.url, limit=250)
    assert len(visited) > 60, visited
    assert violations == []


@pytest.mark.browser
def test_choosing_a_quarter_on_the_reports_page_shows_that_quarter(page_for, live_server, live_company):
    page = page_for("liufang")
    page.goto(f"{live_server.url}/reports/?period=2026Q4")
    with page.expect_navigation():
        page.select_option("select[name=period]", "2026Q3")
    assert page.url.endswith("/reports/?period=2026Q3")
    assert "2026年第三季度" in page.locator("h1").inner_text()
