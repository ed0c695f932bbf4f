"""LongSelect writes the options itself: the same select as Django's, faster."""

import re

import django_filters
import pytest
from django import forms

from daybook.clients.models import Company
from daybook.core.widgets import LongSelect
from tests.factories import CompanyFactory

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


@pytest.mark.django_db
def test_with_a_label_column_model_choices_render_as_django_renders_them_in_one_query(
    django_assert_num_queries,
):
    for name in ("Zeta Logistics", 'Smith & <Sons> "Plumbing"', "Acme Dental"):
        CompanyFactory(name=name)
    smith = Company.objects.get(name__startswith="Smith")
    for empty_label, required in (("All companies", False), ("---------", True)):
        field = forms.ModelChoiceField(
            queryset=Company.objects.order_by("name"), empty_label=empty_label, required=required
        )
        for value in ("", smith.pk, None, 999_999):
            field.widget = forms.Select(attrs={"class": "form-select"})
            field.widget.choices = field.choices
            django = field.widget.render("company", value)
            field.widget = LongSelect(attrs={"class": "form-select"}, label="name")
            field.widget.choices = field.choices
            with django_assert_num_queries(1):
                ours = field.widget.render("company", value)
            assert tags(ours) == tags(django)
            picked = f'<option value="{smith.pk}" selected>Smith &amp; &lt;Sons&gt;'
            assert (picked in ours) == (value == smith.pk)


def test_a_label_column_changes_nothing_for_plain_choices():
    plain = LongSelect(choices=CHOICES, label="name").render("company", 4)
    assert tags(plain) == tags(forms.Select(choices=CHOICES).render("company", 4))


@pytest.mark.django_db
def test_with_a_label_column_options_carry_the_field_s_own_key():
    CompanyFactory(name="Acme Dental")
    field = forms.ModelChoiceField(queryset=Company.objects.all(), to_field_name="name")
    field.widget = forms.Select()
    field.widget.choices = field.choices
    django = field.widget.render("company", "Acme Dental")
    field.widget = LongSelect(label="name")
    field.widget.choices = field.choices
    ours = field.widget.render("company", "Acme Dental")
    assert tags(ours) == tags(django)
    assert '<option value="Acme Dental" selected>Acme Dental</option>' in ours


@pytest.mark.django_db
def test_with_a_label_column_a_filter_s_none_choice_stays():
    CompanyFactory(name="Acme Dental")
    company = django_filters.ModelChoiceFilter(
        queryset=Company.objects.all(), null_label="No company"
    )

    def rendered(widget) -> str:
        field = company.field
        field.widget = widget
        field.widget.choices = field.choices
        return tags(field.widget.render("company", "null"))

    ours = rendered(LongSelect(label="name"))
    assert ours == rendered(forms.Select())
    assert '<option value="null" selected>No company</option>' in ours


@pytest.mark.django_db
def test_with_a_group_column_options_gather_under_each_run_of_it(django_assert_num_queries):
    for name, zone in (
        ("Acme Dental", "Europe/London"),
        ("Bolt & <Co>", "Europe/London"),
        ("Cobalt", "Europe/Paris"),
    ):
        CompanyFactory(name=name, time_zone=zone)
    acme, bolt, cobalt = Company.objects.order_by("name")
    field = forms.ModelChoiceField(
        queryset=Company.objects.order_by("time_zone", "name"), empty_label="Any", required=False
    )
    field.widget = LongSelect(label="name", group="time_zone")
    field.widget.choices = field.choices
    with django_assert_num_queries(1):
        ours = field.widget.render("company", bolt.pk)
    # What Django's select writes for the same choices given as groups.
    grouped = [
        ("", "Any"),
        ("Europe/London", [(acme.pk, "Acme Dental"), (bolt.pk, "Bolt & <Co>")]),
        ("Europe/Paris", [(cobalt.pk, "Cobalt")]),
    ]
    assert tags(ours) == tags(forms.Select(choices=grouped).render("company", bolt.pk))
    assert f'<option value="{bolt.pk}" selected>Bolt &amp; &lt;Co&gt;</option>' in ours
