"""Build the slip's font: Noto Sans CJK SC cut down to what a slip prints (BH-5).

The whole Noto CJK collection is 20 MB of CFF outlines; parsing it for every PDF took 1.7 s.
This keeps GB 2312 (6,763 hanzi and its symbols), ASCII, Latin-1, CJK and fullwidth
punctuation and every character the project's own text and data hold (region names, the
catalogue), and drops the layout tables a horizontal Chinese slip does not use, which gives
a font fpdf2 reads in ~50 ms. The outlines are turned from CFF into TrueType quadratics
(fontTools' cu2qu): fpdf2 embeds a TrueType font with the plain Identity-H encoding, whose
text every PDF reader extracts, where its CFF embedding uses a CMap that pypdf and pdfminer
cannot read; TrueType subsetting is also faster (no charstrings to run). A character
outside it (a rare surname) is taken from the full system font when it is installed
(counter/slip.py).

Run: .venv/bin/python scripts/build_slip_font.py [/path/to/NotoSansCJK-Regular.ttc]
Writes src/telcodesk/counter/fonts/NotoSansSC-slip.ttf (SIL OFL 1.1, see OFL.txt there).
"""

from __future__ import annotations

import pathlib
import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC_FACE = 2  # JP, KR, SC, TC, HK in the collection
TARGET = ROOT / "src/telcodesk/counter/fonts/NotoSansSC-slip.ttf"


def characters() -> set[int]:
    wanted = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    wanted |= set(range(0x2000, 0x206F)) | set(range(0x3000, 0x303F)) | set(range(0xFF00, 0xFFEF))
    for cp in range(0x80, 0x10000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        wanted.add(cp)
    own = ROOT / "src/telcodesk"
    for path in [*own.rglob("*.py"), *own.rglob("*.html"), *own.rglob("*.tsv")]:
        wanted |= {ord(ch) for ch in path.read_text(encoding="utf-8") if ord(ch) >= 0x80}
    return wanted


def to_truetype(font: TTFont) -> None:
    """CFF cubic outlines to TrueType quadratic ones (1 unit of error in 1000)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quadratic
    del font["CFF "]
    glyf.compile(font)
    metrics = font["hmtx"].metrics
    for name in order:
        glyph = glyf.glyphs[name]
        metrics[name] = (metrics[name][0], getattr(glyph, "xMin", 0))
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 2.0  # glyph names kept: fpdf2 subsets by name
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> None:
    font = TTFont(sys.argv[1] if len(sys.argv) > 1 else SOURCE, fontNumber=SC_FACE)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx"]
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=characters())
    cutter.subset(font)
    to_truetype(font)
    font.save(TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
