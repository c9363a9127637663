"""Bounded input: the constrained types every schema uses for what comes in, so bad input is
refused with 422 before it reaches a service, and both engines answer alike.

Why these bounds:
- Text. PostgreSQL refuses NUL in text (SQLite stores it), so a NUL answered 500 on one engine
  and was kept on the other. Control characters (C0, DEL, C1) have no place in what staff or
  customers type; a multi-line ``Text`` keeps tab, newline and carriage return, a one-line
  ``Line`` keeps none. The rule is a JSON-schema ``pattern``, so the OpenAPI document says it
  and a client (or schemathesis) knows it.
- Integers. Keys are 32-bit ``INTEGER`` columns on both engines; a larger id is bad input, not
  an overflow in the driver.
- Times. Converting year 1 or 9999 to and from Beijing time overflows; nobody registers a
  complaint outside 1900-2200, which the holiday calendar's arithmetic also covers.

``control_character`` finds the same characters in raw text that bypasses pydantic (forms,
query strings, paths, CSV files); the HTTP layer uses it for the input it reads itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

# C0 controls except tab, newline, carriage return; DEL; C1 controls.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
# One line: no control character at all.
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
PATTERNS = frozenset({TEXT_PATTERN, LINE_PATTERN})

_TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

MAX_ID = 2**31 - 1  # INTEGER keys on SQLite and PostgreSQL
MIN_YEAR, MAX_YEAR = 1900, 2200

Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def control_character(value: str, *, multiline: bool = False) -> int | None:
    """Index of the first character a text may not hold (control or lone surrogate), or None."""
    m = (_TEXT_BAD if multiline else _LINE_BAD).search(value)
    return m.start() if m else None


# Years 1900-2200 in the text itself, so the OpenAPI document states the bound.
_YEAR = r"(19[0-9]{2}|2[01][0-9]{2}|2200)"
DAY_PATTERN = rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
MOMENT_PATTERN = (
    rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
_DAY, _MOMENT = re.compile(DAY_PATTERN), re.compile(MOMENT_PATTERN)


def _iso_text(pattern: re.Pattern[str], kind: str) -> Any:
    """Refuses what pydantic would also read as a time (a number of seconds, '20260105'):
    a day or a time comes as ISO 8601 text, within the years above."""

    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) or (
            isinstance(value, str) and not pattern.fullmatch(value.strip())
        ):
            raise PydanticCustomError(
                f"{kind}_out_of_range",
                "Expected ISO 8601 text, years {min_year}-{max_year}",
                {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
            )
        return value.strip() if isinstance(value, str) else value

    return BeforeValidator(check)


def _year_in_range(value: Any) -> Any:  # date and datetime objects given by callers
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "year_out_of_range",
            "Year must be between {min_year} and {max_year}",
            {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
        )
    return value


Moment = Annotated[
    datetime,
    _iso_text(_MOMENT, "datetime"),
    AfterValidator(_year_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MOMENT_PATTERN,
            "description": f"ISO 8601, years {MIN_YEAR}-{MAX_YEAR}; no offset: Beijing time",
        }
    ),
]
Day = Annotated[
    date,
    _iso_text(_DAY, "date"),
    AfterValidator(_year_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DAY_PATTERN,
            "description": f"YYYY-MM-DD, years {MIN_YEAR}-{MAX_YEAR}",
        }
    ),
]


def invalid(message_zh: str, message_en: str) -> PydanticCustomError:
    """A rule's refusal inside a validator, in both languages (raise it instead of ValueError)."""
    return PydanticCustomError("invalid_value", message_en, {"message_zh": message_zh})
