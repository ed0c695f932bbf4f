"""Finance's re-rate over the API: POST /api/rerate/ resolves the rates of unlocked entries
again for their work dates (services.entries_rerate), after a rate was set late."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.catalogue.models import WorkRole
from daybook.clients.models import Agreement
from daybook.core.api import DaybookViewSetMixin, IdField, WindowDateField, object_body
from daybook.people.models import Member

from ..services import MAX_RERATE_REASON, RerateResult, entries_rerate

# Finance and Admin: they change anyone's entries and see money.
RERATE_PERMS = ["timekeeping.manage_all_entries", "timekeeping.view_all_entries"]


class RerateInputSerializer(serializers.Serializer):
    start = WindowDateField(help_text="First work date (the member-local date of a start).")
    end = WindowDateField(help_text="Last work date, included.")
    reason = serializers.CharField(
        max_length=MAX_RERATE_REASON, help_text="Why; kept in each changed entry's history."
    )
    member = IdField(queryset=Member.objects.all(), required=False, allow_null=True)
    agreement = IdField(queryset=Agreement.objects.all(), required=False, allow_null=True)
    work_role = IdField(
        queryset=WorkRole.objects.all(), required=False, allow_null=True, label_text="work role"
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Answer what would change; save nothing."
    )


class RerateChangeSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    member = serializers.CharField()
    work_date = serializers.DateField()
    billable_before = serializers.CharField()
    billable_after = serializers.CharField()
    bill_rate_before = serializers.DecimalField(max_digits=10, decimal_places=2)
    bill_rate_after = serializers.DecimalField(max_digits=10, decimal_places=2)
    cost_rate_before = serializers.DecimalField(max_digits=10, decimal_places=2)
    cost_rate_after = serializers.DecimalField(max_digits=10, decimal_places=2)


class RerateResultSerializer(serializers.Serializer):
    changed = RerateChangeSerializer(many=True)
    unchanged = serializers.IntegerField(help_text="Entries whose rates were already right.")
    locked = serializers.IntegerField(
        help_text="Approved, billed or closed-period entries, left alone."
    )
    dry_run = serializers.BooleanField()


class RerateViewSet(DaybookViewSetMixin, viewsets.ViewSet):
    """Re-rate unlocked entries on purpose (Finance and Admin)."""

    permissions_by_action = {"create": RERATE_PERMS}

    @extend_schema(request=RerateInputSerializer, responses={200: RerateResultSerializer})
    def create(self, request: Request) -> Response:
        """Resolve the bill and cost rates of unlocked entries in a range of work dates
        again, optionally for one member, agreement or work role. Approved, billed and
        closed-period entries are left alone; each changed entry's history keeps the reason."""
        by = self.member
        given = RerateInputSerializer(data=object_body(request))
        given.is_valid(raise_exception=True)
        result: RerateResult = entries_rerate(by=by, **given.validated_data)
        return Response(RerateResultSerializer(result).data, status=status.HTTP_200_OK)
