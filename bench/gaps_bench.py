"""Benchmark of the range gap query (`daybook gaps`), against Timewarrior's `timew gaps` over
the same history when `timew` is installed.

Builds five years of one member's working days (a split shift, Monday to Friday 08:00-12:00
and 13:00-17:00 in New York, about six entries a day, now and then a long break, a late job
running past midnight, public holidays and days of leave) in a fresh SQLite file, or in the
PostgreSQL database in DATABASE_URL. Then it times the range query over the whole history.

With `timew` on PATH it writes the same history as a Timewarrior database in a temporary
directory (TIMEWARRIORDB: one `data/YYYY-MM.data` file per month of `inc <start>Z - <end>Z #
tags` lines, and exclusions for the schedule, weekends and holidays), times `timew gaps` over
the same range in the same zone, in turns with the range query so that both meet the same
load, checks that both find the same gaps (Timewarrior lists every gap; only those at or over
Daybook's threshold are compared) and prints both timings and the ratio. Target: the range
query at least 100 times faster.

    .venv/bin/python bench/gaps_bench.py [--years 5] [--runs 5] [--seed 42]
"""

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import partial
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
os.environ.setdefault("DEBUG", "false")
if "DATABASE_URL" not in os.environ:
    folder = Path(os.environ.get("DAYBOOK_BENCH_DIR", tempfile.gettempdir())) / "daybook-bench"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "gaps-bench.sqlite3"
    target.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{target}"

import django  # noqa: E402

django.setup()

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
LAST_DAY = date(2025, 11, 28)  # a Friday; the history ends here, well before today
SHIFTS = ((clock(8), clock(12)), (clock(13), clock(17)))
TARGET_RATIO = 100
USERNAME = "gaps-bench"
ROW = re.compile(
    r"^(?:W\d+\s+(?P<date>\d{4}-\d{2}-\d{2})\s+\w{3}\s+)?\s*"
    r"(?P<start>\d{1,2}:\d{2}:\d{2})\s+(?P<end>\d{1,2}:\d{2}:\d{2})\s+\d+:\d{2}:\d{2}"
)


def local(day: date, minutes: int) -> datetime:
    """Minutes after local midnight on `day`, in UTC (wall clock; the shifts avoid 02:00)."""
    moment = datetime.combine(day, clock(0), tzinfo=ZONE) + timedelta(minutes=minutes)
    return moment.astimezone(UTC)


def history(first: date, last: date, seed: int) -> tuple[list, set[date]]:
    """(start, end, is_leave) spans in UTC, in order and never overlapping, and the holidays."""
    rng = random.Random(seed)
    holidays: set[date] = set()
    spans: list[tuple[datetime, datetime, bool]] = []
    day = first
    while day <= last:
        if day.weekday() >= 5:
            day += timedelta(days=1)
            continue
        roll = rng.random()
        if roll < 0.035:
            holidays.add(day)  # about nine a year
        elif roll < 0.075:
            spans.append((local(day, 8 * 60), local(day, 17 * 60), True))  # a day of leave
        else:
            spans.extend(_working_day(day, rng))
        day += timedelta(days=1)
    return spans, holidays


def _working_day(day: date, rng: random.Random) -> list[tuple[datetime, datetime, bool]]:
    spans = []
    cursor = 8 * 60 + rng.choice((-20, -5, 0, 0, 5, 10, 30))
    while cursor < 17 * 60 + 20:
        length = rng.randint(20, 110)
        spans.append((local(day, cursor), local(day, cursor + length), False))
        cursor += length + rng.choice((0, 0, 2, 5, 10, 15, 30, 50, 75, 120))
    if rng.random() < 0.05:
        # A job after hours that runs past midnight (it never reaches the next shift).
        start = 22 * 60 + rng.randint(0, 60)
        spans.append((local(day, start), local(day, start + rng.randint(90, 240)), False))
    return spans


