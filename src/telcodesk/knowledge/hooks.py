"""What knowledge tells the others (registered in ``telcodesk.wiring``): a bulletin pushed to
staff. Knowledge records the bulletin and its recipients; whoever listens here (notify: the
bell, email or SMS by each person's preferences) sends it, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Listener = Callable[..., Any]
_bulletin_listeners: list[Listener] = []


def clear() -> None:
    _bulletin_listeners.clear()


def on_bulletin(listener: Listener) -> None:
    """``listener(session, staff_ids, *, order_id=None, kind, message_zh, message_en, link)``."""
    _bulletin_listeners.append(listener)


def bulletin_pushed(
    session: Session, staff_ids: list[int], message_zh: str, message_en: str, link: str
) -> None:
    for listener in _bulletin_listeners:
        listener(
            session,
            staff_ids,
            order_id=None,
            kind="bulletin",
            message_zh=message_zh,
            message_en=message_en,
            link=link,
        )
