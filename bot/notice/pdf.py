"""The notice's PDF, printed by our own headless Chromium (Debian's ``chromium``), not a PDF library.

What a person downloads is then exactly what their browser prints from the page (same
print stylesheet, A4, same fonts: Noto CJK from ``fonts-noto-cjk``), and nothing new is
installed for it: the browser tests already need Chromium (``make web-deps``; ``make
run`` installs it too). The page is written to a private temporary directory with its
stylesheet inlined and printed from there, so Chromium fetches nothing. At most
``PARALLEL`` prints run at once; each is a short-lived process with its own profile.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path

PARALLEL = 2
_slots = threading.BoundedSemaphore(PARALLEL)


class PdfUnavailable(RuntimeError):
    """Chromium is missing or failed; the page itself (and the browser's print) still works."""


def print_pdf(page_html: str, chromium: str, timeout: float = 60.0) -> bytes:
    if not Path(chromium).exists():
        raise PdfUnavailable(f"没有找到 {chromium}：请安装 chromium（make web-deps）")
    with _slots, tempfile.TemporaryDirectory(prefix="onceonly-pdf-") as work:
        page, out = Path(work) / "notice.html", Path(work) / "notice.pdf"
        page.write_text(page_html, encoding="utf-8")
        argv = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(work) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"chromium 打印失败：{exc.__class__.__name__}") from exc
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfUnavailable("chromium 没有生成 PDF")
        return out.read_bytes()
