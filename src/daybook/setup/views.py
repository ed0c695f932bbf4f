"""Setup pages: companies, contacts, agreements, members and their schedules, teams, work
roles and work types, in Daybook's own pages rather than the Django admin.

Who may use them: each area asks the model permissions that manage it (see
`selectors.AREAS`). Admins hold every permission. Finance holds the company and agreement
permissions (and sees money), so Finance sets up clients and their agreements, rates
included, but not members, teams or the catalogue. Technicians, managers and dispatchers are
refused (403). The writes all go through the services of the owning apps, which check the
same permissions again.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from daybook.catalogue import services as catalogue_services
from daybook.catalogue.models import RATES_SINCE, WorkRole, WorkType
from daybook.clients import services as client_services
from daybook.clients.models import Agreement, Company, Contact
from daybook.core.money import may_see_money
from daybook.core.time import local_date
from daybook.core.web import apply_errors, member_required
from daybook.people import services as people_services
from daybook.people.choices import Role
from daybook.people.forms import (
    MemberEditForm,
    MemberInviteForm,
    ScheduleFormSet,
    TeamForm,
    schedule_initial,
)
from daybook.people.models import Member, Team
from daybook.service import boards as board_services
from daybook.service.models import Board
from daybook.service.selectors import open_ticket_count

from .forms import (
    AgreementForm,
    BoardForm,
    CompanyForm,
    ContactForm,
    RoleRateFormSet,
    SearchForm,
    WorkRoleEditForm,
    WorkRoleForm,
    WorkTypeForm,
)
from .selectors import setup_areas, setup_checklist

PAGE_SIZE = 25


def _require(request: HttpRequest, *permissions: str, what: str) -> None:
    """Refuse (403) unless the user holds at least one of `permissions`."""
    if not any(request.user.has_perm(p) for p in permissions):
        raise PermissionDenied(f"Only an administrator can {what}.")


def _sorted(request: HttpRequest, rows: QuerySet, orders: dict[str, tuple[str, ...]]):
    """`rows` in the order ?sort= asks for, by the database. `orders` maps each offered sort
    key to its ordering (the first key is the default); "-key" reverses it. Anything else
    (an unknown or mistyped key) gives the default order: a list is never refused for it."""
    asked = request.GET.get("sort", "")
    key = asked.removeprefix("-")
    if key not in orders:
        return rows.order_by(*orders[next(iter(orders))]), ""
    ordering = orders[key]
    if asked.startswith("-"):
        ordering = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in ordering)
    return rows.order_by(*ordering), asked


def _paged(
    request: HttpRequest,
    rows: QuerySet,
    fields: list[str],
    orders: dict[str, tuple[str, ...]],
):
    """One page of `rows`, filtered by ?q= over `fields` (case-insensitive, contains) and
    sorted by ?sort= among `orders` (see `_sorted`)."""
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": query})
        rows = rows.filter(match)
    rows, sort = _sorted(request, rows, orders)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return search, query, page, sort


def _form_page(
    request: HttpRequest,
    form,
    *,
    save: Callable,
    template: str,
    context: dict,
    done: Callable[[object], tuple[str, str]],
) -> HttpResponse:
    """Show `form`; on a valid POST call `save(cleaned_data)`. A refusal from the service
    goes onto the form (400, nothing saved); success redirects with a message."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            message, url = done(saved)
            messages.success(request, message)
            return redirect(url)
    status = 400 if form.errors else 200
    return render(request, template, {**context, "form": form}, status=status)


# --- index -------------------------------------------------------------------------------------


@member_required
def index_view(request: HttpRequest) -> HttpResponse:
    areas = setup_areas(request.user)
    if not areas:
        raise PermissionDenied("Only an administrator can set up Daybook.")
    settings_pages = [
        (label, reverse(name))
        for label, name, perm in [
            ("Review settings", "review:settings", "timekeeping.change_reviewpolicy"),
            ("Holidays", "people:holidays", "people.view_holiday"),
            ("Notifications", "review:notifications", None),
        ]
        if perm is None or request.user.has_perm(perm)
    ]
    context = {
        "areas": areas,
        "checklist": setup_checklist() if request.user.has_perm("people.add_member") else [],
        "settings_pages": settings_pages,
    }
    return render(request, "setup/index.html", context)


