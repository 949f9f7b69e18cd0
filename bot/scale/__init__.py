"""Scale and reliability: scripted conversations whose every reply is checked, and the load test.

``script`` builds conversations (a life event, the situation answer, follow-ups)
with the check of each reply taken from the registry itself; the fault tests and
``make load`` (``load``) drive them against the embedded and the scaled stack.
"""
