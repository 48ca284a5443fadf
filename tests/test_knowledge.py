"""The knowledge base: documents to sections, incremental indexing, hybrid search with citations, and
every way a file, an index or a query can be bad."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mcp import Client

from agent.config import Settings
from agent.retrieval.documents import DocumentError, chunk_document, read_document
from agent.retrieval.index import IndexUnavailable, KnowledgeIndex, QueryError
from agent.server import build_server

GUIDE = """---
title: Fund Request Basics
topic: fund-requests
guide_section: Fund requests
reviewed: 2026-11-27
---

# Fund Request Basics

Intro text about fund requests.

## Recalling a fund request

You can recall a fund request only before it reaches the Pre-Approved stage.

### After the recall

The request goes back to the Created stage with its details kept.

## Deleting a fund request

Deleting works only in the Created stage.
"""
PRM = """---
title: Revenue Attribution
topic: prm
---

# Revenue Attribution

## Tagging resources for PRM

Tag resources with the aws-apn-id key so revenue is attributed to your product.
"""


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF with ``text``, written by hand (no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "fund-requests.md").write_text(GUIDE)
    (folder / "prm.md").write_text(PRM)
    return folder


@pytest.fixture
def index(tmp_path: Path, library: Path) -> KnowledgeIndex:
    return KnowledgeIndex(tmp_path / "index", library=library)


# Documents


def test_markdown_is_cut_at_headings_with_the_heading_path(library: Path) -> None:
    document = read_document(library / "fund-requests.md", "fund-requests.md")
    chunks = chunk_document(document)
    assert [c.section_path for c in chunks] == [
        ("Fund Request Basics",),
        ("Fund Request Basics", "Recalling a fund request"),
        ("Fund Request Basics", "Recalling a fund request", "After the recall"),
        ("Fund Request Basics", "Deleting a fund request"),
    ]
    assert {c.topic for c in chunks} == {"fund-requests"}
    assert chunks[0].source == "AWS Partner Central getting-started guide: Fund requests"
    assert "reviewed:" not in chunks[0].text  # front matter is metadata, not text


def test_html_and_pdf_become_sections_too(tmp_path: Path) -> None:
    page = tmp_path / "policy.html"
    page.write_text(
        "<html><head><title>Partner policy</title><script>steal()</script></head><body><nav>Home</nav>"
        "<h2>Travel</h2><p>Flights need approval.</p><ul><li>Economy only</li></ul></body></html>"
    )
    [chunk] = [c for c in chunk_document(read_document(page, "user/policy.html")) if c.text]
    assert chunk.section_path == ("Partner policy", "Travel")
    assert "Economy only" in chunk.text and "steal" not in chunk.text and "Home" not in chunk.text
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(tiny_pdf("Our MDF plan covers three webinars"))
    [chunk] = chunk_document(read_document(pdf, "user/plan.pdf"))
    assert "three webinars" in chunk.text and chunk.section_path[-1] == "Page 1"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deck.pptx", b"PK\x03\x04", "unsupported file type .pptx"),
        ("notes.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("empty.md", b"   \n", "no text found"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", "PDF"),
    ],
)
def test_unreadable_or_unsupported_files_are_clear_errors(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message):
        read_document(path, f"user/{name}")


# Index


def test_build_then_search_cites_the_right_section(index: KnowledgeIndex) -> None:
    report = index.build()
    assert (report.documents, report.added, report.rebuilt_from_scratch) == (2, report.chunks, True)
    [top, *_] = index.search("Can I pull back my funding request after submitting it?", k=3)
    assert top.section_path == ["Fund Request Basics", "Recalling a fund request"]
    assert top.citation == "Fund Request Basics > Recalling a fund request [fund-requests.md]"
    assert index.search("aws-apn-id tag", k=1, topic="prm")[0].doc == "prm.md"
    assert index.status()["state"] == "ready"


def test_rebuilds_embed_only_what_changed(index: KnowledgeIndex, library: Path) -> None:
    index.build()
    assert index.build().added == 0
    (library / "prm.md").write_text(PRM.replace("aws-apn-id key", "aws-apn-id key (value pc:<product code>)"))
    assert index.status()["state"] == "stale"
    changed = index.build()
    assert (changed.added, changed.removed) == (1, 1)
    (library / "prm.md").unlink()
    removed = index.build()
    assert removed.removed == 1 and removed.documents == 1
    assert all(p.doc != "prm.md" for p in index.search("aws-apn-id", k=5))


def test_a_users_folder_of_documents_is_searched_and_cited(index: KnowledgeIndex, tmp_path: Path) -> None:
    folder = tmp_path / "our-docs"
    folder.mkdir()
    playbook = folder / "mdf-playbook.md"
    playbook.write_text(
        "# MDF playbook\n\n## Webinar budget rule\n\nNever spend more than 4000 USD of MDF on one webinar.\n"
    )
    (folder / "logo.png").write_bytes(b"\x89PNG")  # not a document: passed over
    assert index.add_documents([folder]) == ["user/mdf-playbook.md"]
    index.build()
    [top] = index.search("How much MDF may one webinar cost us?", k=1)
    assert top.doc == "user/mdf-playbook.md" and top.source == "mdf-playbook.md"
    assert top.citation == "MDF playbook > Webinar budget rule [user/mdf-playbook.md]"


@pytest.mark.parametrize("damage", ["manifest", "vectors"])
def test_a_corrupt_index_is_detected_and_build_recovers(index: KnowledgeIndex, damage: str) -> None:
    index.build()
    if damage == "manifest":
        (index.dir / "manifest.json").write_text("{not json")
    else:
        from chromadb.api.shared_system_client import SharedSystemClient

        shutil.rmtree(index.dir / "chroma")
        SharedSystemClient.clear_system_cache()  # as a new process would find it
    fresh = KnowledgeIndex(index.dir, library=index.library)
    assert fresh.status()["state"] == "corrupt"
    with pytest.raises(IndexUnavailable, match="partner-agent index build"):
        fresh.search("recall")
    report = KnowledgeIndex(index.dir, library=index.library).build()
    assert report.rebuilt_from_scratch and report.added == report.chunks
    assert KnowledgeIndex(index.dir, library=index.library).search("recall", k=1)


def test_searches_at_once_find_what_each_finds_alone(guidance_index: Path) -> None:
    """Many clients ask at the same moment (the HTTP server runs each call in its own thread): each gets the
    passages it would get alone."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    questions = [
        "How do I recall a fund request?",
        "What is the aws-apn-id tag for?",
        "How do I link my AWS account?",
        "¿Cómo solicito fondos MDF?",
        "Which IAM policy lets a user approve fund requests?",
        "How long does verification take?",
    ] * 4
    shared = KnowledgeIndex(guidance_index)
    start = threading.Barrier(len(questions))

    def ask(question: str) -> list[str]:
        start.wait()  # all at once, the first ones while the index and the models are still loading
        return [p.citation for p in shared.search(question, k=5)]

    with ThreadPoolExecutor(len(questions)) as pool:
        together = list(pool.map(ask, questions))
    alone = KnowledgeIndex(guidance_index)
    assert together == [[p.citation for p in alone.search(q, k=5)] for q in questions]


