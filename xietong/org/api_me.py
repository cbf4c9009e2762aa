"""/api/me: who am I, with my roles."""

from __future__ import annotations

from ninja import Router, Schema

from xietong.core.api_errors import responses
from xietong.core.http import AuthedRequest
from xietong.org.roles import roles_of

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    department_id: int | None
    title: str
    roles: list[str]


@router.get("/me", response=responses(MeOut), summary="当前用户")
def me(request: AuthedRequest) -> MeOut:
    person = request.user
    return MeOut(
        id=int(person.pk),
        username=person.username,
        name=person.display_name,
        department_id=person.department_id,
        title=person.title,
        roles=[str(role.value) for role in roles_of(person)],
    )
