from django import template

register = template.Library()


@register.filter
def label_lower(obj) -> str:
    """ "requests.request" for a Request: how item URLs name the type of their subject."""
    return obj._meta.label_lower
