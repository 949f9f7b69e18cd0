"""The scale tests use the session's scaled stack: the ``scaled`` fixture of tests/scaled_stack.py."""
