"""``python -m bot.bench [--smoke]``: what ``make bench`` and ``make bench-smoke`` run."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.bench.run import main

if __name__ == "__main__":
    sys.exit(main())
