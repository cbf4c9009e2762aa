from xietong.feedback.models import FeedbackInvitation


def request_feedback_panel(request, item) -> dict | None:
    invitations = list(FeedbackInvitation.objects.filter(request=item).select_related("person"))
    if not invitations:
        return None
    mine = next((i for i in invitations if i.person_id == request.user.pk and i.state == "pending"), None)
    return {
        "item": item,
        "invitations": invitations,
        "mine": mine,
        "answered": sum(1 for i in invitations if i.state == "answered"),
    }
