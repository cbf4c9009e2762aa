"""我的工作台 reads each section's entries in one query, however many entries a person has: the sections
fetch only the fields an entry shows, so reading one (a state label, a due time) never costs a query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from xietong.core.memo import memo_scope
from xietong.core.permissions import reach_of
from xietong.core.workbench import _providers
from xietong.org.models import Person
from xietong.org.tree import DepartmentTree

ONE_QUERY = ("requests", "meetings", "problems", "notices", "tasks")


def test_each_listed_section_is_one_query_for_every_demo_person(db, seeded_demo):
    seeded_demo()
    entries = dict.fromkeys(ONE_QUERY, 0)
    for person in Person.objects.filter(is_active=True).order_by("pk"):
        with memo_scope():
            DepartmentTree.load()  # read once per page by the permission filter
            reach_of(person)
            for key in ONE_QUERY:
                with CaptureQueriesContext(connection) as captured:
                    section = _providers[key].build(person)
                    texts = [(e.title, e.url, e.meta, e.tone) for e in section.entries]
                assert len(captured.captured_queries) == 1, (person.username, key, texts)
                entries[key] += len(texts)
    # The demo gives these sections entries, so the count above was taken with rows to show.
    assert all(entries.values()), entries
