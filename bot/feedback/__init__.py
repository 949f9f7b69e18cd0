"""Feedback on the bot's answers (有帮助 / 没帮助 and why), kept without personal data.

``model``: the vocabulary and the pseudonymised conversation reference; ``store``: the
table in the registry's database; ``api``: the registry service's ``/feedback`` routes,
which the action server calls through the registry client.
"""
