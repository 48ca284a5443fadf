"""The guide's date rules for fund requests, written once.

- An activity cannot end between December 16 and January 1 (claims are due by December 15).
- MDF activities cannot span calendar years.
- A request resubmitted after rejection must start at least 14 days after the resubmission.
- Extensions: once, 1-90 days past the original end date, within the rules above.
"""

from __future__ import annotations

from datetime import date, timedelta

LEAD_DAYS = 14


def in_year_end_blackout(day: date) -> bool:
    """December 16 - January 1: no activity may end then."""
    return (day.month == 12 and day.day >= 16) or (day.month == 1 and day.day == 1)


def end_date_problem(start: date, end: date, category: str) -> str | None:
    """Why an activity cannot run from ``start`` to ``end``, or None."""
    if end < start:
        return f"the end date {end} is before the start date {start}"
    if in_year_end_blackout(end):
        return f"the end date {end} falls between December 16 and January 1; end by December 15 or from January 2"
    if category == "MDF" and end.year != start.year:
        return f"MDF activities cannot span calendar years ({start.year} to {end.year})"
    return None


def propose_dates(today: date, category: str, duration_days: int = 60) -> tuple[date, date]:
    """A start 14 days out (time for AWS's review) and an end that obeys the date rules."""
    start = today + timedelta(days=LEAD_DAYS)
    if in_year_end_blackout(start):
        start = date(start.year + (start.month == 12), 1, 2)
    end = start + timedelta(days=duration_days)
    if in_year_end_blackout(end) or (category == "MDF" and end.year != start.year):
        end = date(start.year, 12, 15)
    return start, end
