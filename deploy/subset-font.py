#!/usr/bin/python3
"""Writes the subset of Noto Serif CJK SC that notices' PDFs are set in.

usage: subset-font.py SOURCE.ttc WEIGHT OUT.otf

Why: to embed a font in a PDF, cairo copies the font's whole CFF table to
subset it, for every PDF: 20 MB of Noto Serif CJK's 65,535 glyphs, most of
a notice's rendering time (lib/pdfdoc.c). This subset keeps the characters
of GB 2312 (its 6,763 hanzi and symbols), ASCII, CJK and full-width
punctuation, general punctuation and enclosed numbers — some 7,900 glyphs,
a sixth of the size — renamed "YSQGK Serif SC" so that it never stands in
for the real font elsewhere. pdfdoc asks for it first and for Noto Serif CJK
SC after it, so a character outside GB 2312 (a rare character in a name)
still comes from the full font. Debian's python3-fonttools; the source is
Debian's fonts-noto-cjk (SIL Open Font License 1.1, which allows modified
versions under another name).
"""
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

FAMILY = "YSQGK Serif SC"
SC_FACE = "Noto Serif CJK SC"


def gb2312():
    chars = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([b1, b2]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def wanted():
    chars = gb2312() | set(range(0x20, 0x7F))
    for first, last in ((0x2000, 0x206F), (0x2460, 0x24FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)):
        chars |= set(range(first, last + 1))
    return chars


def sc_face(path):
    for font in TTCollection(path).fonts:
        if font["name"].getDebugName(1) == SC_FACE:
            return font
    sys.exit("subset-font: no %s face in %s" % (SC_FACE, path))


def rename(font, weight):
    postscript = "YSQGKSerifSC-" + weight
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID == 4:
            rec.string = FAMILY + ("" if weight == "Regular" else " " + weight)
        elif rec.nameID == 6:
            rec.string = postscript
        elif rec.nameID == 3:
            rec.string = "ysqgk;" + postscript
    font["CFF "].cff.fontNames = [postscript]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    source, weight, out = sys.argv[1:]
    font = sc_face(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    rename(font, weight)
    font.save(out + ".tmp")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
