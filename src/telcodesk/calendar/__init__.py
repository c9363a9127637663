"""The PRC working calendar and deadline arithmetic (norms T-1, T-2, T-5, T-6).

``rules`` is pure (no I/O); ``models`` holds the admin overrides 工作日调整 in the database.
"""

from telcodesk.calendar.rules import (
    ALWAYS,
    BusinessHours,
    Unit,
    WorkCalendar,
    add_duration,
    format_remaining,
    working_time_between,
)

__all__ = [
    "ALWAYS",
    "BusinessHours",
    "Unit",
    "WorkCalendar",
    "add_duration",
    "format_remaining",
    "working_time_between",
]
