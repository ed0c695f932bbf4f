"""LongSelect writes the options itself: the same select as Django's, faster."""

import re

from django import forms

from daybook.core.widgets import LongSelect

CHOICES = [
    ("", "All companies"),
    (1, "Acme Dental"),
    (2, 'Smith & <Sons> "Plumbing"'),
    ("Closed", [(3, "Globex"), (4, "Initech")]),
]


def tags(html: str) -> str:
    """The markup without the whitespace between tags, which browsers ignore."""
    return re.sub(r">\s+<", "><", html).strip()


def test_it_renders_what_django_s_select_renders_escaped_grouped_and_selected():
    attrs = {"class": "form-select", "id": "id_company"}
    for value in ("", 2, 4, None):
        ours = LongSelect(attrs=attrs, choices=CHOICES).render("company", value)
        django = forms.Select(attrs=attrs, choices=CHOICES).render("company", value)
        assert tags(ours) == tags(django)
    chosen = LongSelect(choices=CHOICES).render("company", 2)
    assert (
        '<option value="2" selected>Smith &amp; &lt;Sons&gt; &quot;Plumbing&quot;</option>'
        in chosen
    )
    assert '<optgroup label="Closed"><option value="3">Globex</option>' in chosen
