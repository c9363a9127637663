"""Build tests/data/identity_vectors.csv: identity document numbers with the outcome the rules
must give (BH-7) — valid ones of every kind and every kind of invalid one.

The check characters are computed here on their own (not by ``telcodesk.customers.identity``),
so the vectors test the module rather than repeat it; a few real published numbers are added
by hand. Each row: kind, number, expect (``ok`` or the error code), the normal form and the
birth date the module must read (for ``ok`` rows), and a note. The rules are checked as of
TODAY below (the test passes the same day).

    python scripts/build_identity_vectors.py > tests/data/identity_vectors.csv
"""

from __future__ import annotations

import csv
import random
import sys

TODAY = "2026-06-01"
RNG = random.Random(11643)
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # 2^(17-i) mod 11, GB 11643
ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = ["440106", "110105", "310115", "510107", "650102", "440305", "330106"]
RETIRED = ["440102", "110103", "320102"]  # 东山区, 崇文区, 南京玄武区 (old code) — retired
rows: list[list[str]] = []


def idc(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_W, strict=True)) % 11]


def uscc_check(body: str) -> str:
    total = sum(ALPHA.index(c) * (3**i % 31) for i, c in enumerate(body))
    return ALPHA[(31 - total % 31) % 31]


def org_check(body: str) -> str:
    total = sum(ALPHA.index(c) * w for c, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2], strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def add(
    kind: str, number: str, expect: str, normal: str = "", born: str = "", note: str = ""
) -> None:
    rows.append([kind, number, expect, normal if expect == "ok" else "", born, note])


def birth(lo: int = 1930, hi: int = 2020) -> str:
    y, m = RNG.randint(lo, hi), RNG.randint(1, 12)
    return f"{y}{m:02d}{RNG.randint(1, 28):02d}"


def iso(b: str) -> str:
    return f"{b[:4]}-{b[4:6]}-{b[6:]}"


def wrong_check(good: str, alphabet: str = "0123456789X") -> str:
    return RNG.choice([c for c in alphabet if c != good])


# --- resident ID family: 18 digits -----------------------------------------------------------
for kind in ("resident_id", "temporary_id", "household_register"):
    for _ in range(12 if kind == "resident_id" else 4):
        region, b = RNG.choice(REGIONS), birth()
        body = region + b + f"{RNG.randrange(1000):03d}"
        add(kind, body + idc(body), "ok", body + idc(body), iso(b), "valid 18")
    for region in RETIRED:
        b = birth(1940, 1999)
        body = region + b + "123"
        add(kind, body + idc(body), "ok", body + idc(body), iso(b), "retired address code")
for _ in range(4):  # lower-case x and spaces are normalised
    while True:
        region, b = RNG.choice(REGIONS), birth()
        body = region + b + f"{RNG.randrange(1000):03d}"
        if idc(body) == "X":
            break
    spaced = f"{body[:6]} {body[6:14]} {body[14:]}x"
    add("resident_id", spaced, "ok", body + "X", iso(b), "x and spaces")
for _ in range(12):
    body = RNG.choice(REGIONS) + birth() + f"{RNG.randrange(1000):03d}"
    add("resident_id", body + wrong_check(idc(body)), "id_checksum", note="wrong check")
for b in ("19900230", "19991301", "20010229", "19000000", "19850431"):
    body = "440106" + b + "123"
    add("resident_id", body + idc(body), "id_birth_date_invalid", note=f"no such day {b}")
for b in ("18991231", "18500101"):
    body = "440106" + b + "123"
    add("resident_id", body + idc(body), "id_birth_date_invalid", note="before 1900")
for b in ("20260602", "20301231", "20991010"):
    body = "440106" + b + "123"
    add("resident_id", body + idc(body), "id_birth_date_future", note="after today")
for region in ("999999", "440199", "000000", "123456", "440000", "710000"):
    body = region + "19900101" + "123"
    add("resident_id", body + idc(body), "id_region_unknown", note=f"address {region}")
for region in ("810000", "820000", "830000"):
    body = region + "19900101" + "123"
    add("resident_id", body + idc(body), "id_wrong_document", note="a residence permit")
for bad in ("44010619900101123", "4401061990010112345", "12345", "4401061990010"):
    add("resident_id", bad, "id_length", note=f"{len(bad)} characters")
for bad in ("44010619900101123A", "4401061990010112X5", "X40106199001011235", "44010619900101-235"):
    add("resident_id", bad, "id_format", note="characters")
add("resident_id", "", "id_format", note="empty")

