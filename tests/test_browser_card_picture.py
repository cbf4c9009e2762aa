"""A picture of a personal card as a phone shows it (390×844): the Feishu card 李娜 receives for a submitted
request, rendered from the card JSON the local Feishu server received, before and after she taps 接收确认
(the JSON after the tap is the one the product sent to Feishu's update API). Saved to test-artifacts/ and,
when the notes folder exists, /work/notes/shots/."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import time_machine
from django.test import Client

from conftest import screenshot
from xietong.items.tests.test_app_cards import PRESSED, SUBMITTED, deliver
from xietong.notify.models import AppCard
from xietong.requests.tests.test_request_flow import at, new_request

COLOURS = {"blue": "#3370ff", "red": "#f54a45", "green": "#34c724"}


def render(card: dict) -> str:
    """The card JSON drawn the way Feishu lays it out (header, markdown, fields, note, buttons)."""
    parts = []
    for element in card["elements"]:
        if element["tag"] == "div" and "text" in element:
            parts.append(f'<p class="md">{html.escape(element["text"]["content"])}</p>')
        elif element["tag"] == "div":
            rows = [f["text"]["content"].replace("**", "") for f in element["fields"]]
            parts.append("".join(f'<p class="field">{html.escape(r)}</p>' for r in rows))
        elif element["tag"] == "note":
            parts.append(f'<p class="note">{html.escape(element["elements"][0]["content"])}</p>')
        elif element["tag"] == "action":
            buttons = "".join(
                f'<span class="btn {a["type"]}">{html.escape(a["text"]["content"])}</span>' for a in element["actions"]
            )
            parts.append(f'<div class="actions">{buttons}</div>')
    colour = COLOURS.get(card["header"]["template"], "#3370ff")
    title = html.escape(card["header"]["title"]["content"])
    return f"""<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>body{{margin:0;background:#f2f3f5;font:15px/1.5 "Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif}}
.chat{{padding:16px 12px}}.from{{color:#646a73;font-size:13px;margin:0 0 6px 4px}}
.card{{background:#fff;border-radius:10px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.08)}}
.head{{background:{colour};color:#fff;padding:12px 14px;font-weight:600}}.body{{padding:10px 14px 14px}}
.md{{margin:0 0 8px}}.field{{margin:2px 0;color:#1f2329}}.note{{color:#646a73;font-size:13px;margin:10px 0 0}}
.actions{{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}}
.btn{{border:1px solid #d0d3d6;border-radius:6px;padding:8px 12px;min-height:44px;box-sizing:border-box;
display:inline-flex;align-items:center}}.btn.primary{{background:#3370ff;color:#fff;border-color:#3370ff}}
.btn.danger{{color:#f54a45;border-color:#f54a45}}</style>
<div class="chat"><p class="from">协同 · 应用消息</p><div class="card"><div class="head">{title}</div>
<div class="body">{"".join(parts)}</div></div></div>"""


def shoot(browser, card: dict, name: str) -> Path:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_content(render(card))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the card scrolls sideways ({width} px)"
    path = screenshot(page, name)
    context.close()
    notes = Path("/work/notes/shots")
    if notes.is_dir():
        shutil.copy(path, notes / path.name)
    return path


def test_a_feishu_card_before_and_after_the_tap(company, feishu, settings, browser):
    settings.XIETONG_APP_MESSAGES = "feishu"
    lina = company.person("lina")
    lina.feishu_id = "ou_lina"
    lina.save(update_fields=["feishu_id"])
    feishu.add_user("ou_lina", "李娜", ["0"])
    new_request(company, when=SUBMITTED)
    deliver(SUBMITTED)
    [sent] = feishu.cards.values()
    before = shoot(browser, sent.content, "card_feishu_request_before")
    with time_machine.travel(at(PRESSED), tick=False):
        press = feishu.press(sent.key, {"card": AppCard.objects.get().key, "step": "acknowledge"}, "ou_lina")
        response = Client().post(
            "/items/cards/feishu/callback/", data=press.body, content_type=press.content_type, headers=press.headers
        )
    assert response.status_code == 200
    after = shoot(browser, sent.updates[-1], "card_feishu_request_after")
    assert before.exists() and after.exists()
