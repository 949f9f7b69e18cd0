"""Buttons as numbered options, numbers back to payloads, and long answers cut at line ends."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.channels.number_replies import last_offered, number_in, pick
from bot.channels.plain_text import message_text, pack, turn_messages, utf8_size

QUESTION = {
    "text": "为了给您准确的清单，想先确认一下：孩子父母双方是否为同一民族？",
    "buttons": [{"title": "同一民族", "payload": "同一民族"}, {"title": "不同民族", "payload": "不同民族"}],
}
CLARIFY = {
    "text": "您是想办理以下哪件事？",
    "buttons": [
        {"title": "新生儿出生一件事", "payload": "/scenario_newborn"},
        {"title": "个人身后“一件事”", "payload": "/scenario_after_death"},
        {"title": "都不是", "payload": "/deny"},
    ],
}
CARD = {"custom": {"type": "checklist", "summary": {"total": 13}}}


def test_buttons_become_numbered_lines_with_a_hint_and_cards_are_left_out():
    assert message_text(CLARIFY).splitlines() == [
        "您是想办理以下哪件事？",
        "1. 新生儿出生一件事",
        "2. 个人身后“一件事”",
        "3. 都不是",
        "（回复 1/2/3 选择，也可以直接打字）",
    ]
    assert turn_messages([{"text": "好的。"}, QUESTION, CARD], 2048) == [
        "好的。\n\n" + message_text(QUESTION)
    ]
    many = {"text": "选", "quick_replies": [{"title": str(i), "payload": f"/p{i}"} for i in range(6)]}
    assert message_text(many).endswith("（回复 1–6 选择，也可以直接打字）")


def test_a_number_reply_picks_the_last_offered_option_of_the_conversation():
    events = [
        UserUttered("孩子出生了"),
        BotUttered(CLARIFY["text"], data={"buttons": CLARIFY["buttons"]}),
        ActionExecuted("action_listen"),
    ]
    options = last_offered(events)
    assert pick(options, 1) == "/scenario_newborn" and pick(options, 3) == "/deny"
    assert pick(options, 4) is None and pick(options, 0) is None
    # a later message without options does not hide them; the person speaking again does
    assert last_offered([*events, BotUttered("还有什么？")]) == options
    assert last_offered([*events, UserUttered("2")]) == []


def test_what_counts_as_a_number_reply():
    assert [number_in(t) for t in ["2", " 2 ", "２", "2。", "12", "3)"]] == [2, 2, 2, 2, 12, 3]
    assert [number_in(t) for t in ["", "二十", "2个孩子", "123", "1/2", None]] == [None] * 6


def test_long_text_is_cut_at_line_ends_under_the_byte_limit():
    lines = [f"• 第{i}项材料：{'居民户口簿' * (i % 7 + 1)} — 公安机关核发" for i in range(120)]
    text = "\n".join(lines)
    parts = pack([text], 2048)
    assert len(parts) > 1
    assert all(utf8_size(p) <= 2048 for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines  # nothing lost, no line broken


def test_a_single_line_over_the_limit_is_cut_between_characters():
    line = "长" * 1000  # 3000 bytes
    parts = pack([line], 2048)
    assert [utf8_size(p) for p in parts] == [2046, 954] and "".join(parts) == line


def test_messages_are_joined_while_they_fit():
    assert pack(["甲", "乙", "  ", "丙"], 100) == ["甲\n\n乙\n\n丙"]
    assert pack(["甲" * 10, "乙" * 10], 40) == ["甲" * 10, "乙" * 10]
    assert pack([], 100) == []
