"""The Cranfield collection as searchpod sees it, and the measures of a ranking against it.

Shared by tests/query/test_relevance_cranfield.py and benchmarks/relevance.py. Documents become
episode pages (title, then the abstract as the body); queries are typed as a person would
type them: the text of the query with every query-syntax character blanked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

_SYNTAX = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Collection:
    docs: dict[int, tuple[str, str]]  # id -> (title, abstract)
    queries: list[str]  # query k (1-based in the judgements) is queries[k - 1]
    grades: dict[int, dict[int, int]]  # query -> doc -> gain (5 - Cleverdon grade)


def _fields(text: str) -> list[tuple[str, str, str]]:
    """(record id, field letter, text) for each ``.X`` section of a Cranfield file."""
    out = []
    record, field, lines = "", "", []
    for line in text.splitlines():
        if line.startswith(".I "):
            if field:
                out.append((record, field, " ".join(lines)))
            record, field, lines = line[3:].strip(), "", []
        elif len(line) == 2 and line.startswith("."):
            if field:
                out.append((record, field, " ".join(lines)))
            field, lines = line[1], []
        else:
            lines.append(line.strip())
    if field:
        out.append((record, field, " ".join(lines)))
    return out


def read_collection(folder: Path) -> Collection:
    docs: dict[int, dict[str, str]] = {}
    for record, field, text in _fields((folder / "cran.all.1400").read_text(encoding="utf-8")):
        docs.setdefault(int(record), {})[field] = text
    queries = [
        text
        for _, field, text in _fields((folder / "cran.qry").read_text(encoding="utf-8"))
        if field == "W"
    ]
    grades: dict[int, dict[int, int]] = {}
    for line in (folder / "cranqrel").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and int(parts[2]) in (1, 2, 3, 4):
            grades.setdefault(int(parts[0]), {})[int(parts[1])] = 5 - int(parts[2])
    return Collection(
        docs={n: (d.get("T", "").strip(" ."), d.get("W", "")) for n, d in docs.items()},
        queries=queries,
        grades=grades,
    )


def as_typed(query: str) -> str:
    """The query as someone would type it into a search box: no query-syntax characters."""
    return " ".join(_SYNTAX.sub(" ", query).split())


def write_pages(collection: Collection, folder: Path) -> None:
    """One episode page per document, ``N.txt``, titled with the document's title.

    Two documents (471, 995) are empty in the collection: there is nothing to index.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for n, (title, abstract) in collection.docs.items():
        if not (title or abstract):
            continue
        page = f"Eps {n}: {title}\n— Cranfield\n\nHost\nCranfield\nPodcast Content\n{abstract}\n"
        (folder / f"{n}.txt").write_text(page, encoding="utf-8")


def average_precision(ranked: list[int], relevant: set[int]) -> float:
    found, total = 0, 0.0
    for i, doc in enumerate(ranked, 1):
        if doc in relevant:
            found += 1
            total += found / i
    return total / len(relevant) if relevant else 0.0


def ndcg(ranked: list[int], gains: dict[int, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranked[:k], 1))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def precision(ranked: list[int], relevant: set[int], k: int = 10) -> float:
    return sum(d in relevant for d in ranked[:k]) / k


@dataclass(frozen=True)
class Scores:
    map: float
    ndcg10: float
    p10: float


def evaluate(collection: Collection, runs: dict[int, list[int]]) -> Scores:
    """Mean measures over the judged queries; ``runs`` maps query number -> ranked doc ids."""
    judged = sorted(collection.grades)
    aps, ndcgs, p10s = [], [], []
    for q in judged:
        ranked, gains = runs.get(q, []), collection.grades[q]
        aps.append(average_precision(ranked, set(gains)))
        ndcgs.append(ndcg(ranked, gains))
        p10s.append(precision(ranked, set(gains)))
    n = len(judged)
    return Scores(sum(aps) / n, sum(ndcgs) / n, sum(p10s) / n)


def _cisi_records(text: str) -> list[tuple[str, str, str]]:
    """As ``_fields``, for CISI's files: a marker is ``.`` and a field letter, maybe with
    trailing blanks (an abstract line ".." is text)."""
    out = []
    record, field, lines = "", "", []
    for line in text.splitlines():
        marker = line.rstrip()
        if marker.startswith(".I "):
            if field:
                out.append((record, field, " ".join(lines)))
            record, field, lines = marker[3:].strip(), "", []
        elif len(marker) == 2 and marker[0] == "." and marker[1] in "TAWXB":
            if field:
                out.append((record, field, " ".join(lines)))
            field, lines = marker[1], []
        else:
            lines.append(line.strip())
    if field:
        out.append((record, field, " ".join(lines)))
    return out


def read_cisi(folder: Path) -> Collection:
    """The CISI collection (``../shared/corpus/cisi``) in the same shape as Cranfield's.

    Documents: ``.T`` title and ``.W`` abstract (``.A`` authors and ``.X`` cross-references
    are not text to search). Queries: ``.W``, or ``.T`` where there is none; judgements are
    binary (gain 1), and only the queries judged in ``CISI.REL`` are evaluated.
    """
    docs: dict[int, dict[str, str]] = {}
    for record, field, text in _cisi_records((folder / "CISI.ALL").read_text(encoding="latin-1")):
        docs.setdefault(int(record), {})[field] = text
    asked: dict[int, dict[str, str]] = {}
    for record, field, text in _cisi_records((folder / "CISI.QRY").read_text(encoding="latin-1")):
        asked.setdefault(int(record), {})[field] = text
    queries = [
        asked.get(k, {}).get("W") or asked.get(k, {}).get("T") or ""
        for k in range(1, max(asked) + 1)
    ]
    grades: dict[int, dict[int, int]] = {}
    for line in (folder / "CISI.REL").read_text(encoding="latin-1").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            grades.setdefault(int(parts[0]), {})[int(parts[1])] = 1
    return Collection(
        docs={n: (d.get("T", "").strip(" ."), d.get("W", "")) for n, d in docs.items()},
        queries=queries,
        grades=grades,
    )