# --- companies and contacts --------------------------------------------------------------------

COMPANY_PERMS = ("clients.add_company", "clients.change_company")
COMPANY_ORDERS = {
    "name": ("name", "pk"),
    "identifier": ("identifier", "pk"),
    "time_zone": ("time_zone", "name", "pk"),
    "agreements": ("agreement_count", "name", "pk"),
    "contacts": ("contact_count", "name", "pk"),
    "status": ("-is_active", "name", "pk"),
}
CONTACT_ORDERS = {
    "name": ("name", "pk"),
    "email": ("email", "name", "pk"),
    "phone": ("phone", "name", "pk"),
}


@member_required
def companies_view(request: HttpRequest) -> HttpResponse:
    _require(request, *COMPANY_PERMS, what="manage companies")
    rows = Company.objects.annotate(
        agreement_count=Count("agreements", distinct=True),
        contact_count=Count("contacts", distinct=True),
    )
    search, query, page, sort = _paged(request, rows, ["name", "identifier"], COMPANY_ORDERS)
    context = {
        "search": search,
        "query": query,
        "page": page,
        "sort": sort,
        "may_add": request.user.has_perm("clients.add_company"),
    }
    return render(request, "setup/companies.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def company_new_view(request: HttpRequest) -> HttpResponse:
    _require(request, "clients.add_company", what="add companies")
    form = CompanyForm(request.POST or None, initial={"time_zone": settings.TIME_ZONE})
    return _form_page(
        request,
        form,
        save=lambda data: client_services.company_create(by=request.member, **data),
        template="setup/form.html",
        context={"title": "New company", "back": reverse("setup:companies")},
        done=lambda company: (
            f"Added {company.name}. Next: its agreement.",
            reverse("setup:company", args=[company.pk]),
        ),
    )


@member_required
@require_http_methods(["GET", "POST"])
def company_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, *COMPANY_PERMS, what="manage companies")
    company = get_object_or_404(Company, pk=pk)
    initial = {
        "name": company.name,
        "identifier": company.identifier,
        "time_zone": company.time_zone,
        "is_active": company.is_active,
    }
    if request.method == "POST":
        _require(request, "clients.change_company", what="change companies")
    form = CompanyForm(request.POST or None, initial=initial)
    contacts, sort = _sorted(request, company.contacts.all(), CONTACT_ORDERS)
    contacts = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "company": company,
        "contacts": contacts,
        "sort": sort,
        "agreements": company.agreements.all(),
        "may_change": request.user.has_perm("clients.change_company"),
        "may_add_contact": request.user.has_perm("clients.add_contact"),
        "may_change_contact": request.user.has_perm("clients.change_contact"),
        "may_add_agreement": request.user.has_perm("clients.add_agreement"),
        "sees_money": may_see_money(request.user),
    }
    return _form_page(
        request,
        form,
        save=lambda data: client_services.company_update(
            by=request.member, company=company, **data
        ),
        template="setup/company.html",
        context=context,
        done=lambda saved: (f"Saved {saved.name}.", reverse("setup:company", args=[saved.pk])),
    )


@member_required
@require_http_methods(["GET", "POST"])
def contact_new_view(request: HttpRequest, company_pk: int) -> HttpResponse:
    _require(request, "clients.add_contact", what="add contacts")
    company = get_object_or_404(Company, pk=company_pk)
    form = ContactForm(request.POST or None)
    back = reverse("setup:company", args=[company.pk])
    return _form_page(
        request,
        form,
        save=lambda data: client_services.contact_create(
            by=request.member, company=company, **data
        ),
        template="setup/form.html",
        context={"title": f"New contact at {company.name}", "back": back},
        done=lambda contact: (f"Added {contact.name} at {company.name}.", back),
    )


@member_required
@require_http_methods(["GET", "POST"])
def contact_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "clients.change_contact", what="change contacts")
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    initial = {"name": contact.name, "email": contact.email, "phone": contact.phone}
    form = ContactForm(request.POST or None, initial=initial)
    back = reverse("setup:company", args=[contact.company_id])
    return _form_page(
        request,
        form,
        save=lambda data: client_services.contact_update(
            by=request.member, contact=contact, **data
        ),
        template="setup/form.html",
        context={"title": f"{contact.name} at {contact.company.name}", "back": back},
        done=lambda saved: (f"Saved {saved.name}.", back),
    )


