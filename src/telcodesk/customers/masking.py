"""Masking of personal data 脱敏 (CD-2, CD-3): pure functions, no I/O.

Staff see customer data masked by default; the full value only comes from an audited reveal
(``customers.service.reveal``). The rules:

- **phone** — the public part stays: a China mobile's first 3 digits (and +86), a landline's
  area code. Of the rest, only the last digits show: at most 4, never more than half of them.
  138****2327, +86138****2327, 020-****5678, 0755****5678, 0755-****567; others 10086 → ***86.
- **ID number** — 15 characters or more (the PRC resident ID, a credit code) keeps the first 6
  (the place of issue) and the last 4: 440106********1234. Shorter documents (passports,
  permits) show only the last 2.
- **name** — the first and last character (of two, only the first): 张三 → 张*, 张小明 → 张*明,
  欧阳娜娜 → 欧**娜.
  Names of 10 characters or more (enterprises: 广州市恒达科技有限公司) keep the first 2 and the
  last 4, the region and the legal form, and hide the trade name: 广州*****有限公司. Names of
  several words are masked word by word: John Smith → J**n S***h.
- **address** — kept up to the district or county (the first 区/县/旗 among the first 12
  characters; else the first 市/州/盟 there; else the first 省), then "…". Without any of those,
  the first 6 characters and at most half.

Every function maps None to None. Phone, ID and name keep the length and every character is
either itself or ``*``; masking twice gives the same result as masking once, so a value may
pass through several output layers safely. An address ending in "…" is taken as masked already.
"""

from __future__ import annotations

import re

MASK = "*"
ELLIPSIS = "…"

# Digits, or a digit already masked: the rules look only at positions, so they are idempotent.
_D = r"[\d*]"
_MOBILE = re.compile(rf"^(?P<keep>(?:\+?86-?)?1{_D}{{2}})(?P<rest>{_D}{{8}})$")
_LANDLINE_SEPARATED = re.compile(rf"^(?P<keep>0[1-9]\d{{1,2}}[- ])(?P<rest>{_D}.*)$")
# 010 and 02x are the 3-digit area codes; every other one has 4 digits (0755, 0571…).
_LANDLINE = re.compile(rf"^(?P<keep>0(?:10|2\d|[3-9]\d\d))(?P<rest>{_D}{{7,8}})$")

LONG_ID = 15
LONG_NAME = 10
ADDRESS_HEAD = 12
_DISTRICT, _CITY, _PROVINCE = "区县旗", "市州盟", "省"


def _keep_last(text: str, keep: int) -> str:
    """Mask every digit of ``text`` except the last ``keep``; other characters stay."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit() or ch == MASK]
    hidden = set(positions[: max(len(positions) - keep, 0)])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def _show_at_most_half(text: str, at_most: int) -> str:
    digits = sum(ch.isdigit() or ch == MASK for ch in text)
    return _keep_last(text, min(at_most, digits // 2))


def mask_phone(value: str | None) -> str | None:
    if value is None:
        return None
    for pattern in (_MOBILE, _LANDLINE_SEPARATED, _LANDLINE):
        match = pattern.match(value)
        if match:
            return match["keep"] + _show_at_most_half(match["rest"], 4)
    return _show_at_most_half(value, 4)


def mask_id_number(value: str | None) -> str | None:
    if value is None:
        return None
    n = len(value)
    if n >= LONG_ID:
        return value[:6] + MASK * (n - 10) + value[-4:]
    keep = min(2, n // 2)
    return MASK * (n - keep) + value[n - keep :]


def mask_name(value: str | None) -> str | None:
    if value is None:
        return None
    words = value.split(" ")
    if len([w for w in words if w]) > 1:  # each word on its own: John Smith → J**n S***h
        return " ".join(mask_name(w) or "" for w in words)
    n = len(value)
    if n <= 1:
        return MASK * n
    if n == 2:
        return value[0] + MASK
    if n < LONG_NAME:
        return value[0] + MASK * (n - 2) + value[-1]
    return value[:2] + MASK * (n - 6) + value[-4:]


def _address_cut(value: str) -> int:
    head = value[:ADDRESS_HEAD]
    for markers in (_DISTRICT, _CITY, _PROVINCE):
        found = [head.index(m) for m in markers if m in head]
        if found:
            return min(found) + 1
    return min(6, len(value) // 2)


def mask_address(value: str | None) -> str | None:
    if value is None or value.endswith(ELLIPSIS):
        return value
    cut = _address_cut(value)
    return value if cut >= len(value) else value[:cut] + ELLIPSIS
