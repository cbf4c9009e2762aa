from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection, register_section
from xietong.org.selectors import project_list


def my_projects(person) -> WorkbenchSection:
    projects = project_list(person).filter(members=person)[:10]
    return WorkbenchSection(
        key="projects",
        title=_("我的项目"),
        entries=[
            WorkbenchEntry(
                p.name, reverse("project-detail", args=[p.pk]), f"{p.department.name} · {p.lead.display_name}"
            )
            for p in projects
        ],
        empty_text=_("您还没有参与任何项目。"),
        more_url=reverse("project-list"),
    )


register_section("projects", my_projects, order=900)
