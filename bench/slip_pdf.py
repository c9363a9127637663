"""The combined slip as PDF (issue 10 item 5, BH-5): how long one render takes.

    .venv/bin/python bench/slip_pdf.py [--repeat 300] [--compare 20]

Target: p95 ≤ 300 ms for ``counter.slip.render_pdf``. ``--repeat`` slips (1 to 8
transactions each, the visit number changing so every QR code differs) rendered one after
another after 5 warm-up renders; the first render of the process (which reads the font once)
is printed apart. ``--compare`` renders side by side, in the same run, of the ways that were
slower: fpdf2 reading the cut-down font for every document (no cache), and the whole system
Noto CJK collection (the first trial). Prints p50/p95/p99 and one JSON line; exit status 1 if
p95 is over the target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from unittest import mock

from telcodesk.counter import slip

TARGET_P95_MS = 300.0
KINDS = [
    ("缴费", "缴费 58.00 元", "", "58.00"),
    ("套餐变更", "套餐变更为「5G 畅享 199」，次月生效", "次月 1 日生效；已告知并征得同意", "0.00"),
    ("增值业务订购", "视频会员已开通（15.00元/月）", "视频会员 15.00元/月；短信二次确认", "0.00"),
    (
        "销户",
        "销户已办理",
        "协议期至 2027-03-31，已知晓违约责任；挽留：月费八折优惠 12 个月（未接受）",
        "0.00",
    ),
    ("补换卡", "补换卡已办理", "原卡作废", "10.00"),
    ("过户", "过户已办理", "新机主 何*主 H*******78；双方证件已核验", "0.00"),
]


def sample(i: int) -> slip.Slip:
    lines = tuple(
        slip.SlipLine(
            KINDS[(i + j) % len(KINDS)][0], f"136****{1000 + j:04d}", *KINDS[(i + j) % 6][1:]
        )
        for j in range(1 + i % 8)
    )
    start = datetime(2026, 12, 7, 2, 0, tzinfo=UTC) + timedelta(minutes=i)
    return slip.Slip(
        number=f"CV20261207-{i:06d}",
        started_at=start,
        signed_at=start + timedelta(minutes=9),
        agent="广州天河营业厅 营业员 李*",
        customer_name="欧**娜",
        document="居民身份证 440106********1234",
        phone="138****2327",
        lines=lines,
        total_yuan="68.00",
    )


def timed(render: Callable[[slip.Slip], bytes], count: int, offset: int) -> list[float]:
    out = []
    for i in range(count):
        begin = time.perf_counter()
        render(sample(offset + i))
        out.append((time.perf_counter() - begin) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def uncached(shown: slip.Slip) -> bytes:
    slip._parsed.cache_clear()
    return slip.render_pdf(shown)


def system_collection(shown: slip.Slip) -> bytes:
    from fpdf import FPDF

    def whole(pdf: FPDF) -> None:
        pdf.add_font("slip", "", slip.SYSTEM_FONT, collection_font_number=slip.SYSTEM_SC_FACE)

    with mock.patch.object(slip, "_add_slip_font", whole):
        return slip.render_pdf(shown)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--compare", type=int, default=20)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    first = timed(slip.render_pdf, 1, 0)[0]
    timed(slip.render_pdf, 5, 1)
    cached = timed(slip.render_pdf, args.repeat, 10)
    same = slip.render_pdf(sample(3)) == slip.render_pdf(sample(3))
    result: dict[str, object] = {
        "first_ms": round(first, 1),
        "renders": len(cached),
        "p50_ms": round(statistics.median(cached), 1),
        "p95_ms": round(pct(cached, 95), 1),
        "p99_ms": round(pct(cached, 99), 1),
        "same_bytes": same,
        "size_bytes": len(slip.render_pdf(sample(7))),
    }
    print(
        f"cached font: first {first:.1f} ms; {len(cached)} renders p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; same bytes twice: {same}"
    )
    if args.compare:
        rounds: dict[str, list[float]] = {"cached": [], "uncached": [], "system": []}
        for r in range(args.compare):  # interleaved, so the machine's load hits all alike
            rounds["cached"] += timed(slip.render_pdf, 1, 1000 + r)
            rounds["uncached"] += timed(uncached, 1, 1000 + r)
            if slip.SYSTEM_FONT.exists():
                rounds["system"] += timed(system_collection, 1, 1000 + r)
        slip._parsed.cache_clear()
        for name, values in rounds.items():
            if values:
                median = statistics.median(values)
                ratio = median / statistics.median(rounds["cached"])
                print(f"  {name:9s} median {median:7.1f} ms ({ratio:4.1f}x cached)")
                result[f"{name}_median_ms"] = round(median, 1)
    print(json.dumps(result))
    raise SystemExit(0 if float(str(result["p95_ms"])) <= TARGET_P95_MS else 1)


if __name__ == "__main__":
    main()
