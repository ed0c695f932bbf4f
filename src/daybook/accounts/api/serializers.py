from rest_framework import serializers

from ..models import ApiToken
from ..services import MAX_TOKEN_DAYS


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it later: never the key, only its prefix."""

    state = serializers.CharField(
        read_only=True, help_text="active, expired or revoked (as of this answer)."
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "state",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        required=False,
        help_text="How many days the token works (default DAYBOOK_API_TOKEN_DAYS).",
    )


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    """A token just made, with its key: shown this once and never again."""

    token = serializers.CharField(help_text="The key. Keep it secret; it is not shown again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class SignInSerializer(serializers.Serializer):
    """Username and password, plus the current code where two-factor sign-in is on."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The 6-digit code from the authenticator app, for logins with two-factor on.",
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        help_text="What the token is for, to recognise it later (default 'API token').",
    )
