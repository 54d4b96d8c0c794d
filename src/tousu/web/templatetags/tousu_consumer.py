"""Tags of the consumer include ``web/consumer/_actions.html``, usable on any complaint page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.urls import reverse

from tousu.complaints.models import Complaint

from ..forms import ACTION_FORMS, action_form, allowed_consumer_actions

register = template.Library()


@dataclass(frozen=True)
class ActionView:
    name: str
    label: Any
    form: forms.Form
    url: str
    open: bool


@register.simple_tag(takes_context=True)
def consumer_actions(context: template.Context, complaint: Complaint) -> list[ActionView]:
    """The actions the visitor may take on ``complaint`` now (none unless it is theirs).

    A form that failed (``failed_action``/``failed_form`` in the context) comes back with what
    was typed and its errors.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    failed = context.get("failed_action")
    failed_form = context.get("failed_form")
    views = []
    for name in allowed_consumer_actions(user, complaint):
        form = failed_form if name == failed and failed_form is not None else None
        views.append(
            ActionView(
                name=name,
                label=ACTION_FORMS[name][1],
                form=form or action_form(name, complaint=complaint),
                url=reverse("web:complaint_action", args=[complaint.public_number, name]),
                open=name == failed or name == "confirm",
            )
        )
    return views
