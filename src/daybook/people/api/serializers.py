from rest_framework import serializers

from ..models import Member, Team

COST_RATE_PERM = "timekeeping.view_all_entries"


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class MemberSerializer(serializers.ModelSerializer):
    """A member as others see them; the cost rate only for those who see every entry."""

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
        extra_kwargs = {
            "cost_rate": {
                "help_text": "What an hour of this member costs. Only shown to users who may "
                "see every member's entries."
            }
        }

    def to_representation(self, member: Member) -> dict:
        data = super().to_representation(member)
        request = self.context.get("request")
        if not (request and request.user.has_perm(COST_RATE_PERM)):
            data.pop("cost_rate", None)
        return data
