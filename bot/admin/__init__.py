"""The registry editor: drafts of registry changes, review by a second person, and publish.

Editors draft changes to what people curate in the registry (bot/admin/changes.py), each
citing its source; a reviewer who is not the author approves it after reading it in plain
words (bot/admin/plain_words.py), which publishes it: the YAML files are written and the
registry service loads them as a new version with the source as its note
(bot/registry/changelog.py). ``on_publish`` and ``published_touches_model`` are for the
background retrain to subscribe to (bot/admin/hooks.py).
"""

from bot.admin.hooks import on_publish, published_touches_model

__all__ = ["on_publish", "published_touches_model"]
