"""Validate the labels of the retrieval evaluation set (stdlib only).

Usage:
    python benchmarks/retrieval/check_labels.py [--questions PATH] [--knowledge DIR]

Parses the headings of every markdown document under knowledge/ (front matter and
fenced code blocks skipped) and checks every question in questions.jsonl:

- the line is a JSON object with non-empty string fields id, lang, question, answer;
- ids are unique and start with "<lang>-";
- "relevant" is a non-empty list of {"doc", "heading"} objects without duplicates;
- each doc exists (path relative to knowledge/);
- each heading exists EXACTLY as an H2 or H3 heading of that doc (retrieval chunks
  are H2/H3 sections, so H1 or H4+ headings are not valid labels).

Prints counts per language, per front-matter topic (of the first label) and per doc,
then exits 1 listing every broken label (0 when all labels are valid).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
FENCE_RE = re.compile(r"^[ \t]*(```|~~~)")
KNOWN_LANGS = {"en", "zh", "ja", "es"}
MINIMUMS = {"en": 70, "zh": 18, "ja": 5, "es": 5}


def parse_doc(path: Path) -> tuple[dict[str, list[int]], str]:
    """Return ({heading text: [levels]}, front-matter topic) for one markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    topic = ""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                for fm in lines[1:i]:
                    if fm.startswith("topic:"):
                        topic = fm.split(":", 1)[1].strip()
                start = i + 1
                break
    headings: dict[str, list[int]] = {}
    in_fence = False
    for line in lines[start:]:
        if FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = HEADING_RE.match(line)
        if m:
            headings.setdefault(m.group(2).strip(), []).append(len(m.group(1)))
    return headings, topic


def load_knowledge(root: Path) -> dict[str, tuple[dict[str, list[int]], str]]:
    return {p.relative_to(root).as_posix(): parse_doc(p) for p in sorted(root.rglob("*.md"))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    ap.add_argument("--knowledge", type=Path, default=REPO / "knowledge")
    args = ap.parse_args()

    docs = load_knowledge(args.knowledge)
    errors: list[str] = []
    warnings: list[str] = []
    per_lang: Counter[str] = Counter()
    per_doc: Counter[str] = Counter()
    per_topic: Counter[str] = Counter()
    per_nlabels: Counter[int] = Counter()
    seen_ids: set[str] = set()
    seen_questions: set[str] = set()
    total = 0

    for lineno, raw in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        where = f"line {lineno}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{where}: not a JSON object")
            continue
        total += 1
        qid = obj.get("id")
        where = f"line {lineno} ({qid})"
        for field in ("id", "lang", "question", "answer"):
            if not isinstance(obj.get(field), str) or not obj[field].strip():
                errors.append(f"{where}: missing or empty string field '{field}'")
        lang = obj.get("lang") if isinstance(obj.get("lang"), str) else "?"
        per_lang[lang] += 1
        if lang not in KNOWN_LANGS:
            warnings.append(f"{where}: unexpected lang {lang!r}")
        if isinstance(qid, str):
            if qid in seen_ids:
                errors.append(f"{where}: duplicate id")
            seen_ids.add(qid)
            if not re.fullmatch(rf"{re.escape(lang)}-\d{{3,}}", qid):
                errors.append(f"{where}: id does not match '<lang>-NNN' for lang {lang!r}")
        question = obj.get("question")
        if isinstance(question, str):
            key = question.strip().lower()
            if key in seen_questions:
                errors.append(f"{where}: duplicate question text")
            seen_questions.add(key)

        relevant = obj.get("relevant")
        if not isinstance(relevant, list) or not relevant:
            errors.append(f"{where}: 'relevant' must be a non-empty list")
            continue
        per_nlabels[len(relevant)] += 1
        seen_labels: set[tuple[str, str]] = set()
        for i, label in enumerate(relevant):
            lw = f"{where} label {i}"
            if (
                not isinstance(label, dict)
                or not isinstance(label.get("doc"), str)
                or not isinstance(label.get("heading"), str)
            ):
                errors.append(f"{lw}: must be an object with string 'doc' and 'heading'")
                continue
            doc, heading = label["doc"], label["heading"]
            if (doc, heading) in seen_labels:
                errors.append(f"{lw}: duplicate label {doc} :: {heading}")
            seen_labels.add((doc, heading))
            if doc not in docs:
                errors.append(f"{lw}: doc not found: {doc}")
                continue
            headings, topic = docs[doc]
            if i == 0:
                per_topic[topic or "(no topic)"] += 1
            per_doc[doc] += 1
            levels = headings.get(heading)
            if levels is None:
                near = [h for h in headings if h.lower() == heading.strip().lower()]
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                errors.append(f"{lw}: heading not found in {doc}: {heading!r}{hint}")
            elif not any(level in (2, 3) for level in levels):
                errors.append(f"{lw}: {heading!r} in {doc} is H{levels[0]}, not an H2/H3 section")
            elif len([level for level in levels if level in (2, 3)]) > 1:
                warnings.append(f"{lw}: heading {heading!r} occurs more than once in {doc} (ambiguous chunk)")

    print(f"questions: {total}  docs parsed: {len(docs)}")
    print("\nper language:")
    for lang, n in sorted(per_lang.items()):
        need = MINIMUMS.get(lang)
        print(f"  {lang:4} {n:4}" + (f"  (minimum {need})" if need else ""))
        if need and n < need:
            warnings.append(f"only {n} '{lang}' questions (minimum {need})")
    for lang, need in MINIMUMS.items():
        if lang not in per_lang:
            warnings.append(f"no '{lang}' questions (minimum {need})")
    print("\nlabels per question:")
    for n, c in sorted(per_nlabels.items()):
        print(f"  {n} label(s): {c}")
    print("\nper topic (front-matter topic of the first labelled doc):")
    for topic, n in per_topic.most_common():
        print(f"  {n:4}  {topic}")
    print("\nper doc (number of labels pointing at it):")
    for doc in sorted(docs):
        print(f"  {per_doc.get(doc, 0):4}  {doc}")
    unused = [d for d in docs if d not in per_doc]
    if unused:
        warnings.append("docs never labelled: " + ", ".join(unused))

    for w in warnings:
        print(f"WARNING: {w}")
    if errors:
        print(f"\n{len(errors)} broken label(s) / record error(s):", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print("\nOK: every label points at an existing H2/H3 heading.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
