"""What the attachment store accepts and how a stored file is served: pure rules, no I/O.

Content sniffing is a small table of magic numbers, not a library: the allow-list is nine
formats (screenshots, scans of ID cards, PDFs, call recordings), each with a fixed signature
at a fixed offset, so a table we can read in full is clearer than python-magic (a C library
and a signature database that changes under us) or `filetype` (a hundred formats we refuse
anyway). The declared type, the file name's extension and the bytes must all agree: an HTML
page renamed ``.png`` is refused, so is a PNG declared ``text/html``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from telcodesk.errors import DomainError, ValidationFailed


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    matches: Callable[[bytes], bool]
    inline: bool = False  # an image or a PDF may be shown in the browser; nothing else is


def _riff(kind: bytes) -> Callable[[bytes], bool]:
    return lambda b: b[:4] == b"RIFF" and b[8:12] == kind


def _mp3(b: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame: 11 sync bits, layer III.
    return b[:3] == b"ID3" or (len(b) > 1 and b[0] == 0xFF and b[1] & 0xE6 == 0xE2)


def _m4a(b: bytes) -> bool:
    return b[4:8] == b"ftyp" and b[8:12] in (b"M4A ", b"mp42", b"isom", b"3gp4", b"3gp5")


TYPES: tuple[FileType, ...] = (
    FileType("image/png", (".png",), lambda b: b[:8] == b"\x89PNG\r\n\x1a\n", inline=True),
    FileType("image/jpeg", (".jpg", ".jpeg"), lambda b: b[:3] == b"\xff\xd8\xff", inline=True),
    FileType("image/gif", (".gif",), lambda b: b[:6] in (b"GIF87a", b"GIF89a"), inline=True),
    FileType("image/webp", (".webp",), _riff(b"WEBP"), inline=True),
    FileType("application/pdf", (".pdf",), lambda b: b[:5] == b"%PDF-", inline=True),
    FileType("audio/mpeg", (".mp3",), _mp3),
    FileType("audio/wav", (".wav",), _riff(b"WAVE")),
    FileType("audio/amr", (".amr",), lambda b: b[:6] == b"#!AMR\n"),
    FileType("audio/mp4", (".m4a",), _m4a),
)
BY_TYPE = {t.content_type: t for t in TYPES}
# Other spellings browsers and phones send for the same formats.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
}
# The upload routes, whose body may be a whole file (the body limit is raised for these only).
UPLOAD_PATH = re.compile(
    r"^/((api/v1|console)/(orders|kb/articles|kb)/[^/]+/attachments"
    r"|api/v1/customers/imports|console/customer-imports)$"  # customers/import_jobs.py
)
FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the small fields


def upload_limit(path: str, method: str, max_bytes: int, default: int) -> int:
    """The body limit of a request: a file's worth on an upload route, ``default`` elsewhere."""
    if method == "POST" and UPLOAD_PATH.match(path):
        return max(default, max_bytes + FORM_OVERHEAD)
    return default


# Types that say nothing: the extension and the bytes decide.
UNDECLARED = frozenset({"", "application/octet-stream", "binary/octet-stream"})

# On every download: the browser must not guess a type, run a script, or embed it elsewhere.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "sandbox; frame-ancestors 'self'",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}


class AttachmentTooLarge(DomainError):
    status = 413
    code = "attachment_too_large"
    message_zh = "附件过大"
    message_en = "The attachment is too large"


def sniff(data: bytes) -> FileType | None:
    """The allow-listed type the bytes are, or None."""
    return next((t for t in TYPES if t.matches(data)), None)


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]+")


def clean_filename(name: str) -> str:
    """The last path part, without control or path characters, at most 120 characters
    (keeping the extension)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:120]
    return name or "attachment"


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return "." + ext.lower() if dot else ""


def check(
    filename: str, declared: str, data: bytes, *, max_bytes: int, allowed: Iterable[str]
) -> FileType:
    """The file's type if it may be stored: not empty, within the size limit, an allowed
    type, and the declared type, the extension and the bytes agree. Raises otherwise."""
    if not data:
        raise ValidationFailed("附件为空", "The attachment is empty", code="attachment_empty")
    if len(data) > max_bytes:
        mb = max_bytes / 1_048_576
        raise AttachmentTooLarge(
            f"附件过大：上限 {mb:g} MB",
            f"The attachment exceeds {mb:g} MB",
            details={"max_bytes": max_bytes, "size": len(data)},
        )
    allowed_types = [BY_TYPE[t] for t in allowed if t in BY_TYPE]
    names = "、".join(e for t in allowed_types for e in t.extensions)
    found = sniff(data)
    said = declared.split(";", 1)[0].strip().lower()
    said = ALIASES.get(said, said)
    ext = extension(filename)
    if found is None or found not in allowed_types:
        raise ValidationFailed(
            f"不允许的附件类型，可上传：{names}",
            f"This type of file is not allowed; allowed: {names.replace('、', ', ')}",
            code="attachment_type_not_allowed",
            details={"declared": said, "extension": ext},
        )
    if (said not in UNDECLARED and said != found.content_type) or ext not in found.extensions:
        raise ValidationFailed(
            "附件内容与声明的类型或扩展名不符",
            "The file's content does not match its declared type or extension",
            code="attachment_type_mismatch",
            details={"declared": said, "extension": ext, "content": found.content_type},
        )
    return found


def disposition(content_type: str, filename: str) -> str:
    """``inline`` only for the image/PDF allow-list, ``attachment`` for everything else; the
    name both as ASCII and as UTF-8 (RFC 6266), so a Chinese name survives."""
    kind = BY_TYPE.get(content_type)
    how = "inline" if kind is not None and kind.inline else "attachment"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def parse_id(value: str | int) -> int:
    """An attachment's id from a path, checked only after its owner's scope (an order of
    another city answers 404 before anything about its files)."""
    text = str(value).strip()
    if not text.isdigit() or not 0 < int(text) <= 2**31 - 1:
        raise ValidationFailed(
            "附件编号无效", "Invalid attachment id", code="attachment_id_invalid"
        )
    return int(text)
