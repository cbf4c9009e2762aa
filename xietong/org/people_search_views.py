"""/org/people/search/: the people pickers' server search (static/js/people-picker.js with data-search-url)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from xietong.core.http import AuthedRequest
from xietong.org.people_search import people_search


@require_GET
def people_search_json(request: AuthedRequest) -> JsonResponse:
    """?q= a name, its pinyin or initials, a username or a department: the people the asker may see
    (&among=everyone: every active person, for handing an approval over or adding an approver)."""
    among = "everyone" if request.GET.get("among") == "everyone" else "visible"
    return JsonResponse({"people": people_search(request.user, request.GET.get("q", "")[:40], among=among)})
