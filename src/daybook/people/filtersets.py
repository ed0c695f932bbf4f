import django_filters

from .models import Member, Team


class MemberFilterSet(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())

    class Meta:
        model = Member
        fields = ["team"]
