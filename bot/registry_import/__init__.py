"""Importing a region's data into the registry with a dry run first.

Two inputs: a directory in the seed's format (what ``python -m bot registry import`` has
always read) and a spreadsheet a department fills in (``python -m bot registry template``).
Either is applied to a *copy* of the registry files first; the copy must load and validate,
and what would change is shown in the same plain words as the registry's version diffs.
Only a confirmed plan touches ``data/registry``. See docs/import.md.
"""
