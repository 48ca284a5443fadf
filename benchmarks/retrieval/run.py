"""Retrieval quality and speed of the knowledge index, measured on the labelled questions.

    .venv/bin/python benchmarks/retrieval/run.py [--model PATH] [--label NAME] [--latency-rounds 3]

1. Builds the index from scratch in a temporary folder (timed), then rebuilds with no change (timed).
2. Scores BM25 alone, dense alone and the hybrid (reciprocal rank fusion) per language: Recall@5 (a
   labelled section in the top 5), MRR@10 and nDCG@10. A passage counts as relevant when it comes from
   a labelled section (or a subsection of it).
3. Times `search_guidance` through a real MCP client over stdio (`partner-agent serve`), warm: p50/p95.

Prints a markdown table and saves benchmarks/results/retrieval[-LABEL].json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from agent.retrieval.index import KnowledgeIndex  # noqa: E402

METHODS = ("bm25", "dense", "hybrid")


def load_questions() -> list[dict]:
    with open(REPO / "benchmarks" / "retrieval" / "questions.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def is_relevant(passage, labels: list[dict]) -> bool:
    return any(passage.doc == label["doc"] and label["heading"] in passage.section_path[1:] for label in labels)


def score(index: KnowledgeIndex, questions: list[dict], method: str, relevant_total: dict[str, int]) -> dict:
    recall, mrr, ndcg = [], [], []
    for question in questions:
        passages = index.search(question["question"], k=10, method=method)
        hits = [is_relevant(p, question["relevant"]) for p in passages]
        recall.append(1.0 if any(hits[:5]) else 0.0)
        first = next((rank for rank, hit in enumerate(hits, 1) if hit), None)
        mrr.append(1.0 / first if first else 0.0)
        dcg = sum(1.0 / math.log2(rank + 1) for rank, hit in enumerate(hits, 1) if hit)
        ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(10, relevant_total[question["id"]]) + 1))
        ndcg.append(dcg / ideal if ideal else 0.0)
    return {
        "recall@5": round(statistics.mean(recall), 3),
        "mrr@10": round(statistics.mean(mrr), 3),
        "ndcg@10": round(statistics.mean(ndcg), 3),
        "questions": len(questions),
    }


def count_relevant(index: KnowledgeIndex, questions: list[dict]) -> dict[str, int]:
    """How many indexed sections each question's labels cover (the ideal for nDCG)."""
    chunks, _, _ = index.documents()
    totals = {}
    for question in questions:
        totals[question["id"]] = sum(
            1
            for c in chunks
            if any(c.doc == label["doc"] and label["heading"] in c.section_path[1:] for label in question["relevant"])
        )
    return totals


async def mcp_latency(index_dir: Path, model: str | None, questions: list[dict], rounds: int) -> dict:
    from mcp import Client, StdioServerParameters

    env = {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_INDEX_DIR": str(index_dir),
        "PARTNER_AGENT_DATA_DIR": str(index_dir.parent / "data"),
    }
    if model:
        env["PARTNER_AGENT_EMBEDDING_MODEL"] = model
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "partner-agent"), args=["serve"], env=env)
    timings = []
    async with Client(params, mode="legacy") as client:
        first = time.perf_counter()
        session = (await client.call_tool("search_guidance", {"query": "warm up"})).structured_content["session_id"]
        cold = time.perf_counter() - first
        for _ in range(rounds):
            for question in questions:
                start = time.perf_counter()
                result = await client.call_tool(
                    "search_guidance", {"query": question["question"], "session_id": session}
                )
                timings.append(time.perf_counter() - start)
                assert not result.is_error, result.content
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))] * 1000, 1),
        "calls": len(timings),
        "first_call_after_launch_s": round(cold, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a local sentence-transformers model folder (default: all-MiniLM-L6-v2)")
    parser.add_argument("--label", default="", help="suffix for the results file, e.g. the model's name")
    parser.add_argument("--latency-rounds", type=int, default=3)
    args = parser.parse_args()

    import anyio

    questions = load_questions()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "knowledge"
        index = KnowledgeIndex(index_dir, args.model)
        full = index.build()
        again = KnowledgeIndex(index_dir, args.model)
        started = time.perf_counter()
        unchanged = again.build()
        no_change_seconds = time.perf_counter() - started
        assert unchanged.added == 0, "a no-change rebuild embedded sections"
        totals = count_relevant(index, questions)
        by_language = defaultdict(list)
        for question in questions:
            by_language[question["lang"]].append(question)
        quality = {lang: {m: score(index, qs, m, totals) for m in METHODS} for lang, qs in sorted(by_language.items())}
        english = [q for q in questions if q["lang"] == "en"]
        latency = anyio.run(mcp_latency, index_dir, args.model, english, args.latency_rounds)

    results = {
        "model": args.model or "auto: all-MiniLM-L6-v2 for English questions, USE multilingual v3 for others",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "build": {
            "full_seconds": round(full.seconds, 1),
            "sections": full.chunks,
            "documents": full.documents,
            "no_change_seconds": round(no_change_seconds, 2),
        },
        "quality": quality,
        "search_guidance_mcp_stdio": latency,
    }
    out = REPO / "benchmarks" / "results" / f"retrieval{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    print(f"model: {results['model']}")
    print(
        f"build: {full.documents} documents, {full.chunks} sections in {full.seconds:.1f} s; "
        f"no-change rebuild {no_change_seconds:.2f} s"
    )
    print("\n| questions | method | Recall@5 | MRR@10 | nDCG@10 |\n|---|---|---|---|---|")
    for lang, methods in quality.items():
        for method, figures in methods.items():
            print(
                f"| {lang} ({figures['questions']}) | {method} | {figures['recall@5']:.3f} | {figures['mrr@10']:.3f} "
                f"| {figures['ndcg@10']:.3f} |"
            )
    print(
        f"\nsearch_guidance over MCP stdio, warm: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms "
        f"({latency['calls']} calls); first call after launch {latency['first_call_after_launch_s']} s"
    )
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