# --- agreements --------------------------------------------------------------------------------

AGREEMENT_PERMS = ("clients.add_agreement", "clients.change_agreement")
AGREEMENT_ORDERS = {
    "company": ("company__name", "name", "pk"),
    "name": ("name", "company__name", "pk"),
    "type": ("type", "company__name", "name", "pk"),
    "start": ("start_date", "company__name", "pk"),
    "end": ("end_date", "company__name", "pk"),
    "monthly_fee": ("monthly_fee", "company__name", "pk"),
    "prepaid_amount": ("prepaid_amount", "company__name", "pk"),
    "estimate": ("estimated_hours", "company__name", "pk"),
}
AGREEMENT_FIELDS = [
    "name",
    "type",
    "start_date",
    "end_date",
    "monthly_fee",
    "prepaid_hours",
    "prepaid_amount",
    "hourly_rate",
    "estimated_hours",
    "covered_work_types",
]


@member_required
def agreements_view(request: HttpRequest) -> HttpResponse:
    _require(request, *AGREEMENT_PERMS, what="manage agreements")
    rows = Agreement.objects.select_related("company")
    orders = dict(AGREEMENT_ORDERS)
    if not may_see_money(request.user):
        # Nobody learns the order of amounts they may not see.
        del orders["monthly_fee"], orders["prepaid_amount"]
    search, query, page, sort = _paged(request, rows, ["name", "company__name"], orders)
    context = {
        "search": search,
        "query": query,
        "page": page,
        "sort": sort,
        "sees_money": may_see_money(request.user),
        "may_add": request.user.has_perm("clients.add_agreement"),
    }
    return render(request, "setup/agreements.html", context)


def _agreement_page(
    request: HttpRequest, agreement: Agreement | None, initial: dict, rate_initial: list[dict]
) -> HttpResponse:
    posted = request.method == "POST"
    form = AgreementForm(request.POST if posted else None, initial=initial)
    rates = RoleRateFormSet(request.POST if posted else None, initial=rate_initial, prefix="rates")
    if agreement is not None:
        form.fields["company"].disabled = True
    if posted and form.is_valid() & rates.is_valid():
        data = dict(form.cleaned_data)
        company = data.pop("company")
        role_rates = [client_services.RoleRate(*row) for row in rates.rates()]
        try:
            if agreement is None:
                saved = client_services.agreement_create(
                    by=request.member, company=company, role_rates=role_rates, **data
                )
            else:
                saved = client_services.agreement_update(
                    by=request.member, agreement=agreement, role_rates=role_rates, **data
                )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "role_rates" in error.error_dict:
                for message in error.message_dict["role_rates"]:
                    rates._non_form_errors.append(message)
                rest = {k: v for k, v in error.message_dict.items() if k != "role_rates"}
                if rest:
                    apply_errors(form, ValidationError(rest))
            else:
                apply_errors(form, error)
        else:
            messages.success(request, f"Saved the agreement {saved.name} with {saved.company}.")
            return redirect("setup:company", pk=saved.company_id)
    invalid = bool(form.errors) or bool(rates.total_error_count()) if posted else False
    context = {
        "agreement": agreement,
        "form": form,
        "rates": rates,
        "back": reverse("setup:company", args=[agreement.company_id])
        if agreement
        else reverse("setup:agreements"),
    }
    return render(request, "setup/agreement_form.html", context, status=400 if invalid else 200)


@member_required
@require_http_methods(["GET", "POST"])
def agreement_new_view(request: HttpRequest) -> HttpResponse:
    _require(request, "clients.add_agreement", what="add agreements")
    initial = {}
    company_id = request.GET.get("company", "")
    if company_id.isdigit():
        initial["company"] = Company.objects.filter(pk=int(company_id)).first()
    return _agreement_page(request, None, initial, [])


@member_required
@require_http_methods(["GET", "POST"])
def agreement_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "clients.change_agreement", what="change agreements")
    agreement = get_object_or_404(Agreement.objects.select_related("company"), pk=pk)
    initial = {field: getattr(agreement, field) for field in AGREEMENT_FIELDS}
    initial["covered_work_types"] = list(agreement.covered_work_types.all())
    initial["company"] = agreement.company
    rate_initial = [
        {
            "work_role": row.work_role,
            "rate": row.rate,
            "effective_from": None if row.effective_from == RATES_SINCE else row.effective_from,
        }
        for row in agreement.role_rates.select_related("work_role").order_by(
            "work_role__name", "effective_from"
        )
    ]
    return _agreement_page(request, agreement, initial, rate_initial)


