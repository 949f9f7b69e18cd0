"""Redaction of ID-card, bank-card and phone numbers (bot/privacy/redact.py), as properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.redact import (
    BANK_CARD,
    ID_CARD,
    PHONE,
    REDACTED,
    classify,
    id_card_valid,
    luhn_valid,
    redact,
    without_given_numbers,
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=20)


def with_check_digit(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@st.composite
def id_numbers(draw) -> str:
    region = draw(st.integers(110000, 659999))
    born = date(1920, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 100)))
    sequence = draw(st.integers(0, 999))
    return with_check_digit(f"{region}{born:%Y%m%d}{sequence:03d}")


@st.composite
def bank_cards(draw) -> str:
    body = draw(st.from_regex(r"\A62\d{13,16}\Z"))
    for last in "0123456789":
        if luhn_valid(body + last):
            return body + last
    raise AssertionError("unreachable: one check digit always fits")


MOBILES = st.from_regex(r"\A1[3-9]\d{9}\Z")


def test_the_standards_own_example_and_a_wrong_check_digit():
    assert id_card_valid("11010519491231002X")  # GB 11643-1999's example
    assert not id_card_valid("110105194912310021")
    assert not id_card_valid("110105194913310028")  # month 13
    assert redact("身份证11010519491231002X") == f"身份证{REDACTED}"
    assert classify("11010519491231002X") == ID_CARD


@given(before=CHINESE, number=id_numbers(), after=CHINESE)
def test_every_valid_id_number_is_redacted_wherever_it_stands(before, number, after):
    said = redact(before + number + after)
    assert number not in said and number[:-1] not in said
    assert said == before + REDACTED + after and classify(number) == ID_CARD


@given(before=CHINESE, number=bank_cards(), after=CHINESE, grouped=st.booleans())
def test_bank_card_numbers_are_redacted_also_in_groups_of_four(before, number, after, grouped):
    written = " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if grouped else number
    said = redact(before + written + after)
    assert said == before + REDACTED + after and classify(written) == BANK_CARD


@given(
    before=CHINESE, number=MOBILES, after=CHINESE, style=st.sampled_from(["plain", "dashes", "spaces", "+86"])
)
def test_mobile_numbers_are_redacted_as_people_write_them(before, number, after, style):
    written = {
        "plain": number,
        "dashes": f"{number[:3]}-{number[3:7]}-{number[7:]}",
        "spaces": f"{number[:3]} {number[3:7]} {number[7:]}",
        "+86": "+86" + number,
    }[style]
    assert redact(before + written + after) == before + REDACTED + after and classify(written) == PHONE


@settings(max_examples=300)
@given(text=st.text(max_size=60).filter(lambda t: sum(c.isdigit() for c in t) < 7))
def test_text_without_long_numbers_is_left_exactly_as_written(text):
    assert redact(text) == text


def test_short_and_everyday_numbers_are_kept():
    for text in ("拨打12345", "2024年3月5日", "我有3个孩子", "第20230101号文件", "邮编410000"):
        assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (
            f"我老婆刚生了孩子，要办些什么手续？我身份证{REDACTED}，电话{REDACTED}",
            "我老婆刚生了孩子，要办些什么手续？",
        ),
        (f"我身份证{REDACTED}丢了怎么补", f"我身份证{REDACTED}丢了怎么补"),  # the clause asks: kept
        (f"电话{REDACTED}", f"电话{REDACTED}"),  # nothing else: the text as it is
        ("身份证丢了", "身份证丢了"),
    ],
)
def test_what_the_matcher_reads_leaves_out_numbers_handed_over(text, read):
    """身份证[已隐去] hands a number over; read as a request it would be 居民身份证申领."""
    assert without_given_numbers(text) == read
