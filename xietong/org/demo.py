"""Demo organisation: a realistic Chinese company (星辰智能科技) for `./run.sh` and for tests.

Idempotent: running it again updates the same rows (matched by code / username) and creates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from xietong.org.models import Department, Person, Project, ProjectMembership

DEMO_PASSWORD = "xietong2026"
EMAIL_DOMAIN = "xingchen.example.com"

# code, name, parent code, coordinating office?
DEPARTMENTS: list[tuple[str, str, str | None, bool]] = [
    ("company", "星辰智能科技有限公司", None, False),
    ("gmo", "总经理办公室", "company", False),
    ("admin", "综合管理部", "company", True),
    ("hr", "人力资源部", "company", False),
    ("finance", "财务部", "company", False),
    ("rd", "研发中心", "company", False),
    ("rd-software", "软件开发部", "rd", False),
    ("rd-hardware", "硬件研发部", "rd", False),
    ("rd-qa", "测试部", "rd", False),
    ("product", "产品部", "company", False),
    ("marketing", "市场部", "company", False),
    ("sales", "销售部", "company", False),
    ("service", "客户服务部", "company", False),
    ("production", "生产部", "company", False),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    name: str
    department: str
    title: str
    heads: str | None = None  # department code this person heads
    general_manager: bool = False
    coordinator: bool = False
    admin: bool = False


PEOPLE: list[DemoPerson] = [
    DemoPerson("chenzhiqiang", "陈志强", "gmo", "总经理", general_manager=True),
    DemoPerson("wangjianguo", "王建国", "gmo", "副总经理（分管研发、产品、生产）"),
    DemoPerson("lixiuying", "李秀英", "gmo", "副总经理（分管市场、销售、客服）"),
    DemoPerson("zhaomin", "赵敏", "gmo", "总经理助理", heads="gmo"),
    DemoPerson("liufang", "刘芳", "admin", "综合管理部经理", heads="admin", coordinator=True),
    DemoPerson("sunli", "孙丽", "admin", "流程管理专员", coordinator=True),
    DemoPerson("zhoujie", "周杰", "admin", "行政主管"),
    DemoPerson("admin", "系统管理员", "admin", "系统管理员", admin=True),
    DemoPerson("wuting", "吴婷", "hr", "人力资源部经理", heads="hr"),
    DemoPerson("zhenghao", "郑浩", "hr", "招聘专员"),
    DemoPerson("fengjing", "冯静", "finance", "财务部经理", heads="finance"),
    DemoPerson("heyang", "何洋", "finance", "会计"),
    DemoPerson("zhangwei", "张伟", "rd", "研发总监", heads="rd"),
    DemoPerson("lina", "李娜", "rd-software", "软件开发部经理", heads="rd-software"),
    DemoPerson("wangqiang", "王强", "rd-software", "高级软件工程师"),
    DemoPerson("liuyang", "刘洋", "rd-software", "前端工程师"),
    DemoPerson("chenjing", "陈静", "rd-software", "后端工程师"),
    DemoPerson("yangfan", "杨帆", "rd-software", "软件工程师"),
    DemoPerson("zhaolei", "赵磊", "rd-hardware", "硬件研发部经理", heads="rd-hardware"),
    DemoPerson("huangmin", "黄敏", "rd-hardware", "硬件工程师"),
    DemoPerson("xuming", "徐明", "rd-hardware", "结构工程师"),
    DemoPerson("sunyu", "孙宇", "rd-qa", "测试部经理", heads="rd-qa"),
    DemoPerson("maxiaoyan", "马晓燕", "rd-qa", "测试工程师"),
    DemoPerson("zhuhong", "朱红", "rd-qa", "测试工程师"),
    DemoPerson("hujun", "胡军", "product", "产品总监", heads="product"),
    DemoPerson("guoxin", "郭鑫", "product", "产品经理"),
    DemoPerson("linxue", "林雪", "product", "产品经理"),
    DemoPerson("heli", "何丽", "product", "交互设计师"),
    DemoPerson("gaofeng", "高峰", "marketing", "市场部经理", heads="marketing"),
    DemoPerson("luoqian", "罗倩", "marketing", "市场专员"),
    DemoPerson("liangyu", "梁宇", "marketing", "品牌专员"),
    DemoPerson("songtao", "宋涛", "sales", "销售部经理", heads="sales"),
    DemoPerson("tangwen", "唐雯", "sales", "大客户经理"),
    DemoPerson("hanlei", "韩磊", "sales", "销售代表"),
    DemoPerson("dengli", "邓丽", "service", "客户服务部主管", heads="service"),
    DemoPerson("caojing", "曹静", "service", "客服专员"),
    DemoPerson("pengbo", "彭博", "service", "客服专员"),
    DemoPerson("xieqiang", "谢强", "production", "生产部经理", heads="production"),
    DemoPerson("yuhai", "于海", "production", "生产计划员"),
    DemoPerson("dongmei", "董梅", "production", "质检员"),
]

# department code → division leader username (分管领导). 综合管理部、人力资源部、财务部 report to the GM directly.
DIVISION_LEADERS = {
    "rd": "wangjianguo",
    "product": "wangjianguo",
    "production": "wangjianguo",
    "marketing": "lixiuying",
    "sales": "lixiuying",
    "service": "lixiuying",
}

# code, name, department, lead, members, description
PROJECTS: list[tuple[str, str, str, str, list[str], str]] = [
    (
        "smartwatch",
        "智能手表项目",
        "product",
        "guoxin",
        ["lina", "wangqiang", "zhaolei", "huangmin", "sunyu", "maxiaoyan", "luoqian", "xieqiang", "heli"],
        "新一代智能手表：硬件方案评审、续航优化、量产可行性评估，市场部提供用户调研数据。",
    ),
    (
        "q4-iteration",
        "2026年Q4产品迭代",
        "rd-software",
        "lina",
        ["liuyang", "chenjing", "yangfan", "linxue", "zhuhong", "heli"],
        "App 与管理后台的第四季度迭代：需求评审、开发、测试与上线。",
    ),
    (
        "service-response",
        "售后服务响应流程优化",
        "service",
        "dengli",
        ["caojing", "pengbo", "chenjing", "tangwen", "sunli", "linxue"],
        "因客户投诉率上升，将客户投诉响应时间从 48 小时缩短至 24 小时：工单自动分类、跨部门快速响应群组。",
    ),
]


def _phone(index: int) -> str:
    return f"138{index:04d}{(index * 7919) % 10000:04d}"


@transaction.atomic
def seed_demo_org() -> dict[str, int]:
    """Create or update the demo company. Returns counts of what exists afterwards."""
    departments: dict[str, Department] = {}
    for order, (code, name, parent, coordinating) in enumerate(DEPARTMENTS):
        dept, _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": departments.get(parent) if parent else None,
                "is_coordinating_office": coordinating,
                "sort_order": order * 10,
            },
        )
        departments[code] = dept

    people: dict[str, Person] = {}
    # One hash for every new demo account: hashing 40 times would take most of a minute.
    demo_password_hash = make_password(DEMO_PASSWORD)
    for index, spec in enumerate(PEOPLE, start=1):
        person = Person.objects.filter(username=spec.username).first()
        created = person is None
        if person is None:
            person = Person(username=spec.username)
        person.name = spec.name
        person.department = departments[spec.department]
        person.title = spec.title
        person.email = f"{spec.username}@{EMAIL_DOMAIN}"
        person.phone = person.phone or _phone(index)
        person.is_general_manager = spec.general_manager
        person.is_coordinator = spec.coordinator
        person.is_staff = spec.admin
        person.is_superuser = spec.admin
        if created:
            person.password = demo_password_hash
        person.save()
        people[spec.username] = person

    for spec in PEOPLE:
        if spec.heads:
            Department.objects.filter(code=spec.heads).update(head=people[spec.username])
    for code, leader in DIVISION_LEADERS.items():
        Department.objects.filter(code=code).update(division_leader=people[leader])

    for code, name, dept_code, lead, members, description in PROJECTS:
        project, _ = Project.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "department": departments[dept_code],
                "lead": people[lead],
                "description": description,
            },
        )
        ProjectMembership.objects.update_or_create(
            project=project, person=people[lead], defaults={"role": ProjectMembership.Role.LEAD}
        )
        for username in members:
            ProjectMembership.objects.get_or_create(project=project, person=people[username])

    return {
        "departments": Department.objects.count(),
        "people": Person.objects.count(),
        "projects": Project.objects.count(),
    }
