"""The report for the people who maintain the registry and the training data (console page, CLI, CSV).

``events``: what conversations say (fallbacks, abandoned clarifications, handoffs, most-asked
scenarios) from Rasa's event broker; ``build``: that with the feedback the registry keeps,
named and ranked, and as CSV; ``cli``: ``python -m bot report``; ``web``: the console's page.
"""