# --- 15-digit legacy -------------------------------------------------------------------------
for _ in range(8):
    region = RNG.choice(REGIONS + RETIRED)
    b = birth(1920, 1998)
    short = region + b[2:] + f"{RNG.randrange(1000):03d}"
    long = region + b + short[12:]
    add("resident_id", short, "ok", long + idc(long), iso(b), "15 → 18 upgrade")
add("resident_id", "44010690023012A", "id_format", note="15 with a letter")
add("resident_id", "440106900230123", "id_birth_date_invalid", note="15 with 1990-02-30")
add("resident_id", "999999900101123", "id_region_unknown", note="15 with address 999999")

# --- HK / Macau / Taiwan residence permits --------------------------------------------------
for prefix in ("810000", "820000", "830000"):
    for _ in range(3):
        b = birth(1940, 2015)
        body = prefix + b + f"{RNG.randrange(1000):03d}"
        add("hmt_residence_permit", body + idc(body), "ok", body + idc(body), iso(b), prefix)
    body = prefix + birth() + "123"
    add("hmt_residence_permit", body + wrong_check(idc(body)), "id_checksum", note="wrong check")
for prefix in ("440106", "840000", "810100"):
    body = prefix + "19900101123"
    add("hmt_residence_permit", body + idc(body), "id_prefix", note=f"prefix {prefix}")
body = "81000019900230123"
add("hmt_residence_permit", body + idc(body), "id_birth_date_invalid", note="no such day")
body = "82000020300101123"
add("hmt_residence_permit", body + idc(body), "id_birth_date_future", note="future")
add("hmt_residence_permit", "8100001990010112", "id_length", note="16 characters")

# --- Home Return Permit, Taiwan compatriot permit --------------------------------------------
for n in ("H12345678", "M87654321", "H1234567801", "h 1234 5678"):
    add("home_return_permit", n, "ok", n.replace(" ", "").upper(), note="valid")
for n in ("H1234567", "A12345678", "H123456789", "12345678", "HM1234567", "H12345678A"):
    add("home_return_permit", n, "id_format", note="bad form")
for n in ("12345678", "1234567890", "1234567890(B)", "0987654321（A）"):
    norm = n.replace("（", "(").replace("）", ")")
    add("taiwan_permit", n, "ok", norm, note="valid")
for n in ("1234567", "123456789", "T12345678", "1234567890B", "1234567890(BB)"):
    add("taiwan_permit", n, "id_format", note="bad form")

# --- foreign permanent resident ID -----------------------------------------------------------
for country in ("USA", "GBR", "JPN", "DEU", "KOR"):
    b = birth(1940, 2010)
    n = f"{country}{RNG.choice(['11', '31', '44'])}{RNG.randrange(100):02d}{b[2:]}{RNG.randrange(100):02d}"
    add("foreign_permanent_id", n, "ok", n, iso(b), "2017 card")
add("foreign_permanent_id", "US1440096051820", "id_format", note="2017: two letters")
add("foreign_permanent_id", "USA44009605182X", "id_format", note="2017: letter at the end")
add("foreign_permanent_id", "USA990096051820", "id_region_unknown", note="2017: no province 99")
add("foreign_permanent_id", "USA440096133020", "id_birth_date_invalid", note="2017: month 13")
for numeric in ("840", "826", "392", "276"):
    b = birth(1940, 2010)
    body = f"9{RNG.choice(['11', '31', '44'])}{numeric}{b}{RNG.randrange(1000):03d}"
    add("foreign_permanent_id", body + idc(body), "ok", body + idc(body), iso(b), "2023 card")
body = "94484019900101123"
add("foreign_permanent_id", body + wrong_check(idc(body)), "id_checksum", note="2023 wrong check")
body = "84484019900101123"
add("foreign_permanent_id", body + idc(body), "id_prefix", note="2023 not starting with 9")
body = "99984019900101123"
add("foreign_permanent_id", body + idc(body), "id_region_unknown", note="2023 province 99")
body = "94484020270101123"
add("foreign_permanent_id", body + idc(body), "id_birth_date_future", note="2023 future birth")
body = "94484019900132123"
add("foreign_permanent_id", body + idc(body), "id_birth_date_invalid", note="2023 day 32")
add("foreign_permanent_id", "9448401990010112", "id_length", note="16 characters")

