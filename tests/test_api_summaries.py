"""Every API operation has a real summary (issue 9 item 8): its own words, not FastAPI's
title-cased function name, and a description where the docstring says more."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from telcodesk.openapi_errors import first_sentence

TITLE_CASED = re.compile(r"[A-Z][a-z0-9]*( [A-Z][a-z0-9]*)*")


def test_every_operation_has_a_real_summary(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]
    assert len(operations) > 100
    for method, path, op in operations:
        summary = op.get("summary", "")
        assert summary and len(summary) <= 120, (method, path, summary)
        # FastAPI's stand-in is the function name title-cased: "Get Plan", "Me".
        assert not TITLE_CASED.fullmatch(summary), (method, path, summary)


def test_first_sentence_cuts_at_a_stop_or_a_word() -> None:
    assert first_sentence("Sign in.\n\nWrong passwords lock the account.") == "Sign in"
    assert first_sentence("One order; the rest later") == "One order"
    long = "Customer 360 in one call, masked (" + "detail " * 40 + ")"
    assert first_sentence(long) == "Customer 360 in one call, masked"
    words = "word " * 60
    cut = first_sentence(words)
    assert cut.endswith("…") and len(cut) <= 120 and "wor…" not in cut
