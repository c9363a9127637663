"""Login throttling per client address (CD-2), beside the per-account lock-out.

The lock-out protects one account from guessing; it also lets one client lock accounts at
will. So failed logins are also counted per client address: after ``limit`` failures within
``window`` the client's further tries are refused (429) before any account is looked at, so
they neither lock anyone out nor test a password. With the defaults (20 per 15 minutes,
lock-out after 5) one address locks at most 4 accounts per window.

The counts live in memory, per API process, bounded to ``max_clients`` addresses (the
oldest forgotten first): with N processes a client gets at most N times the budget, and a
restart forgets it. The per-account lock-out is in the database and holds across processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

from telcodesk import clock


class ClientThrottle:
    def __init__(self, limit: int, window: timedelta, max_clients: int = 10_000) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(client)
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, client: str | None) -> bool:
        if not client or self.limit <= 0:
            return False
        with self._lock:
            times = self._recent(client, clock.now())
            return times is not None and len(times) >= self.limit

    def failed(self, client: str | None) -> None:
        if not client or self.limit <= 0:
            return
        now = clock.now()
        with self._lock:
            times = self._recent(client, now)
            if times is None:
                times = self._failures[client] = deque(maxlen=self.limit)
            times.append(now)
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def retry_after_s(self, client: str) -> int:
        with self._lock:
            times = self._recent(client, clock.now())
            if not times:
                return 0
            return max(1, int((times[0] + self.window - clock.now()).total_seconds()) + 1)
