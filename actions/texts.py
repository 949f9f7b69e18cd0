"""What the actions say in their own words (the domain's responses are those the rules utter)."""

from __future__ import annotations

from actions.context import settings

REGISTRY_UNAVAILABLE = (
    f"抱歉，材料库暂时连不上，我现在查不到准确的清单。请稍后再试，或拨打 {settings.hotline} 咨询。"
)
ASK_WHAT_ELSE = "好的。请再描述一下您要办的事，或说“转人工”。"
FALLBACK = "抱歉，我没太明白。请换个说法描述您要办的事，或说“转人工”。"
WHICH_ONE = "您是想办理以下哪件事？"
NONE_OF_THESE = "都不是"
SIGN_IN_HINT = "（登录后我能查到您以前提交过的材料，能复用的就不用再交。）"
PICK_AN_OPTION = "请从下面的选项中选一个（也可以回复序号），或说“转人工”。"
FIRST_QUESTION_LEAD = "为了给您准确的清单，想先确认一下："
HANDOFF = f"好的，已为您转人工，工作人员接入后会在这里回复您，请稍候。着急的话也可以拨打 {settings.hotline}。"
WHICH_MATERIAL = "您问的是哪一项材料？请说出材料名称，比如“身份证要交吗”“出生医学证明去哪开”。"
WHICH_MATTER = "您想问哪件事？请先告诉我您要办的事，比如“孩子出生了”。"
WHICH_FAMILY = "您想办的是哪一类事？请选一个，或说得再具体一些（办什么证、开什么证明、给谁办）。"
SAY_MORE = "请说得再具体一些：您要办什么证、开什么证明、给谁办？也可以说“转人工”。"
