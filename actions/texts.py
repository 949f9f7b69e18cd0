"""Pieces of text the actions build their own replies with; every whole fixed reply is a domain
response (domain.yml), said with ``dispatcher.utter_message(response=...)``."""

from __future__ import annotations

# A button label and an option "您是想办理…" reads (match_option), not a reply of its own.
NONE_OF_THESE = "都不是"
# Added to a checklist built from the registry, for a person who is not signed in.
SIGN_IN_HINT = "（登录后我能查到您以前提交过的材料，能复用的就不用再交。）"
# Put before the first situation question, whose text is the registry's.
FIRST_QUESTION_LEAD = "为了给您准确的清单，想先确认一下："
