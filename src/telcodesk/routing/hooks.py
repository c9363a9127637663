"""Dispatch and chases in the order lifecycle (CC-1, CH-4, WO-4), as before-hooks wired in
`telcodesk.wiring`: they return the fields `workorders` sets and records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telcodesk.routing import service
from telcodesk.workorders.hooks import Happening


def dispatch(happening: Happening) -> Mapping[str, Any]:
    """The rules choose the unit and the handler of a reviewed order."""
    return service.dispatch(happening.session, happening.order, happening.actor)


def chase(happening: Happening) -> Mapping[str, Any]:
    """The handler and their supervisors are named to be told."""
    return service.chase(happening.session, happening.order, happening.actor)