# --- members and schedules ---------------------------------------------------------------------

MEMBER_PERMS = ("people.add_member", "people.change_member")
MEMBER_ORDERS = {
    "name": ("user__first_name", "user__last_name", "user__username", "pk"),
    "email": ("user__email", "pk"),
    "team": ("team__name", "user__first_name", "user__last_name", "pk"),
    "time_zone": ("time_zone", "user__first_name", "pk"),
    "start": ("start_date", "user__first_name", "pk"),
    "cost_rate": ("cost_rate", "user__first_name", "pk"),
    "schedule": ("block_count", "user__first_name", "pk"),
}


def _role_of(member: Member) -> str:
    names = {group.name for group in member.user.groups.all()}
    return next((role.label for role in Role if role.value in names), "—")


@member_required
def members_view(request: HttpRequest) -> HttpResponse:
    _require(request, *MEMBER_PERMS, what="manage members")
    rows = (
        Member.objects.select_related("user", "team")
        .prefetch_related("user__groups")
        .annotate(block_count=Count("schedule", distinct=True))
    )
    orders = dict(MEMBER_ORDERS)
    if not may_see_money(request.user):
        del orders["cost_rate"]
    search, query, page, sort = _paged(
        request,
        rows,
        ["user__username", "user__first_name", "user__last_name", "user__email", "team__name"],
        orders,
    )
    for member in page:
        member.role_label = _role_of(member)
        member.invited = not member.user.has_usable_password() and member.user.last_login is None
    context = {
        "search": search,
        "query": query,
        "page": page,
        "sort": sort,
        "sees_money": may_see_money(request.user),
        "may_add": request.user.has_perm("people.add_member"),
    }
    return render(request, "setup/members.html", context)


def _member_data(data: dict) -> dict:
    data = dict(data)
    if data.get("cost_rate") is None:
        data.pop("cost_rate", None)
    return data


@member_required
@require_http_methods(["GET", "POST"])
def member_invite_view(request: HttpRequest) -> HttpResponse:
    _require(request, "people.add_member", what="invite members")
    form = MemberInviteForm(request.POST or None, initial={"time_zone": settings.TIME_ZONE})
    if not may_see_money(request.user):
        del form.fields["cost_rate"], form.fields["cost_rate_from"]
    return _form_page(
        request,
        form,
        save=lambda data: people_services.member_invite(by=request.member, **_member_data(data)),
        template="setup/member_form.html",
        context={"title": "Invite a member", "back": reverse("setup:members")},
        done=lambda member: (
            f"Invited {member.name}: the mail to {member.user.email} has a link to choose a "
            "password. Next: their working schedule.",
            reverse("setup:member_schedule", args=[member.pk]),
        ),
    )


@member_required
@require_http_methods(["GET", "POST"])
def member_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "people.change_member", what="change members")
    member = get_object_or_404(Member.objects.select_related("user", "team"), pk=pk)
    user = member.user
    initial = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": people_services.member_role(member),
        "team": member.team,
        "reviewed_teams": list(member.reviewed_teams.all()),
        "time_zone": member.time_zone,
        "start_date": member.start_date,
        "end_date": member.end_date,
        "expected_hours_per_day": member.expected_hours_per_day,
        "default_work_role": member.default_work_role,
        "cost_rate": member.cost_rate,
        "cost_rate_from": local_date(timezone.now(), request.member.zone),
    }
    form = MemberEditForm(request.POST or None, initial=initial)
    if not may_see_money(request.user):
        del form.fields["cost_rate"], form.fields["cost_rate_from"]

    def save(data: dict) -> Member:
        data = _member_data(data)
        if data.get("start_date") is None:
            data["start_date"] = member.start_date
        return people_services.member_update(by=request.member, member=member, **data)

    return _form_page(
        request,
        form,
        save=save,
        template="setup/member_form.html",
        context={
            "title": member.name,
            "member": member,
            "back": reverse("setup:members"),
            "invited": not user.has_usable_password() and user.last_login is None,
        },
        done=lambda saved: (f"Saved {saved.name}.", reverse("setup:members")),
    )


