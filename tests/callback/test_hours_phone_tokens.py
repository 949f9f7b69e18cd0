"""Office hours, phone numbers and sealed tokens: the pieces of the after-hours callback (pure)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from bot.callback.hours import HoursError, parse_hours
from bot.callback.offer import open_conversation, seal_conversation, when_back
from bot.callback.store import PhoneError, mask_phone, normalise_phone
from bot.sealed import Sealer
from bot.settings import load_settings

HOURS = parse_hours("mon-fri 09:00-12:00 13:30-17:30; sat 09:00-12:00", "Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-11-23 is a Monday."""
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=HOURS.zone)


def test_open_and_closed_times():
    assert HOURS.is_open(at(0, 9)) and HOURS.is_open(at(4, 17, 29))
    assert not HOURS.is_open(at(0, 12, 30)), "lunch"
    assert not HOURS.is_open(at(4, 17, 30)) and not HOURS.is_open(at(6, 10)), "after hours, Sunday"
    assert HOURS.is_open(at(5, 11)) and not HOURS.is_open(at(5, 14))


def test_when_staff_are_back():
    assert HOURS.next_opening(at(0, 12, 30)) == at(0, 13, 30)
    assert HOURS.next_opening(at(5, 14)) == at(7, 9), "Saturday afternoon → Monday 09:00"
    assert when_back(HOURS, at(0, 20)) == "明天（周二） 09:00"
    assert when_back(HOURS, at(0, 7)) == "今天 09:00"
    assert when_back(HOURS, at(5, 13)) == "后天（周一） 09:00"
    assert when_back(HOURS, at(4, 18)) == "明天（周六） 09:00"
    assert when_back(parse_hours("mon 09:00-10:00"), at(1, 12)) == "11月30日（周一） 09:00"
    assert parse_hours("none").next_opening() is None
    assert HOURS.describe() == "周一至周五 09:00–12:00、13:30–17:30；周六 09:00–12:00"


def test_callback_windows_are_office_periods_from_now_on():
    windows = HOURS.windows(at(4, 20), days=3)  # Friday evening
    assert [w["id"] for w in windows] == [
        "2026-11-28T0900-1200",
        "2026-11-30T0900-1200",
        "2026-11-30T1330-1730",
        "2026-12-01T0900-1200",
        "2026-12-01T1330-1730",
    ]
    assert windows[0]["label"] == "11月28日（周六）09:00–12:00"
    assert HOURS.windows(at(0, 10), days=1)[0]["id"] == "2026-11-23T0900-1200", (
        "the period under way still counts"
    )
    assert parse_hours("none").windows() == [{"id": "asap", "label": "尽快回电（工作人员上班后）"}]


@pytest.mark.parametrize(
    "bad", ["weekdays 9-5", "mon 09:00-08:00", "mon 25:00-26:00", "xyz 09:00-10:00", "mon 9h-10h"]
)
def test_a_bad_setting_is_refused_with_where(bad):
    with pytest.raises(HoursError):
        parse_hours(bad)


@pytest.mark.parametrize(
    ("typed", "number", "masked"),
    [
        ("13800138000", "13800138000", "138****8000"),
        (" 138 0013 8000 ", "13800138000", "138****8000"),
        ("+86 138-0013-8000", "13800138000", "138****8000"),
        ("0731-88665266", "0731-88665266", "0731-****5266"),
        ("(0731)88665266", "0731-88665266", "0731-****5266"),
        ("010 12345678", "010-12345678", "010-****5678"),
    ],
)
def test_phone_numbers_are_validated_normalised_and_masked(typed, number, masked):
    assert normalise_phone(typed) == number
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345",
        "1380013800",
        "138001380001",
        "23800138000",
        "abc",
        "12345678901234567890123456",
        None,
        13800138000,
    ],
)
def test_what_is_not_a_phone_number_is_refused(bad):
    with pytest.raises(PhoneError):
        normalise_phone(bad)


def test_sealed_tokens_open_only_unaltered_unexpired_and_for_their_purpose():
    settings = load_settings()
    token = seal_conversation(settings, "wx-openid-123", "wechat")
    assert "wx-openid-123" not in token, "the conversation id is encrypted, not just signed"
    assert open_conversation(settings, token) == {"conversation": "wx-openid-123", "channel": "wechat"}
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert open_conversation(settings, tampered) is None
    assert Sealer(settings.secrets.link_secret, "notice").open(token) is None, "another purpose's key"
    assert Sealer("another secret", "callback").open(token) is None
    sealer = Sealer(settings.secrets.link_secret, "test")
    old = sealer._fernet.encrypt_at_time(b'{"a": 1}', int(time.time()) - 7200).decode()
    assert sealer.open(old, ttl_seconds=3600) is None and sealer.open(old) == {"a": 1}
    for junk in (None, "", "x" * 5000, 42, "not-a-token"):
        assert open_conversation(settings, junk) is None
