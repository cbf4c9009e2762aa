"""Every default time limit names the company document, the clause and the clause's words — and the words
are really there: each quotation occurs literally in the seed document (the copies in
clocks/seed_documents; 001 and 003 are stored in traditional characters with pinyin notes, and are compared
after removing the notes and mapping the traditional characters to simplified ones)."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from xietong.clocks import sources
from xietong.clocks.basis import basis_text
from xietong.clocks.defaults import default_rows
from xietong.clocks.models import ClockPolicy

SEEDS = Path(sources.__file__).parent / "seed_documents"
FILES = {
    sources.FLOW: "000_",
    sources.MULTI: "001_",
    sources.GUIDE: "002_",
    sources.PLATFORM: "003_",
    sources.MECHANISM: "004_",
}
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
_SIMPLIFIED = str.maketrans(
    "個內達報領導門協業標準溝項時饋優級為響應動負責會議紀後臺權與係統處發現問題當雙決書參數據組織評確認簽請"
    "關鍵節點預緩沖間階須啟務細",
    "个内达报领导门协业标准沟项时馈优级为响应动负责会议纪后台权与系统处发现问题当双决书参数据组织评确认签请"
    "关键节点预缓冲间阶须启务细",
)


def document(source: str) -> str:
    (path,) = SEEDS.glob(FILES[source] + "*.txt")
    return _PINYIN.sub("", path.read_text(encoding="utf-8")).translate(_SIMPLIFIED)


def test_the_seed_copies_are_the_shared_seeds_when_those_are_at_hand():
    found = [p / "shared" / "seeds" for p in Path(__file__).resolve().parents if (p / "shared" / "seeds").is_dir()]
    if not found:
        pytest.skip("no shared/seeds beside this checkout")
    shared = found[0]
    for path in SEEDS.glob("*.txt"):
        assert path.read_bytes() == (shared / path.name).read_bytes()


def test_every_default_limit_quotes_its_clause_word_for_word():
    rows = default_rows()
    assert len(rows) >= len(sources.SOURCES)
    for row in rows:
        key = (row["process"], row["priority"], row["kind"])
        assert row.get("source") in FILES, key
        assert row["clause"], key
        text = document(str(row["source"]))
        assert str(row["source"]) in text, key
        assert str(row["clause_text"]) in text, (key, row["clause_text"])


def test_every_other_clause_named_beside_it_is_quoted_word_for_word():
    quoted = 0
    for source in sources.SOURCES.values():
        for title, words in re.findall(r"《([^》]+)》[^「；]*「([^」]+)」", source.also):
            assert words in document(title), (title, words)
            quoted += 1
    assert quoted >= 8


@translation.override("zh-hans")
def test_where_two_documents_disagree_each_priority_follows_the_more_specific_clause_and_names_both(db):
    high = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    ordinary = ClockPolicy.objects.get(process="request", priority="*", kind="respond")
    assert (high.duration, high.mode, ordinary.duration, ordinary.mode) == ("2h", "working", "24h", "wall")
    assert high.basis() == (
        "依据：《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」；"
        "另见：《企业协作沟通标准化平台使用指南》五「优先级为“高”的事项,接收人需在2小时内响应」；"
        "超时升级依《企业协作沟通标准化平台使用指南》五「超时48小时自动升级至部门负责人」，自时限到期起算"
    )
    assert ordinary.basis().startswith(
        "依据：《企业协作沟通标准化平台使用指南》五「普通事项需在24小时内反馈」；"
        "另见：《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」（针对全部需求"
    )


@translation.override("zh-hans")
def test_the_basis_line_shows_what_is_known_and_nothing_when_nothing_is():
    assert basis_text("企业沟通与协作流程规范", "二（四）", "负责人需在1个工作日内启动整改并重新提交") == (
        "依据：《企业沟通与协作流程规范》二（四）「负责人需在1个工作日内启动整改并重新提交」"
    )
    assert basis_text("《内部沟通与协调工作机制》") == "依据：《内部沟通与协调工作机制》"
    assert basis_text("", "", "") == ""