@member_required
@require_POST
def member_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "people.add_member", what="invite members")
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk)
    try:
        people_services.member_invitation_send(member=member, by=request.member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sent {member.name} a new invitation.")
    return redirect("setup:member", pk=member.pk)


@member_required
@require_http_methods(["GET", "POST"])
def member_schedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "people.change_member", what="change members' schedules")
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk)
    current = [(b.weekday, b.start, b.end) for b in member.schedule.order_by("weekday", "start")]
    error = None
    if request.method == "POST":
        formset = ScheduleFormSet(request.POST, prefix="blocks")
        if formset.is_valid():
            add = request.POST.get("add", "")
            if add.isdigit() and 0 <= int(add) <= 6:
                # Another empty window on that day, without saving: nothing needs JavaScript.
                formset = ScheduleFormSet(
                    initial=schedule_initial(formset.blocks(), add_to=int(add)), prefix="blocks"
                )
            else:
                try:
                    people_services.member_schedule_set(
                        by=request.member, member=member, blocks=formset.blocks()
                    )
                except ValidationError as refusal:
                    error = refusal.messages
                else:
                    messages.success(request, f"Saved {member.name}'s weekly schedule.")
                    return redirect("setup:members")
    else:
        formset = ScheduleFormSet(initial=schedule_initial(current), prefix="blocks")
    invalid = bool(error) or (formset.is_bound and not formset.is_valid())
    context = {
        "member": member,
        "formset": formset,
        "error": error,
        "current": current,
        "back": reverse("setup:members"),
    }
    return render(request, "setup/schedule.html", context, status=400 if invalid else 200)


# --- teams -------------------------------------------------------------------------------------

TEAM_PERMS = ("people.add_team", "people.change_team")


@member_required
def teams_view(request: HttpRequest) -> HttpResponse:
    _require(request, *TEAM_PERMS, what="manage teams")
    teams = Team.objects.annotate(member_count=Count("members", distinct=True)).prefetch_related(
        "reviewers__user"
    )
    context = {"teams": teams, "may_add": request.user.has_perm("people.add_team")}
    return render(request, "setup/teams.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def team_new_view(request: HttpRequest) -> HttpResponse:
    _require(request, "people.add_team", what="add teams")
    form = TeamForm(request.POST or None)
    return _form_page(
        request,
        form,
        save=lambda data: people_services.team_create(by=request.member, **data),
        template="setup/form.html",
        context={"title": "New team", "back": reverse("setup:teams")},
        done=lambda team: (f"Added the team {team.name}.", reverse("setup:teams")),
    )


@member_required
@require_http_methods(["GET", "POST"])
def team_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "people.change_team", what="change teams")
    team = get_object_or_404(Team, pk=pk)
    initial = {"name": team.name, "reviewers": list(team.reviewers.all())}
    form = TeamForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        save=lambda data: people_services.team_update(by=request.member, team=team, **data),
        template="setup/form.html",
        context={"title": team.name, "back": reverse("setup:teams")},
        done=lambda saved: (f"Saved the team {saved.name}.", reverse("setup:teams")),
    )


# --- work roles and work types -----------------------------------------------------------------

ROLE_PERMS = ("catalogue.add_workrole", "catalogue.change_workrole")
TYPE_PERMS = ("catalogue.add_worktype", "catalogue.change_worktype")


