"""Personal data: redacted where a message enters, purged when old, erased on request.

``redact`` removes ID-card, phone and bank-card numbers from a message before Rasa
stores or logs it; ``retention`` purges conversations older than the retention
setting; ``erase`` deletes a conversation (and every conversation of a verified
citizen) from the tracker store and the event broker when the citizen or staff asks.
"""