def test_a_missing_index_is_built_by_the_first_search(index: KnowledgeIndex) -> None:
    assert index.status()["state"] == "missing"
    assert index.search("delete a fund request", k=1)[0].section_path[-1] == "Deleting a fund request"


@pytest.mark.parametrize(
    ("query", "kwargs", "message"),
    [
        ("   ", {}, "empty"),
        ("fund " * 400, {}, "at most 1000"),
        ("recall", {"topic": "astrology"}, "Unknown topic 'astrology'; topics are: fund-requests, prm"),
        ("recall", {"k": 0}, "between 1 and 20"),
    ],
)
def test_bad_queries_are_clear_errors(index: KnowledgeIndex, query: str, kwargs: dict, message: str) -> None:
    index.build()
    with pytest.raises(QueryError, match=message):
        index.search(query, **kwargs)


def test_another_embedding_model_means_a_rebuild(index: KnowledgeIndex, tmp_path: Path) -> None:
    index.build()
    other_model = tmp_path / "model-copy"
    shutil.copytree(index.spaces[0].model, other_model)
    switched = KnowledgeIndex(index.dir, str(other_model), library=index.library)
    assert switched.status()["state"] == "corrupt" and "another embedding model" in switched.status()["reason"]
    assert switched.build().rebuilt_from_scratch


# Through MCP, on the bundled guidance


async def test_search_guidance_returns_cited_passages(guidance_settings: Settings, protocol_mode: str) -> None:
    async with Client(build_server(guidance_settings), mode=protocol_mode) as client:
        result = await client.call_tool(
            "search_guidance", {"query": "How do I recall a fund request?", "k": 3, "detail": "full"}
        )
        assert not result.is_error, result.content
        passages = result.structured_content["passages"]
        assert len(passages) == 3
        top = passages[0]
        assert "recall" in top["text"].lower() and top["citation"].startswith(top["citation"].split(" > ")[0] + " > ")
        assert top["resource_uri"].startswith("guidance://guide/") and top["source"].startswith("AWS Partner Central")
        document = await client.read_resource(top["resource_uri"])
        assert top["text"][:60] in document.contents[0].text


