"""Office hours: when staff answer 转人工, when they are back, and which callback windows to offer.

The setting ``office_hours`` is ``always``, ``none``, or days and times in office time
(``office_timezone``, Asia/Shanghai by default), for example
``mon-fri 09:00-12:00 13:30-17:30; sat 09:00-12:00``. Days are ``mon``…``sun``, single or as
a range; each day may have several periods. Public holidays are not known here: a
deployment that closes on them sets ``office_hours`` for those days (or accepts callbacks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAYS = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?$")


ASAP = {"id": "asap", "label": "尽快回电（工作人员上班后）"}


def _hm(t: time) -> str:
    return "24:00" if t == time.max else f"{t:%H:%M}"


class HoursError(ValueError):
    """The office_hours setting does not read; the message says where."""


@dataclass(frozen=True)
class Period:
    start: time
    end: time


@dataclass(frozen=True)
class OfficeHours:
    """Periods per weekday (0 = Monday); ``always`` is every minute of every day."""

    week: tuple[tuple[Period, ...], ...]
    zone: tzinfo
    always: bool = False

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def is_open(self, at: datetime | None = None) -> bool:
        if self.always:
            return True
        at = (at or self.now()).astimezone(self.zone)
        return any(p.start <= at.time() < p.end for p in self.week[at.weekday()])

    def periods_on(self, day: date) -> tuple[Period, ...]:
        return self.week[day.weekday()]

    def next_opening(self, at: datetime | None = None) -> datetime | None:
        """When staff are next in (``at`` itself when open now); None when there are no hours at all."""
        at = (at or self.now()).astimezone(self.zone)
        if self.is_open(at):
            return at
        for offset in range(0, 8):
            day = at.date() + timedelta(days=offset)
            for period in self.periods_on(day):
                start = datetime.combine(day, period.start, self.zone)
                if start > at:
                    return start
        return None

    def windows(self, at: datetime | None = None, days: int = 3) -> list[dict[str, str]]:
        """Callback windows to offer: the office periods of the next ``days`` days with hours, from now
        on; "as soon as possible" when there are no office hours at all."""
        at = (at or self.now()).astimezone(self.zone)
        found: list[dict[str, str]] = []
        for offset in range(0, 15):
            day = at.date() + timedelta(days=offset)
            periods = [p for p in self.periods_on(day) if datetime.combine(day, p.end, self.zone) > at]
            for p in periods:
                found.append(
                    {
                        "id": f"{day.isoformat()}T{_hm(p.start)}-{_hm(p.end)}".replace(":", ""),
                        "label": f"{day.month}月{day.day}日（{DAY_NAMES[day.weekday()]}）"
                        f"{_hm(p.start)}–{_hm(p.end)}",
                    }
                )
            if periods and len({w["id"][:10] for w in found}) >= days:
                break
        return found or [ASAP]

    def describe(self) -> str:
        """The hours in words: 周一至周五 09:00–12:00、13:30–17:30."""
        if self.always:
            return "全天"
        parts, day = [], 0
        while day < 7:
            periods = self.week[day]
            last = day
            while last + 1 < 7 and self.week[last + 1] == periods:
                last += 1
            if periods:
                span = DAY_NAMES[day] if last == day else f"{DAY_NAMES[day]}至{DAY_NAMES[last]}"
                parts.append(span + " " + "、".join(f"{_hm(p.start)}–{_hm(p.end)}" for p in periods))
            day = last + 1
        return "；".join(parts) or "暂无人工服务时间"


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == "Asia/Shanghai":  # a system without the tz database: China has no DST
            return timezone(timedelta(hours=8), "CST")
        raise HoursError(f"unknown office_timezone {name!r}") from None


def _clock(hours: str, minutes: str) -> time:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return time.max
    if not (0 <= h < 24 and 0 <= m < 60):
        raise HoursError(f"not a time of day: {hours}:{minutes}")
    return time(h, m)


def parse_hours(text: str, zone: str = "Asia/Shanghai") -> OfficeHours:
    tz = _zone(zone)
    spec = text.strip().lower()
    if spec == "always":
        return OfficeHours(tuple(() for _ in DAYS), tz, always=True)
    week: list[list[Period]] = [[] for _ in DAYS]
    if spec in ("", "none"):
        return OfficeHours(tuple(() for _ in DAYS), tz)
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        words = part.split()
        match = _DAYS.match(words[0]) if words else None
        if not match or match.group(1) not in DAYS or (match.group(2) and match.group(2) not in DAYS):
            raise HoursError(f"office_hours: {part!r} must start with days such as mon-fri")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        periods = []
        for word in words[1:]:
            m = _PERIOD.match(word)
            if not m:
                raise HoursError(f"office_hours: {word!r} is not a period such as 09:00-12:00")
            period = Period(_clock(m.group(1), m.group(2)), _clock(m.group(3), m.group(4)))
            if period.end <= period.start:
                raise HoursError(f"office_hours: {word!r} ends before it starts")
            periods.append(period)
        for day in range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]:
            week[day].extend(periods)
    return OfficeHours(tuple(tuple(sorted(p, key=lambda x: x.start)) for p in week), tz)
