"""The department tree as plain data: one query, then walks in memory (trees are small)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class DepartmentNode:
    id: int
    name: str
    parent_id: int | None
    head_id: int | None
    division_leader_id: int | None
    calendar_id: int | None = None
    children: list[DepartmentNode] = field(default_factory=list)


@dataclass
class DepartmentTree:
    nodes: dict[int, DepartmentNode]

    @classmethod
    def load(cls) -> DepartmentTree:
        from xietong.core.memo import memoized

        return memoized("department-tree", cls._load)

    @classmethod
    def _load(cls) -> DepartmentTree:
        from xietong.org.models import Department

        rows = Department.objects.order_by("sort_order", "name").values_list(
            "id", "name", "parent_id", "head_id", "division_leader_id", "calendar_id"
        )
        nodes = {row[0]: DepartmentNode(*row) for row in rows}
        for node in nodes.values():
            if node.parent_id in nodes:
                nodes[node.parent_id].children.append(node)
        return cls(nodes)

    @property
    def roots(self) -> list[DepartmentNode]:
        return [n for n in self.nodes.values() if n.parent_id not in self.nodes]

    def with_descendants(self, ids: Iterable[int]) -> set[int]:
        result: set[int] = set()
        stack = [self.nodes[i] for i in ids if i in self.nodes]
        while stack:
            node = stack.pop()
            if node.id in result:
                continue
            result.add(node.id)
            stack.extend(node.children)
        return result

    def ancestors(self, department_id: int) -> list[DepartmentNode]:
        """The department itself, then its parent, up to the root."""
        chain: list[DepartmentNode] = []
        seen: set[int] = set()
        current = self.nodes.get(department_id)
        while current is not None and current.id not in seen:
            chain.append(current)
            seen.add(current.id)
            current = self.nodes.get(current.parent_id) if current.parent_id is not None else None
        return chain

    def led_by(self, person_id: int) -> set[int]:
        """Departments a person heads or leads as division leader, with everything below them."""
        direct = [n.id for n in self.nodes.values() if person_id in (n.head_id, n.division_leader_id)]
        return self.with_descendants(direct)

    def path_names(self, department_id: int) -> list[str]:
        return [n.name for n in reversed(self.ancestors(department_id))]


def group_by_parent(nodes: Iterable[DepartmentNode]) -> dict[int | None, list[DepartmentNode]]:
    grouped: dict[int | None, list[DepartmentNode]] = defaultdict(list)
    for node in nodes:
        grouped[node.parent_id].append(node)
    return grouped
