import django_filters

from daybook.core.time import validate_date_window

from .choices import AgreementType
from .models import Agreement, Company


class CompanyFilterSet(django_filters.FilterSet):
    class Meta:
        model = Company
        fields = ["is_active"]


class AgreementFilterSet(django_filters.FilterSet):
    company = django_filters.ModelChoiceFilter(queryset=Company.objects.all())
    type = django_filters.ChoiceFilter(choices=AgreementType.choices)
    active_on = django_filters.DateFilter(
        method="filter_active_on",
        label="Active on this date (YYYY-MM-DD)",
        validators=[validate_date_window],
    )

    class Meta:
        model = Agreement
        fields = ["company", "type", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value).exclude(end_date__lt=value)
