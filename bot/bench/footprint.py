"""Memory of the servers we started, read from /proc (no extra package needed).

Each :class:`~bot.ops.procs.Service` runs in its own session, so a server's
footprint is the resident memory of every process in that session: a server that
forks helpers is counted whole.
"""

from __future__ import annotations

from pathlib import Path

from bot.ops.procs import Service


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _session_of(pid: int) -> int | None:
    try:
        # Field 6 of /proc/<pid>/stat is the session id; the command (field 2) may hold spaces.
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
    except (OSError, ValueError, IndexError):
        return None


def session_rss_mb(leader: int) -> float:
    """Resident memory of all processes in the session ``leader`` started, in MB."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    total = sum(_status_kb(pid, "VmRSS") for pid in pids if _session_of(pid) == leader)
    return round(total / 1024, 1)


def service_rss_mb(service: Service) -> float | None:
    """A started service's resident memory (None when it is not running)."""
    if not service.alive() or service.process is None:
        return None
    return session_rss_mb(service.process.pid)


def peak_rss_mb(service: Service) -> float | None:
    """The main process's peak resident memory (VmHWM) since it started."""
    if not service.alive() or service.process is None:
        return None
    return round(_status_kb(service.process.pid, "VmHWM") / 1024, 1)