@member_required
def work_roles_view(request: HttpRequest) -> HttpResponse:
    _require(request, *ROLE_PERMS, what="manage work roles")
    context = {
        "roles": WorkRole.objects.order_by("name"),
        "sees_money": may_see_money(request.user),
        "may_add": request.user.has_perm("catalogue.add_workrole"),
    }
    return render(request, "setup/work_roles.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def work_role_new_view(request: HttpRequest) -> HttpResponse:
    _require(request, "catalogue.add_workrole", what="add work roles")
    form = WorkRoleForm(request.POST or None)
    return _form_page(
        request,
        form,
        save=lambda data: catalogue_services.work_role_create(by=request.member, **data),
        template="setup/form.html",
        context={"title": "New work role", "back": reverse("setup:work_roles")},
        done=lambda role: (f"Added the work role {role.name}.", reverse("setup:work_roles")),
    )


@member_required
@require_http_methods(["GET", "POST"])
def work_role_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "catalogue.change_workrole", what="change work roles")
    role = get_object_or_404(WorkRole, pk=pk)
    today = local_date(timezone.now(), request.member.zone)
    form = WorkRoleEditForm(
        request.POST or None,
        initial={"name": role.name, "rate": role.rate, "effective_from": today},
    )
    if not may_see_money(request.user):
        del form.fields["rate"], form.fields["effective_from"]
    return _form_page(
        request,
        form,
        save=lambda data: catalogue_services.work_role_update(by=request.member, role=role, **data),
        template="setup/work_role.html",
        context={
            "title": role.name,
            "role": role,
            "dated_rates": role.dated_rates.order_by("-effective_from"),
            "rates_since": RATES_SINCE,
            "back": reverse("setup:work_roles"),
        },
        done=lambda saved: (f"Saved the work role {saved.name}.", reverse("setup:work_roles")),
    )


@member_required
def work_types_view(request: HttpRequest) -> HttpResponse:
    _require(request, *TYPE_PERMS, what="manage work types")
    context = {
        "types": WorkType.objects.order_by("-is_active", "name"),
        "may_add": request.user.has_perm("catalogue.add_worktype"),
    }
    return render(request, "setup/work_types.html", context)


WORK_TYPE_FIELDS = [
    "name",
    "billable_default",
    "rate_multiplier",
    "is_payroll_wrap",
    "is_time_off",
    "counts_toward_utilization",
    "is_active",
]


@member_required
@require_http_methods(["GET", "POST"])
def work_type_new_view(request: HttpRequest) -> HttpResponse:
    _require(request, "catalogue.add_worktype", what="add work types")
    form = WorkTypeForm(request.POST or None)
    return _form_page(
        request,
        form,
        save=lambda data: catalogue_services.work_type_create(by=request.member, **data),
        template="setup/form.html",
        context={"title": "New work type", "back": reverse("setup:work_types")},
        done=lambda wt: (f"Added the work type {wt.name}.", reverse("setup:work_types")),
    )


@member_required
@require_http_methods(["GET", "POST"])
def work_type_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "catalogue.change_worktype", what="change work types")
    work_type = get_object_or_404(WorkType, pk=pk)
    form = WorkTypeForm(
        request.POST or None,
        initial={field: getattr(work_type, field) for field in WORK_TYPE_FIELDS},
    )
    return _form_page(
        request,
        form,
        save=lambda data: catalogue_services.work_type_update(
            by=request.member, work_type=work_type, **data
        ),
        template="setup/form.html",
        context={"title": work_type.name, "back": reverse("setup:work_types")},
        done=lambda saved: (f"Saved the work type {saved.name}.", reverse("setup:work_types")),
    )


# --- boards ------------------------------------------------------------------------------------

BOARD_PERMS = ("service.add_board", "service.change_board")


@member_required
def boards_view(request: HttpRequest) -> HttpResponse:
    _require(request, *BOARD_PERMS, what="manage boards")
    context = {
        "boards": Board.objects.select_related("default_work_type").annotate(
            open_tickets=open_ticket_count()
        ),
        "may_add": request.user.has_perm("service.add_board"),
    }
    return render(request, "setup/boards.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def board_new_view(request: HttpRequest) -> HttpResponse:
    _require(request, "service.add_board", what="add boards")
    form = BoardForm(request.POST or None)
    return _form_page(
        request,
        form,
        save=lambda data: board_services.board_create(by=request.member, **data),
        template="setup/form.html",
        context={"title": "New board", "back": reverse("setup:boards")},
        done=lambda board: (f"Added the board {board.name}.", reverse("setup:boards")),
    )


@member_required
@require_http_methods(["GET", "POST"])
def board_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "service.change_board", what="change boards")
    board = get_object_or_404(Board, pk=pk)
    form = BoardForm(
        request.POST or None,
        initial={"name": board.name, "default_work_type": board.default_work_type},
    )
    return _form_page(
        request,
        form,
        save=lambda data: board_services.board_update(by=request.member, board=board, **data),
        template="setup/form.html",
        context={"title": board.name, "back": reverse("setup:boards")},
        done=lambda saved: (f"Saved the board {saved.name}.", reverse("setup:boards")),
    )