# --- HK / Macau identity cards ----------------------------------------------------------------
HK_VAL = {c: 10 + i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def hk(prefix: str, digits: str) -> str:
    vals = (
        ([36] if len(prefix) == 1 else []) + [HK_VAL[c] for c in prefix] + [int(d) for d in digits]
    )
    check = (11 - sum(v * w for v, w in zip(vals, range(9, 1, -1), strict=True)) % 11) % 11
    return "A" if check == 10 else str(check)


add("hk_macao_id", "A123456(3)", "ok", "A123456(3)", note="published example")
for prefix in ("A", "C", "K", "Z", "XA", "WX"):
    digits = f"{RNG.randrange(10**6):06d}"
    add(
        "hk_macao_id",
        f"{prefix}{digits}({hk(prefix, digits)})",
        "ok",
        f"{prefix}{digits}({hk(prefix, digits)})",
        note="HK",
    )
for prefix in ("B", "Y"):
    digits = f"{RNG.randrange(10**6):06d}"
    add(
        "hk_macao_id",
        f"{prefix}{digits}{wrong_check(hk(prefix, digits), '0123456789A')}",
        "id_checksum",
        note="HK wrong check",
    )
for n in ("1234567(8)", "5215299(8)", "7123456(1)"):
    add("hk_macao_id", n, "ok", n, note="Macau")
add("hk_macao_id", "1234567８", "id_format", note="full-width digit")
for n in ("A12345(3)", "ABC123456(7)", "2123456(8)", "A1234567(8)", "123456"):
    add("hk_macao_id", n, "id_format", note="bad form")

# --- passports, officer and police cards ------------------------------------------------------
for n in ("E12345678", "EA1234567", "EJ7654321", "G12345678", "D1234567", "S12345678", "P1234567"):
    add("passport", n, "ok", n, note="PRC passport")
for n in ("E1234567", "EI1234567", "EO1234567", "X12345678", "E123456789", "1234567890"):
    add("passport", n, "id_format", note="bad form")
for n in ("123456789", "C01X00T47", "X1234567", "AB12345"):
    add("foreign_passport", n, "ok", n, note="foreign passport")
for n in ("AB12", "A-1234567", "ABCDEFGHIJKLMNOPQR"):
    add("foreign_passport", n, "id_format", note="bad form")
for n in ("军字第12345678号", "南字第123456号", "海字第1234567号", "士兵字第12345678号"):
    add("military_id", n, "ok", n, note="officer / soldier card")
for n in ("军字第12345号", "军第12345678号", "12345678", "军字第123456789号", "军字第12345678"):
    add("military_id", n, "id_format", note="bad form")
for n in ("123456", "1234567", "警123456"):
    add("police_id", n, "ok", n, note="police card")
for n in ("12345", "12345678", "J123456"):
    add("police_id", n, "id_format", note="bad form")

# --- unified social credit code ---------------------------------------------------------------
add("business_licence", "91440300708461136T", "ok", "91440300708461136T", note="published")
add("business_licence", "91110000802100433B", "ok", "91110000802100433B", note="published")
for head in ("91", "92", "93", "11", "12", "51", "52", "53", "Y1", "N1"):
    region = RNG.choice([*REGIONS, "440000", "100000", "440102"])
    org = "".join(RNG.choice(ALPHA[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    body = head + region + org + org_check(org)
    add(
        "business_licence",
        body + uscc_check(body),
        "ok",
        body + uscc_check(body),
        note=f"type {head}",
    )
org = "70846113"
for head, code in (
    ("94", "id_prefix"),
    ("Y2", "id_prefix"),
    ("01", "id_prefix"),
    ("B1", "id_prefix"),
):
    body = head + "440300" + org + org_check(org)
    add("business_licence", body + uscc_check(body), code, note=f"authority and type {head}")
for region in ("999999", "440199"):
    body = "91" + region + org + org_check(org)
    add("business_licence", body + uscc_check(body), "id_region_unknown", note=f"address {region}")
body = "91440300" + org + ("5" if org_check(org) != "5" else "4")
add("business_licence", body + uscc_check(body), "id_org_code_checksum", note="GB 11714 check")
for good in ("91440300708461136T", "91110000802100433B"):
    add(
        "business_licence",
        good[:17] + wrong_check(good[17], ALPHA),
        "id_checksum",
        note="wrong check",
    )
for n in ("91440300708461136", "91440300708461136TT", "9144030070846113"):
    add("business_licence", n, "id_length", note="length")
for n in ("9144030070846113OT", "91440300708461I36T", "9144030070846113ST", "91440300708461136Z"):
    add("business_licence", n, "id_format", note="letters I O S V Z")

# --- unknown kinds ------------------------------------------------------------------------
for kind in ("library_card", "driving_licence"):
    add(kind, "440106199001011235", "id_type_unknown", note="not a document of the norm")

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["kind", "number", "expect", "normal", "birth_date", "note"])
out.writerows(rows)