async def test_search_guidance_bad_input_is_a_tool_error(guidance_settings: Settings) -> None:
    async with Client(build_server(guidance_settings)) as client:
        empty = await client.call_tool("search_guidance", {"query": " "})
        assert empty.is_error and "empty" in empty.content[0].text
        topic = await client.call_tool("search_guidance", {"query": "MDF", "topic": "astrology"})
        assert topic.is_error and "funding" in topic.content[0].text  # lists the real topics
        huge = await client.call_tool("search_guidance", {"query": "x" * 5000})
        assert huge.is_error


async def test_documents_are_resources_and_get_started_cards_are_prompts(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert "guidance://guide/fund-request-changes.md" in resources and len(resources) >= 30
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert {
            "complete_partner_profile",
            "set_up_marketplace_seller",
            "become_prm_ready",
            "fund_an_opportunity",
            "notes_to_funded_opportunity",
        } <= set(prompts)
        card = await client.get_prompt("become_prm_ready")
        assert "PRM" in card.messages[0].content.text


def test_index_cli_add_status_build(tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.conftest import VENV_BIN

    env = {"PATH": os.environ["PATH"], "PARTNER_AGENT_DATA_DIR": str(tmp_path / "data")}
    cli = str(VENV_BIN / "partner-agent")
    missing = subprocess.run([cli, "index", "status"], env=env, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and json.loads(missing.stdout)["state"] == "missing"
    bad = tmp_path / "deck.pptx"
    bad.write_bytes(b"PK")
    refused = subprocess.run([cli, "index", "add", str(bad)], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "unsupported file type" in refused.stderr


@pytest.mark.parametrize("model", ["auto", "use-multilingual"])
def test_questions_in_other_languages_find_english_sections(tmp_path: Path, library: Path, model: str) -> None:
    index = KnowledgeIndex(tmp_path / "multilingual", model, library=library)
    index.build()
    [top] = index.search(
        "我可以在提交资金申请后撤回吗？", k=1, method="dense"
    )  # "Can I recall a fund request after submitting?"
    assert top.section_path[-1] in ("Recalling a fund request", "After the recall")
    found = index.search(
        "¿Cuándo puedo borrar una solicitud de fondos?", k=2, method="dense"
    )  # "When can I delete...?"
    assert "Deleting a fund request" in [p.section_path[-1] for p in found]


@pytest.mark.parametrize(
    ("query", "english"),
    [
        ("How do I recall a fund request?", True),
        ("MDF wallet balance", True),
        ("如何撤回资金申请", False),
        ("資金申請を取り消すには？", False),
        ("¿Cómo retiro una solicitud de fondos?", False),
        ("Wie ziehe ich einen Antrag zurück", False),
    ],
)
def test_queries_are_routed_by_language(query: str, english: bool) -> None:
    from agent.retrieval.index import looks_english

    assert looks_english(query) is english


def test_a_shared_chroma_server_holds_the_vectors(tmp_path: Path, library: Path) -> None:
    """`chroma run` for deployments with several workers: same index, vectors on the server."""
    import subprocess
    import time

    import httpx

    from tests.conftest import VENV_BIN
    from tests.servers import free_port

    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "chroma"),
            "run",
            "--path",
            str(tmp_path / "chroma-server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        index = KnowledgeIndex(tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}", library=library)
        assert index.build().added > 0
        assert not (tmp_path / "index" / "chroma").exists()  # nothing stored locally but the manifest
        reopened = KnowledgeIndex(tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}", library=library)
        assert reopened.build().added == 0
        assert reopened.search("delete a fund request", k=1)[0].section_path[-1] == "Deleting a fund request"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_queries_asked_at_once_are_embedded_in_shared_batches() -> None:
    """Under load, a query waits for the batch before it and goes with the others that came meanwhile: fewer
    forward passes, the same vectors; a batch that fails fails each of its queries, and the next one works."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from agent.retrieval.embeddings import QueryBatches, embedding_function
    from agent.retrieval.models import default_model_path

    model = embedding_function(default_model_path())
    batches_run: list[int] = []
    failing = threading.Event()

    def embed(texts: list[str]):
        batches_run.append(len(texts))
        if failing.is_set():
            raise RuntimeError("the model ran out of memory")
        return model(texts)

    batches = QueryBatches(embed)
    questions = [f"How do I recall fund request number {n}?" for n in range(16)]
    start = threading.Barrier(len(questions))

    def ask(question: str):
        start.wait()
        return batches(question)

    with ThreadPoolExecutor(len(questions)) as pool:
        together = list(pool.map(ask, questions))
    assert sum(batches_run) == len(questions) and len(batches_run) < len(questions)
    for question, vector in zip(questions, together, strict=True):
        assert np.allclose(vector, model([question])[0], atol=1e-5)

    failing.set()
    with pytest.raises(RuntimeError, match="out of memory"):
        batches("Who approves MDF?")
    failing.clear()
    assert np.allclose(batches("Who approves MDF?"), model(["Who approves MDF?"])[0], atol=1e-5)
