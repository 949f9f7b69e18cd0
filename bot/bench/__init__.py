"""``make bench``: how fast the bot answers and how its cost grows, measured, not asserted.

Figures go to ``docs/benchmarks.md`` with the raw results as JSON beside it, never
into timed tests: a number means something only with the machine, the date and the
load it was measured under, and our figures are read as ratios to a stock
``rasa init`` bot measured in the same run, so that noise from the machine cancels.
"""
