"""{% sso_buttons %}: a "Sign in with …" button for each single sign-on provider set up."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..oidc import providers

register = template.Library()


@register.inclusion_tag("accounts/_sso_buttons.html")
def sso_buttons(next_url: str = "") -> dict:
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    buttons = [
        (provider.label, reverse("accounts:sso_start", kwargs={"provider": provider.name}) + query)
        for provider in providers()
    ]
    return {"buttons": buttons}
