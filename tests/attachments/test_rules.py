"""The store's pure rules (CD-1, issue 9 item 7): sniffing by magic numbers, the declared type
and the extension agreeing with the bytes, limits, safe names and headers."""

from __future__ import annotations

import pytest

from telcodesk.attachments import rules
from telcodesk.config import Settings
from telcodesk.errors import DomainError
from tests.attachments.conftest import HTML, PDF, WAV, png

ALLOWED = Settings().attachment_types
MB = 1_048_576


def check(name: str, declared: str, data: bytes, max_bytes: int = 20 * MB) -> str:
    return rules.check(name, declared, data, max_bytes=max_bytes, allowed=ALLOWED).content_type


@pytest.mark.parametrize(
    ("name", "declared", "data", "found"),
    [
        ("截图.png", "image/png", png(), "image/png"),
        ("scan.JPG", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        ("a.jpeg", "image/jpg", b"\xff\xd8\xff\xe1", "image/jpeg"),  # an alias browsers send
        ("a.gif", "image/gif", b"GIF89a\x01\x00\x01\x00", "image/gif"),
        ("a.webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("通知.pdf", "application/pdf", PDF, "application/pdf"),
        ("call.wav", "audio/x-wav", WAV, "audio/wav"),
        ("call.mp3", "audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        ("call.mp3", "audio/mpeg", b"\xff\xfb\x90\x64\x00", "audio/mpeg"),
        ("call.amr", "audio/amr", b"#!AMR\n\x3c", "audio/amr"),
        ("call.m4a", "audio/x-m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),
        # No declared type (curl without ;type=): the extension and the bytes decide.
        ("shot.png", "application/octet-stream", png(), "image/png"),
        ("shot.png", "", png(), "image/png"),
    ],
)
def test_allowed_files_are_recognised(name: str, declared: str, data: bytes, found: str) -> None:
    assert check(name, declared, data) == found


@pytest.mark.parametrize(
    ("name", "declared", "data", "code"),
    [
        ("shot.png", "image/png", HTML, "attachment_type_not_allowed"),  # HTML as PNG
        ("shot.png", "image/png", b"GIF89a" + HTML, "attachment_type_mismatch"),  # a GIF
        ("page.html", "text/html", HTML, "attachment_type_not_allowed"),
        ("page.svg", "image/svg+xml", b"<svg onload=alert(1)>", "attachment_type_not_allowed"),
        ("shot.html", "image/png", png(), "attachment_type_mismatch"),  # PNG named .html
        ("shot.png", "text/html", png(), "attachment_type_mismatch"),  # PNG declared HTML
        ("shot", "image/png", png(), "attachment_type_mismatch"),  # no extension
        ("a.exe", "application/octet-stream", b"MZ\x90\x00", "attachment_type_not_allowed"),
        ("doc.pdf", "application/pdf", b"", "attachment_empty"),
    ],
)
def test_disguises_are_refused(name: str, declared: str, data: bytes, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check(name, declared, data)
    assert refused.value.code == code
    assert refused.value.status == 422
    assert refused.value.message_zh and refused.value.message_en


def test_size_limit_is_413_and_configurable() -> None:
    data = png() + b"\x00" * 2000
    assert check("a.png", "image/png", data, max_bytes=len(data)) == "image/png"
    with pytest.raises(DomainError) as refused:
        check("a.png", "image/png", data, max_bytes=len(data) - 1)
    assert (refused.value.status, refused.value.code) == (413, "attachment_too_large")


def test_the_allow_list_is_configurable() -> None:
    with pytest.raises(DomainError) as refused:
        rules.check("a.pdf", "application/pdf", PDF, max_bytes=MB, allowed=["image/png"])
    assert refused.value.code == "attachment_type_not_allowed"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\张三\\身份证.jpg", "身份证.jpg"),
        ("../../etc/passwd.png", "passwd.png"),
        ('a"b<c>\x00.png', "a_b_c_.png"),
        ("", "attachment"),
        ("x" * 200 + ".png", "x" * 116 + ".png"),
    ],
)
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert rules.clean_filename(raw) == clean


def test_only_images_and_pdf_are_inline() -> None:
    assert rules.disposition("image/png", "截图.png").startswith("inline;")
    assert rules.disposition("application/pdf", "a.pdf").startswith("inline;")
    wav = rules.disposition("audio/wav", "录音 1.wav")
    assert wav.startswith("attachment;")
    assert "filename*=UTF-8''%E5%BD%95%E9%9F%B3%201.wav" in wav
    assert rules.disposition("text/html", "x.html").startswith("attachment;")
    assert rules.SAFE_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in rules.SAFE_HEADERS["Content-Security-Policy"]


def test_upload_limit_only_on_upload_routes() -> None:
    assert rules.upload_limit("/api/v1/orders/WO1/attachments", "POST", 20 * MB, MB) > 20 * MB
    assert rules.upload_limit("/console/kb/KB000001/attachments", "POST", 20 * MB, MB) > 20 * MB
    assert rules.upload_limit("/api/v1/orders", "POST", 20 * MB, MB) == MB
    assert rules.upload_limit("/api/v1/orders/WO1/attachments", "GET", 20 * MB, MB) == MB
