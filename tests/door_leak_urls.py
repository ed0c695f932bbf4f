"""Daybook's URLs plus doors that ignore the visibility policy, for the test of the door test
(tests/test_doors.py): each gives the canary away in one of the ways the scanner looks for."""

from django.http import HttpResponse, JsonResponse
from django.urls import include, path

from daybook.timekeeping.models import TimeEntry


def every_note(request):
    return HttpResponse("\n".join(TimeEntry.objects.values_list("notes", flat=True)))


def entry_by_id(request, pk: int):
    entry = TimeEntry.objects.get(pk=pk)
    return JsonResponse(
        {"id": entry.pk, "start": entry.start.isoformat(), "end": entry.end.isoformat()}
    )


def lengths(request):
    rows = (f"{round((e.end - e.start).total_seconds() / 60)}" for e in TimeEntry.objects.all())
    return HttpResponse("minutes\n" + "\n".join(rows), content_type="text/csv")


def nothing(request):
    return HttpResponse("Nothing about anyone's time here.")


def unknown(request, thing: str):
    return HttpResponse(thing)


urlpatterns = [
    path("leaks/notes/", every_note, name="leak-notes"),
    path("api/time-entries/<int:pk>/leak/", entry_by_id, name="leak-entry"),
    path("leaks/length.csv", lengths, name="leak-length"),
    path("leaks/nothing/", nothing, name="leak-nothing"),
    path("leaks/<slug:thing>/", unknown, name="leak-unknown"),
    path("", include("daybook.urls")),
]
