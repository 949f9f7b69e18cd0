"""The browser side: the citizen chat widget, the demo portal and the hotline staff console.

``channel.py`` is loaded by the Rasa server (credentials.yml); everything else runs in
our own web server (``python -m bot web serve``), which talks to Rasa's HTTP API and
the registry's, and reads Rasa's event broker table. Nothing here is imported by the
bot itself.
"""