def load(first: date, last: date, seed: int) -> tuple[object, list, set[date]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from daybook.catalogue.models import WorkRole, WorkType
    from daybook.people.models import Holiday, ScheduleBlock
    from daybook.people.services import member_create
    from daybook.timekeeping.models import TimeEntry

    call_command("migrate", verbosity=0)
    # A PostgreSQL database keeps the last run's member and user; entries protect the member
    # from deletion, and the user goes with it.
    TimeEntry.objects.filter(member__user__username=USERNAME).delete()
    get_user_model().objects.filter(username=USERNAME).delete()
    role = WorkRole.objects.get_or_create(name="Help Desk", defaults={"rate": 100})[0]
    work = WorkType.objects.get_or_create(name="Remote Support")[0]
    leave = WorkType.objects.get_or_create(
        name="Leave (bench)", defaults={"is_payroll_wrap": True, "is_time_off": True}
    )[0]
    member = member_create(
        username=USERNAME, time_zone=ZONE_NAME, default_work_role=role, start_date=first
    )
    ScheduleBlock.objects.filter(member=member).delete()
    ScheduleBlock.objects.bulk_create(
        ScheduleBlock(member=member, weekday=weekday, start=start, end=end)
        for weekday in range(5)
        for start, end in SHIFTS
    )
    spans, holidays = history(first, last, seed)
    TimeEntry.objects.bulk_create(
        (
            TimeEntry(
                member=member,
                start=start,
                end=end,
                work_role=role,
                work_type=leave if is_leave else work,
                billable="do_not_bill" if is_leave else "billable",
                bill_rate=0 if is_leave else 100,
                cost_rate=40,
                notes="" if is_leave else "Worked the queue.",
                source="manual",
            )
            for start, end, is_leave in spans
        ),
        batch_size=2000,
    )
    existing = set(Holiday.objects.filter(team__isnull=True).values_list("date", flat=True))
    Holiday.objects.bulk_create(
        Holiday(date=day, name="Bench holiday") for day in sorted(holidays - existing)
    )
    member.refresh_from_db()
    return member, spans, holidays | (existing & set(_days(first, last)))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def timed(call) -> tuple[float, float, object]:
    """One call's wall and CPU seconds, and its answer. CPU time counts this process and the
    children it waited for (Timewarrior), so it stays comparable when other jobs share the
    machine."""
    began, used = time.perf_counter(), _cpu()
    outcome = call()
    return time.perf_counter() - began, _cpu() - used, outcome


def report(label: str, times: list[tuple[float, float, object]], about: str) -> tuple[float, float]:
    """Print one side's median wall and CPU times and its best run; return the medians."""
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    best = min(t[0] for t in times)
    print(
        f"  {label:<15} {wall * 1000:9.1f} ms wall {cpu * 1000:9.1f} ms CPU  "
        f"({about}, best {best * 1000:.1f} ms)"
    )
    return wall, cpu


def _found(result) -> str:
    return f"{result.gap_count} gaps on {len(result.days)} of {result.working_days} working days"


def _cpu() -> float:
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def daybook_gaps(result) -> list[tuple[str, str, str]]:
    return [
        (f"{d.day:%Y-%m-%d}", f"{g.start.astimezone(ZONE):%H:%M:%S}", _clock(g.end, d.day))
        for d in result.days
        for g in d.gaps
    ]


def _clock(moment: datetime, day: date) -> str:
    value = moment.astimezone(ZONE)
    return "24:00:00" if value.date() > day else f"{value:%H:%M:%S}"


def timewarrior_db(folder: Path, spans: list, holidays: set[date]) -> None:
    """The history as a Timewarrior database: monthly data files and the exclusions."""
    (folder / "data").mkdir(parents=True)
    months: dict[str, list[str]] = defaultdict(list)
    for start, end, is_leave in spans:
        tag = "leave" if is_leave else "work"
        months[f"{start:%Y-%m}"].append(
            f"inc {start:%Y%m%dT%H%M%SZ} - {end:%Y%m%dT%H%M%SZ} # {tag}"
        )
    for month, lines in months.items():
        (folder / "data" / f"{month}.data").write_text("\n".join(lines) + "\n")
    (folder / "data" / "tags.data").write_text('{"leave":{"count":1},"work":{"count":1}}\n')
    workday = " ".join(
        [f"<{SHIFTS[0][0]:%H:%M}"]
        + [f"{a[1]:%H:%M}-{b[0]:%H:%M}" for a, b in pairwise(SHIFTS)]
        + [f">{SHIFTS[-1][1]:%H:%M}"]
    )
    config = ["define exclusions:"]
    config += [f"  {name} = {workday}" for name in ("monday", "tuesday", "wednesday")]
    config += [f"  {name} = {workday}" for name in ("thursday", "friday")]
    config += ["  saturday = >0:00", "  sunday = >0:00", "  days:"]
    config += [f"    {day:%Y_%m_%d} = off" for day in sorted(holidays)]
    (folder / "timewarrior.cfg").write_text("\n".join(config) + "\n")


def timewarrior_gaps(output: str, threshold_minutes: int) -> list[tuple[str, str, str]]:
    """Gaps from `timew gaps` output at or over the threshold, as (date, start, end)."""
    found = []
    day = None
    for line in output.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        day = match["date"] or day
        start, end = (_seconds(match["start"]), _seconds(match["end"]))
        if end - start >= threshold_minutes * 60:
            found.append((day, _text(start), _text(end)))
    return found


def _seconds(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def _text(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _version(timew: str) -> str:
    done = subprocess.run([timew, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def main() -> None:
    from daybook.timekeeping.gaps_range import member_gaps_range

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sizes", nargs="*", help=argparse.SUPPRESS)  # for make bench
    args = parser.parse_args()
    first = LAST_DAY - timedelta(days=365 * args.years + args.years // 4 - 1)
    began = time.perf_counter()
    member, spans, holidays = load(first, LAST_DAY, args.seed)
    print(
        f"History: {len(spans)} entries, {len(holidays)} holidays, {first} to {LAST_DAY} "
        f"({ZONE_NAME}); loaded in {time.perf_counter() - began:.1f} s; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    ours_call = partial(member_gaps_range, member=member, first=first, last=LAST_DAY, own=False)
    timew = shutil.which("timew")
    if timew is None:
        ours_call()  # warm-up
        times = [timed(ours_call) for _ in range(args.runs)]
        report("daybook gaps", times, f"{_found(times[-1][2])}, median of {args.runs}")
        print(
            "  timew gaps      skipped: Timewarrior is not installed (apt-get install timewarrior)"
        )
        return
    with tempfile.TemporaryDirectory(prefix="timewarrior-") as folder:
        timewarrior_db(Path(folder), spans, holidays)
        env = {**os.environ, "TIMEWARRIORDB": folder, "TZ": ZONE_NAME}
        until = LAST_DAY + timedelta(days=1)
        command = [timew, "gaps", f"{first:%Y-%m-%d}", "-", f"{until:%Y-%m-%d}"]
        theirs_call = partial(
            subprocess.run, command, env=env, capture_output=True, text=True, check=True
        )
        # In rounds of a few calls of ours and one of Timewarrior's, so that both share
        # whatever else the machine is doing at the time: a shared machine's speed can
        # change by half from one minute to the next. Each round starts with a call of ours
        # not counted, as Timewarrior's run leaves the processor's caches cold.
        rounds = max(1, min(args.runs, 3))
        ours_times, theirs_times = [], []
        for _ in range(rounds):
            ours_call()
            ours_times += [timed(ours_call) for _ in range(-(-args.runs // rounds))]
            theirs_times.append(timed(theirs_call))
    result, completed = ours_times[-1][2], theirs_times[-1][2]
    ours, ours_cpu = report(
        "daybook gaps", ours_times, f"{_found(result)}, median of {len(ours_times)}"
    )
    theirs, theirs_cpu = report(
        "timew gaps",
        theirs_times,
        f"Timewarrior {_version(timew)}, median of {rounds} in turns with ours",
    )
    ratio, cpu_ratio = theirs / ours, theirs_cpu / max(ours_cpu, 1e-6)
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(
        f"  speed-up        {ratio:9.0f} x wall {cpu_ratio:9.0f} x CPU  "
        f"(target {TARGET_RATIO} x: wall time {verdict} it)"
    )
    expected = timewarrior_gaps(completed.stdout, result.gap_threshold_minutes)
    got = daybook_gaps(result)
    if got == expected:
        print(f"  same gaps       yes ({len(got)} at or over {result.gap_threshold_minutes} min)")
    else:
        print(f"  same gaps       NO: Daybook {len(got)}, Timewarrior {len(expected)}")
        for ours_gap, their_gap in zip(got, expected, strict=False):
            if ours_gap != their_gap:
                print(f"    first difference: Daybook {ours_gap}, Timewarrior {their_gap}")
                break
        sys.exit(1)


if __name__ == "__main__":
    main()
