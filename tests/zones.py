"""The time zones tests reason in. Most use New York: it has DST and sits far from UTC, so a
test that forgets the member's zone fails."""

from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
