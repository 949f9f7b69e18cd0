"""Memory and CPU time of the servers we started, read from /proc (no extra package needed).

Each :class:`~bot.ops.procs.Service` runs in its own session, so a server's
footprint is that of every process in its session: a server that forks helpers is
counted whole. CPU time per request is the figure that other people's load on the
machine disturbs least: it is what a request costs, not how long it waited.
"""

from __future__ import annotations

import os
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


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat from field 3 on (the command, field 2, may hold spaces)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _session(leader: int) -> list[int]:
    """The processes of the session ``leader`` started (field 6 of stat is the session id)."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return [pid for pid in pids if (fields := _stat(pid)) and fields[3] == str(leader)]


def session_rss_mb(leader: int) -> float:
    """Resident memory of all processes in the session ``leader`` started, in MB."""
    return round(sum(_status_kb(pid, "VmRSS") for pid in _session(leader)) / 1024, 1)


def session_cpu_s(leader: int) -> float:
    """User plus system CPU seconds used so far by the processes of a session."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _session(leader):
        fields = _stat(pid)
        if len(fields) > 12:
            total += int(fields[11]) + int(fields[12])  # utime and stime (fields 14 and 15)
    return total / ticks


def children_cpu_s(parent: int) -> dict[int, float]:
    """CPU seconds so far of ``parent`` and of each of its children, by process id: for a server whose
    children each start a session of their own (PostgreSQL's backends), which :func:`session_cpu_s`
    would miss."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for pid in (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()):
        fields = _stat(pid)
        if len(fields) > 12 and (pid == parent or fields[1] == str(parent)):
            out[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def service_cpu_s(service: Service) -> float | None:
    """A started service's CPU seconds so far (None when it is not running)."""
    if not service.alive() or service.process is None:
        return None
    return session_cpu_s(service.process.pid)


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


class CpuMeter:
    """CPU milliseconds per request of each service over a stretch of requests."""

    def __init__(self, services: list[Service]) -> None:
        self.services = services
        self._before: dict[str, float] = {}

    def start(self) -> CpuMeter:
        self._before = {s.name: service_cpu_s(s) or 0.0 for s in self.services}
        return self

    def per_request(self, requests: int) -> dict[str, float]:
        return {
            s.name: round(((service_cpu_s(s) or 0.0) - self._before[s.name]) * 1000 / max(requests, 1), 2)
            for s in self.services
        }
