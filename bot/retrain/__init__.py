"""Retraining the model in the background and loading it into the running Rasa server.

When a published registry change touches what the model learns from (names, aliases,
phrases), the web server runs the project's own training command (``python -m bot train``)
as a child process, reads its output into progress people can watch at ``/admin/model``,
and then hands the new model to the running Rasa server through Rasa's own HTTP API
(``PUT /model``), so the bot keeps answering throughout and nobody restarts anything.
See docs/retrain.md.
"""
