"""The LangChain RAG tutorial pipeline, as the yardstick ``bot eval --baseline`` compares against.

Same documents (the index's decoded file texts) and the same embedding model, but the tutorial's
recipe: ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)``,
an in-memory Chroma, dense ``similarity_search`` with k=4. With no LLM the top chunk *is* the answer
and its citation; it never refuses and does not use the conversation history. Results come back in
the JSON form of :class:`index.types.AnswerResult`, so :mod:`evaluation.metrics` scores both pipelines alike.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable

Progress = Callable[[str, int, int], None]


class TutorialBaseline:
    """Chunks + dense top-k over an ephemeral Chroma collection, built once per eval run."""

    def __init__(
        self,
        files: dict[str, str],
        embedder,
        *,
        chunk_size: int = 1000,
        chunk_overlap: int = 200,
        k: int = 4,
        progress: Progress | None = None,
        batch: int = 32,
    ):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from index.languages import detect_language

        self.chunk_size, self.chunk_overlap, self.k = chunk_size, chunk_overlap, k
        self.texts = files
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True)
        docs = splitter.split_documents([Document(page_content=text, metadata={"source": s}) for s, text in sorted(files.items())])
        counters: dict[str, int] = {}
        for doc in docs:
            source = doc.metadata["source"]
            start = _locate(files[source], doc.page_content, doc.metadata.get("start_index", -1))
            n = counters[source] = counters.get(source, 0) + 1
            doc.metadata.update(
                start_index=start,
                end_index=start + len(doc.page_content),
                chunk_id=f"{source}#c{n}",
                lang=detect_language(doc.page_content),
            )
        self.chunks = len(docs)
        self._client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self._name = f"baseline-{uuid.uuid4().hex[:12]}"
        self.store = Chroma(client=self._client, collection_name=self._name, embedding_function=embedder)
        if progress:
            progress("baseline embed", 0, len(docs))
        for i in range(0, len(docs), batch):
            self.store.add_documents(docs[i : i + batch])
            if progress:
                progress("baseline embed", min(i + batch, len(docs)), len(docs))

    def describe(self) -> dict[str, Any]:
        return {"pipeline": "langchain-tutorial", "chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap, "k": self.k, "chunks": self.chunks}

    def answer(self, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """The AnswerResult JSON for ``question``; ``history`` is accepted and ignored, as in the tutorial."""
        from bot.chain import question_language

        t0 = time.perf_counter()
        hits = self.store.similarity_search_with_score(question, k=self.k)
        retrieve_ms = (time.perf_counter() - t0) * 1e3
        retrieved, citations = [], []
        for doc, distance in hits:
            meta = doc.metadata
            # Chroma's default space is squared L2; for unit vectors 1 - d/2 is the cosine similarity.
            score = round(1.0 - float(distance) / 2.0, 4)
            retrieved.append({
                "source": meta["source"],
                "passage_id": meta["chunk_id"],
                "text": doc.page_content,
                "lang": meta["lang"],
                "start": meta["start_index"],
                "end": meta["end_index"],
                "score": score,
                "units": [],
            })
        if retrieved:
            top = retrieved[0]
            citations.append({
                "n": 1,
                "source": top["source"],
                "passage_id": top["passage_id"],
                "quote": self.texts[top["source"]][top["start"] : top["end"]],
                "start": top["start"],
                "end": top["end"],
                "score": top["score"],
                "lang": top["lang"],
                "text": top["text"],
            })
        total_ms = (time.perf_counter() - t0) * 1e3
        return {
            "question": question,
            "standalone_question": question,
            "answer": (retrieved[0]["text"] + " [1]") if retrieved else "",
            "refused": False,
            "language": question_language(question),
            "answerer": "langchain-tutorial-baseline",
            "citations": citations,
            "retrieved": retrieved,
            "timings_ms": {"retrieve": round(retrieve_ms, 2), "total": round(total_ms, 2)},
            "warnings": [],
            "unsupported": False,
            "evidence": [],
        }

    def close(self) -> None:
        """Drop the collection: the ephemeral client is process-wide, so leftovers would pile up."""
        try:
            self._client.delete_collection(self._name)
        except Exception:
            pass


def _locate(text: str, chunk: str, hint: int) -> int:
    """The chunk's offset in ``text``: the splitter's ``start_index`` when it checks out, else a search."""
    if hint >= 0 and text[hint : hint + len(chunk)] == chunk:
        return hint
    found = text.find(chunk)
    if found < 0:
        raise ValueError("a chunk is not a substring of its document")
    return found
