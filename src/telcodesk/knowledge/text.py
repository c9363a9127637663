"""Chinese text for the index and the query: the same steps on both sides, in Python, so
SQLite and PostgreSQL see exactly the same terms (KB-1).

1. ``normalise``: NFKC (full-width ``ＬＯＳ灯``, ``５Ｇ`` → ``los灯``, ``5g``), lower case, control
   characters out, spaces between two Chinese characters dropped (``宽 带`` is ``宽带``).
2. ``canonical``: every synonym or common typo (``data/synonyms.txt``) becomes its group's
   first term, longest match first (光纤猫 → 光猫, 销号/注销 → 销户, 携转 → 携号转网).
3. ``words``: jieba with the domain dictionary (``data/dict.txt``); Latin and digit runs stay
   whole (``5g``, ``los``, ``0000``).
4. Index terms: the words, plus every Chinese character bigram (so a two-character query
   matches however jieba cut the article) and, for title, tags and answer, every single
   character (one-character queries). FTS5's trigram tokenizer finds nothing below three
   characters; this covers one and two.

jieba loads its dictionary once per process, on first use (``_tokenizer``, cached); the
domain dictionary is added to that one instance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_PIECE = re.compile(f"[{_CJK}]+|[a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE_IN_CJK = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _CONTROL.sub(" ", text)
    text = _SPACE_IN_CJK.sub("", text)
    return _SPACES.sub(" ", text).strip()


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(normalise(w) for w in line.split()) for line in _lines("synonyms.txt"))


@cache
def _synonyms() -> tuple[re.Pattern[str], dict[str, str]]:
    to_canonical: dict[str, str] = {}
    for group in synonym_groups():
        for word in group:
            to_canonical.setdefault(word, group[0])
    parts = []
    for word in sorted(to_canonical, key=len, reverse=True):
        # A Latin variant (sp, td) counts only as a whole word, not inside another one.
        latin = word.isascii()
        parts.append(f"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])" if latin else re.escape(word))
    return re.compile("|".join(parts)), to_canonical


def canonical(text: str) -> str:
    pattern, to_canonical = _synonyms()
    return pattern.sub(lambda m: to_canonical[m.group(0)], normalise(text))


def variants(term: str) -> list[str]:
    """The canonical term and everything that maps to it (for highlighting)."""
    _, to_canonical = _synonyms()
    head = to_canonical.get(term, term)
    return [head, *(w for w, c in to_canonical.items() if c == head and w != head)]


@cache
def stopwords() -> frozenset[str]:
    return frozenset(w for line in _lines("stopwords.txt") for w in line.split())


@cache
def _tokenizer() -> Any:
    """One jieba tokenizer per process, its dictionary loaded once (about a second)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for line in _lines("dict.txt"):
        word, freq, tag = line.split()
        tokenizer.add_word(normalise(word), int(freq), tag)
    for group in synonym_groups():
        tokenizer.add_word(group[0], 1000)
    return tokenizer


def words(canonical_text: str) -> list[str]:
    """jieba's words of an already canonical text, punctuation and spaces dropped; a mixed
    word (``los灯``) gives its Latin and its Chinese part."""
    return [p for w in _tokenizer().cut(canonical_text, HMM=False) for p in _PIECE.findall(w)]


def _grams(text: str, unigrams: bool) -> Iterable[str]:
    for run in _CJK_RUN.findall(text):
        if unigrams:
            yield from run
        yield from (run[i : i + 2] for i in range(len(run) - 1))


def index_terms(text: str, *, unigrams: bool) -> list[str]:
    """The distinct index terms of a text, in first-seen order."""
    c = canonical(text)
    return list(dict.fromkeys([*words(c), *_grams(c, unigrams)]))


def query_units(query: str) -> list[str]:
    """What a query asks for: its canonical words without stop words (all of them when
    nothing else is left, so ``怎么办`` still searches)."""
    found = list(dict.fromkeys(words(canonical(query))))
    kept = [w for w in found if w not in stopwords()]
    return kept or found


def bigrams(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)] if _CJK_RUN.fullmatch(word) else []


def warm_up() -> None:
    """Load jieba now (the app and worker call this at start, not at the first search)."""
    words("预热")
