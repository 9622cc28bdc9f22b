"""Human forms of dates and times turned into the value a date/time input holds.

A page shows `05/20/2010` or `9:37 PM` in such a field, but the field only takes its ISO value
(`2010-05-20`, `21:37`). Accepted: ISO, US month/day/year, 12-hour times with AM/PM.
"""
from __future__ import annotations

import datetime as dt
import re

DATE_TIME_TYPES = ("date", "time", "datetime-local", "month", "week")
FORMS = {
    "date": "YYYY-MM-DD or MM/DD/YYYY",
    "time": "HH:MM (24 h) or H:MM AM/PM",
    "datetime-local": "a date (YYYY-MM-DD or MM/DD/YYYY) and a time (HH:MM or H:MM AM/PM)",
    "month": "YYYY-MM or MM/YYYY",
    "week": "YYYY-Www or 'Week W, YYYY'",
}

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?\s*([ap])?\.?\s*(m\.?)?", re.I)


def _date(text: str) -> dt.date | None:
    iso, us = _ISO_DATE.fullmatch(text), _US_DATE.fullmatch(text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if us:
            return dt.date(int(us[3]), int(us[1]), int(us[2]))
    except ValueError:
        return None
    return None


def _time(text: str) -> str | None:
    m = _TIME.fullmatch(text)
    if not m:
        return None
    hour, minute, second, fraction, half = int(m[1]), int(m[2]), m[3], m[4] or "", (m[5] or "").lower()
    if half:  # 12-hour clock
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59 or (second and int(second) > 59):
        return None
    return f"{hour:02d}:{minute:02d}" + (f":{second}{fraction}" if second else "")


def _month(text: str) -> str | None:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text) or re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if not m:
        return None
    year, month = (m[1], m[2]) if len(m[1]) == 4 else (m[2], m[1])
    return f"{year}-{int(month):02d}" if 1 <= int(month) <= 12 else None


def _week(text: str) -> str | None:
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text, re.I)
    if m:
        year, week = m[1], m[2]
    else:
        m = re.fullmatch(r"week\s*(\d{1,2}),?\s*(\d{4})", text, re.I)
        if not m:
            return None
        week, year = m[1], m[2]
    last = dt.date(int(year), 12, 28).isocalendar()[1]  # Dec 28 is always in the year's last week
    return f"{year}-W{int(week):02d}" if 1 <= int(week) <= last else None


def field_value(kind: str, text: str) -> str | None:
    """The value an input of type `kind` takes for `text`, or None when `text` is not a form we read."""
    text = text.strip()
    if kind == "date":
        day = _date(text)
        return day.isoformat() if day else None
    if kind == "time":
        return _time(text)
    if kind == "month":
        return _month(text)
    if kind == "week":
        return _week(text)
    if kind == "datetime-local":
        parts = re.split(r"\s*(?:T|,\s*|\s+)\s*", text, maxsplit=1)
        if len(parts) != 2:
            return None
        day, clock = _date(parts[0]), _time(parts[1])
        return f"{day.isoformat()}T{clock}" if day and clock else None
    return text
