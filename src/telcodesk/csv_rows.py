"""Reading an uploaded CSV file within limits, the same for the API, the console and the CLI.

Python's csv module raises its own error past 131,072 characters in one field, which answered
500; and an unbounded file or row count would hold one transaction for as long as it takes.
So a file is refused, with the line and the column, when it is larger than ``MAX_BYTES``,
has more than ``MAX_ROWS`` data rows, a field longer than ``MAX_FIELD_CHARS`` or a control
character (NUL, which PostgreSQL refuses and SQLite stores).
"""

from __future__ import annotations

import csv
import io

from telcodesk.errors import ValidationFailed
from telcodesk.inputs import control_character

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
MAX_FIELD_CHARS = 1_000


def _refuse(code: str, zh: str, en: str, line: int | None = None) -> ValidationFailed:
    where_zh, where_en = (f"第 {line} 行：", f"line {line}: ") if line else ("", "")
    # The shape of the importers' row errors: a list of {line, errors}.
    details = [{"line": line, "errors": [en]}] if line else None
    return ValidationFailed(
        f"CSV {where_zh}{zh}", f"CSV {where_en}{en}", code=code, details=details
    )


def _too_large() -> ValidationFailed:
    return _refuse(
        "csv_too_large",
        f"文件过大（上限 {MAX_BYTES // 1000} KB）",
        f"file too large (limit {MAX_BYTES // 1000} KB)",
    )


def decode(data: bytes) -> str:
    """The text of an uploaded file: at most ``MAX_BYTES``, UTF-8 (a BOM is dropped)."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("csv_encoding", "须为 UTF-8 编码", "must be UTF-8") from exc


def read_rows(text: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row, values trimmed; the header must name
    ``required``. Refuses the whole file at the first row past a limit."""
    if len(text) > MAX_BYTES:  # characters, never more than bytes: surely too large
        raise _too_large()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        fieldnames = reader.fieldnames or []
        missing = [c for c in required if c not in fieldnames]
        if missing:
            raise _refuse(
                "csv_columns",
                f"缺少列：{', '.join(missing)}",
                f"lacks columns: {', '.join(missing)}",
            )
        for row in reader:
            line = reader.line_num
            if len(rows) >= MAX_ROWS:
                raise _refuse(
                    "csv_too_many_rows",
                    f"行数过多（上限 {MAX_ROWS} 行）",
                    f"too many rows (limit {MAX_ROWS})",
                    line,
                )
            rows.append((line, _checked(row, line)))
    except csv.Error as exc:  # a field past the csv module's own limit, a stray quote
        line = reader.line_num + 1
        if "field limit" in str(exc):
            raise _refuse(
                "csv_field_too_long",
                f"字段过长（上限 {MAX_FIELD_CHARS} 个字符）",
                f"a field is too long (limit {MAX_FIELD_CHARS} characters)",
                line,
            ) from exc
        raise _refuse("csv_malformed", f"格式有误（{exc}）", f"malformed ({exc})", line) from exc
    return rows


def _checked(row: dict[str | None, str | list[str] | None], line: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        if not key:  # fields past the header's, or an unnamed column: not read
            continue
        text = (value if isinstance(value, str) else "").strip()
        if len(text) > MAX_FIELD_CHARS:
            raise _refuse(
                "csv_field_too_long",
                f"列 {key} 过长（上限 {MAX_FIELD_CHARS} 个字符）",
                f"column {key} too long (limit {MAX_FIELD_CHARS} characters)",
                line,
            )
        if control_character(text) is not None or control_character(key) is not None:
            raise _refuse(
                "csv_control_character",
                f"列 {key} 含有控制字符（如 NUL）",
                f"column {key} holds a control character (such as NUL)",
                line,
            )
        out[key] = text
    return out
