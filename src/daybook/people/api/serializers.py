from rest_framework import serializers

from daybook.core.api import MoneyFieldsMixin

from ..models import Member, Team


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class MemberSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    """A member as others see them; the cost rate only for those who may see money."""

    money_fields = ("cost_rate",)

    name = serializers.CharField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "username",
            "team",
            "time_zone",
            "expected_hours_per_day",
            "default_work_role",
            "cost_rate",
        ]
        read_only_fields = fields
        extra_kwargs = {"cost_rate": {"help_text": "What an hour of this member costs."}}
