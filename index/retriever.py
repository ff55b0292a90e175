"""The LangChain face of :meth:`index.retrieving.Index.search`, for LangChain pipelines built on the index.

A module of its own so that asking a question, which calls ``Index.search`` directly, loads no LangChain
(0.6 s of imports for a one-off ``bot ask``).
"""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.settings import default
from index.types import RetrievedPassage


class HybridRetriever(BaseRetriever):
    """The LangChain face of :meth:`Index.search`: passages as ``Document``s, scores in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: Any
    k: int = default("k")
    also: list[str] = []  # the question in other languages (LLM translations), searched alongside it

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(rp) for rp in self.index.search(query, self.k, also=self.also)]


def to_document(rp: RetrievedPassage) -> Document:
    meta = rp.to_dict()
    text = meta.pop("text")
    meta["retrieved"] = rp
    return Document(page_content=text, metadata=meta, id=rp.passage.id)
