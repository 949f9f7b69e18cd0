"""The reform dashboard (``/admin/dashboard``): what the 只提交一次 reform has achieved and where to push.

The figures are computed where the registry lives (:mod:`bot.dashboard.figures`, served by the
registry service's ``/stats/dashboard`` and ``/stats/trend``, bot/registry/dashboard_api.py);
the web server only asks for them over HTTP and lays them out as tables, charts and downloads
(:mod:`bot.dashboard.tables`, :mod:`bot.dashboard.export`, :mod:`bot.dashboard.web`), so the
data flows one way: registry files → registry service → web page.
"""
