"""Prometheus text exposition of a few gauges and counters (no client library needed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Metrics:
    bytes_out: int = 0  # terminal output bytes sent to clients
    connections: int = 0  # terminal WebSockets opened
    sessions_created: int = 0
    clients_dropped: int = 0  # stalled clients cut off

    def add_bytes_out(self, n: int) -> None:
        self.bytes_out += n


def render(metrics: Metrics, *, stored: int, running: int, processes: int,
           writers: int, viewers: int) -> str:  # fmt: skip
    rows = [
        ("cowasm_sessions", "gauge", "Sessions stored in the database.", stored),
        ("cowasm_sessions_running", "gauge", "Sessions with a running kernel.", running),
        ("cowasm_processes", "gauge", "Wasm processes across running sessions.", processes),
        ("cowasm_writers", "gauge", "Connected terminal clients with the edit role.", writers),
        ("cowasm_viewers", "gauge", "Connected terminal clients with the view role.", viewers),
        ("cowasm_bytes_out_total", "counter", "Terminal bytes sent to clients.", metrics.bytes_out),
        ("cowasm_connections_total", "counter", "Terminal WebSockets opened.", metrics.connections),
        ("cowasm_sessions_created_total", "counter", "Sessions created.", metrics.sessions_created),
        ("cowasm_clients_dropped_total", "counter", "Stalled clients dropped.",
         metrics.clients_dropped),
    ]  # fmt: skip
    out = []
    for name, kind, help_, value in rows:
        out += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}", f"{name} {value}"]
    return "\n".join(out) + "\n"
