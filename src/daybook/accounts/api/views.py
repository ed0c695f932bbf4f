"""API tokens through the API: the sign-in endpoint that issues one for a username and
password, and each login's own list of tokens to create and revoke."""

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import ActionPermissions, ServiceErrorsMixin

from ..models import ApiToken
from ..selectors import role_requires_two_factor, tokens_of, totp_device_of
from ..services import token_create, token_revoke, totp_verify
from ..throttle import lockout_response
from .serializers import (
    ApiTokenCreateSerializer,
    ApiTokenIssuedSerializer,
    ApiTokenSerializer,
    SignInSerializer,
)

WRONG_CREDENTIALS = "That username and password did not match."
CODE_NEEDED = (
    "This login signs in with two-factor: send the current code from the authenticator app "
    "as 'code' with the username and password."
)
ENROL_FIRST = (
    "Your role requires two-factor sign-in. Set it up at /accounts/two-factor/ first, then "
    "send the code with your username and password."
)


def _issued(token: ApiToken, key: str) -> dict:
    return {"token": key, **ApiTokenSerializer(token).data}


class TokenSignInView(ServiceErrorsMixin, GenericAPIView):
    """For scripts: a new API token for a username and password (and code, with two-factor).

    Failed tries count toward the same sign-in pause as the sign-in page's. The key is in
    this answer only; the token is listed, without it, under /api/tokens/.
    """

    permission_classes = [AllowAny]
    # The credentials are in the body; a browser session plays no part (and needs no CSRF).
    authentication_classes = []
    serializer_class = SignInSerializer

    @extend_schema(
        operation_id="auth_token_create",
        request=SignInSerializer,
        responses={
            200: ApiTokenIssuedSerializer,
            400: OpenApiResponse(description="Wrong username or password, or a wrong code."),
            403: OpenApiResponse(description="The role requires two-factor, not yet set up."),
            429: OpenApiResponse(description="Too many failed tries: signing in is paused."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # django-axes reads and marks the Django request, not DRF's wrapper around it.
        http_request = request._request
        user = authenticate(http_request, username=data["username"], password=data["password"])
        if getattr(http_request, "axes_locked_out", False):
            return lockout_response(http_request, None, {"username": data["username"]})
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": [WRONG_CREDENTIALS]})
        if totp_device_of(user=user) is not None:
            if not data.get("code"):
                raise exceptions.ValidationError({"code": [CODE_NEEDED]})
            totp_verify(user=user, code=data["code"])
        elif role_requires_two_factor(user=user):
            raise exceptions.PermissionDenied(ENROL_FIRST)
        token, key = token_create(user=user, name=data.get("name") or "API token")
        return Response(_issued(token, key))


class ApiTokenViewSet(
    ServiceErrorsMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API tokens. Creating one shows its key once; deleting one revokes it (it stays
    listed as revoked)."""

    # Every signed-in login manages its own tokens, with or without a member profile, so no
    # member is required for writes; the queryset keeps each login to its own tokens.
    permission_classes = [ActionPermissions]
    permissions_by_action = {"list": [], "create": [], "destroy": []}
    serializer_class = ApiTokenSerializer
    ordering_fields = ["created_at", "expires_at", "last_used_at"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return tokens_of(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenIssuedSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A token made with a token expires no later than the one that made it.
        not_after = request.auth.expires_at if isinstance(request.auth, ApiToken) else None
        token, key = token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            days=serializer.validated_data.get("days"),
            not_after=not_after,
        )
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
