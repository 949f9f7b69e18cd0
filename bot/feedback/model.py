"""What a piece of feedback may say: a rating, one of a few reasons, a catalogue material.

Nothing a person typed is ever kept: a reason is one of :data:`REASONS` (a typed reason
is mapped onto one by keywords, then forgotten), a material is a catalogue id. The
conversation is kept as a keyed hash of its id (:func:`conversation_ref`): feedback of
one conversation stays together and can be found from the conversation id, but a
WeChat OpenID (which is the conversation id there) is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json

HELPFUL, UNHELPFUL = "helpful", "unhelpful"
RATINGS = {HELPFUL: "有帮助", UNHELPFUL: "没帮助"}
# Why an answer did not help, as the buttons say it; keywords map a typed reason onto one.
REASONS = {
    "wrong_materials": "材料清单不对或不全",
    "unclear_where": "没说清去哪办、找谁",
    "wrong_matter": "不是我要办的事",
    "hard_to_read": "看不懂",
    "other": "其他原因",
}
REASON_KEYWORDS = {
    "wrong_materials": ("材料", "清单", "不全", "少了", "多了", "不用交", "要交"),
    "unclear_where": ("去哪", "哪里办", "地址", "找谁", "部门", "电话", "窗口"),
    "wrong_matter": ("不是我要", "不是这个事", "办的不是", "搞错了事"),
    "hard_to_read": ("看不懂", "不明白", "太长", "太复杂", "没看懂"),
}


def reason_of(text: str) -> str:
    """The reason a typed complaint is closest to; "other" when no keyword fits."""
    for reason, words in REASON_KEYWORDS.items():
        if any(w in text for w in words):
            return reason
    return "other"


def conversation_ref(conversation_id: str, secret: str) -> str:
    """A keyed hash of the conversation id: stable, not reversible without the secret."""
    key = hashlib.sha256(b"onceonly feedback\0" + secret.encode()).digest()
    return hmac.new(key, conversation_id.encode(), hashlib.sha256).hexdigest()[:24]


# What the bot offers after an answer (the widget shows these on the card; WeChat numbers them).
RATING_BUTTONS = [
    {"title": "有帮助", "payload": "/feedback_helpful"},
    {"title": "没帮助", "payload": "/feedback_unhelpful"},
]


def reason_payload(reason: str, material: str | None = None) -> str:
    """The payload of a reason button: the intent with its entities, as Rasa reads ``/intent{…}``."""
    entities = {"feedback_reason": reason} | ({"material": material} if material else {})
    return "/feedback_reason" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))
