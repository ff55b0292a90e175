"""The question sets ``bot eval`` scores: the FAQ file format, its validation, the dev/test split.

Sets (:data:`SETS`; each is scored in its own section of the report):

- ``faq-dev`` and ``faq-test``: ``eval/faq.jsonl`` (questions on the seeds) cut in two by :func:`split_of`,
  a fixed hash of each id's stem.
- ``everyday``: ``eval/everyday/questions.jsonl`` over its own corpus ``eval/everyday/docs/`` (notices,
  policies, e-mails, minutes, manuals, itineraries, recipes, price lists, forms and chat logs in English, Korean
  and Japanese, many with tables). All of it is dev: it is for tuning, beside faq-dev.
- ``userdocs``: ``eval/userdocs/questions.jsonl`` over its own small corpus, ``eval/userdocs/docs/``. All of it
  is test, like faq-test.

**Tuning happens only on the dev sets** (faq-dev, everyday): thresholds, weights, prompts and other constants
are chosen by looking at their numbers; the test sets (faq-test, userdocs) are read to report, never to choose.
``--split dev`` runs the dev sets (the tuning loop), ``--split test`` the test sets, ``--split all`` (the
default) both. ``--dataset FILE`` runs that one file instead: one of the sets above keeps its role, any other
file is cut by :func:`split_of`. A dataset with a ``docs/`` folder beside it is evaluated on that folder; any
other dataset on the main index.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from evaluation import metrics
from index.errors import BotError
from index.settings import PROJECT_ROOT


def _sets_dir() -> Path:
    """``eval/`` of a checkout, else the copy shipped in the package (``evaluation.sets``)."""
    checkout = PROJECT_ROOT / "eval"
    if (checkout / "faq.jsonl").is_file():
        return checkout
    # ``evaluation.sets`` is a folder of data without __init__.py, so files() gives a namespace's
    # MultiplexedPath; its file is a real path, and so is the folder holding it (a set's corpus is
    # indexed like any folder, so it must be one).
    return Path(files("evaluation.sets").joinpath("faq.jsonl")).parent


EVAL_DIR = _sets_dir()
DEFAULT_DATASET = EVAL_DIR / "faq.jsonl"
EVERYDAY_DATASET = EVAL_DIR / "everyday" / "questions.jsonl"
USERDOCS_DATASET = EVAL_DIR / "userdocs" / "questions.jsonl"
#: A folder of this name beside a dataset file is the corpus that dataset is asked about.
CORPUS_DIRNAME = "docs"
SPLITS = ("dev", "test", "all")
ANSWER_TYPES = metrics.ANSWER_TYPES


@dataclass(frozen=True)
class SetSpec:
    """A question set of the project: its file and its role, 'dev' or 'test', or 'hash' (halves by :func:`split_of`)."""

    name: str
    dataset: Path
    role: str


#: The sets a plain ``bot eval`` scores, in report order (a set whose file is absent is skipped).
SETS = (
    SetSpec("faq", DEFAULT_DATASET, "hash"),
    SetSpec("everyday", EVERYDAY_DATASET, "dev"),
    SetSpec("userdocs", USERDOCS_DATASET, "test"),
)

#: field -> (accepted types, required?)
SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "id": ((str,), True),
    "question": ((str,), True),
    "lang": ((str,), True),
    "sources": ((list,), True),
    "answer_keywords": ((list,), True),
    "answerable": ((bool,), True),
    "reference_answer": ((str, type(None)), False),
    "history": ((list, type(None)), False),
    "doc_lang": ((str, type(None)), False),
    "answer_type": ((str, type(None)), False),
    "near": ((str, type(None)), False),  # an unanswerable's document: what the question is plausibly about
}

# ---------------------------------------------------------------- dataset

def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", bool: "true or false", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _json_type(value: Any) -> str:
    return {str: "a string", list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def validate_item(item: Any, where: str) -> dict[str, Any]:
    """One FAQ item checked against :data:`SCHEMA`; a BotError naming ``where`` (file and line) otherwise."""
    if not isinstance(item, dict):
        raise BotError(f"{where}: expected a JSON object, got {_json_type(item)}.")
    missing = [k for k, (_, required) in SCHEMA.items() if required and k not in item]
    if missing:
        raise BotError(f"{where}: missing field{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
                       f"(each line needs: {', '.join(k for k, (_, r) in SCHEMA.items() if r)}).")
    for key, (types, _) in SCHEMA.items():
        if key in item and not isinstance(item[key], types):
            raise BotError(f"{where}: field {key!r} must be {_type_names(types)}, got {_json_type(item[key])}.")
    if not item["id"].strip() or not item["question"].strip():
        raise BotError(f"{where}: 'id' and 'question' must not be empty.")
    for key in ("sources", "answer_keywords"):
        if not all(isinstance(v, str) and v.strip() for v in item[key]):
            raise BotError(f"{where}: field {key!r} must be a list of non-empty strings.")
    if item["answerable"] and not item["answer_keywords"]:
        raise BotError(f"{where}: an answerable item needs at least one entry in 'answer_keywords' "
                       "(short strings copied from the source that the answer must contain).")
    if item.get("answer_type") is not None and item["answer_type"] not in ANSWER_TYPES:
        raise BotError(f"{where}: field 'answer_type' must be one of {', '.join(ANSWER_TYPES)} (got {item['answer_type']!r}).")
    for i, turn in enumerate(item.get("history") or [], start=1):
        if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant") and isinstance(turn.get("content"), str)):
            raise BotError(f"{where}: history turn {i} must be {{\"role\": \"user\" | \"assistant\", \"content\": \"...\"}}.")
    return item


def load_dataset(path: Path) -> list[dict[str, Any]]:
    """Every item of a JSONL FAQ file, validated; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise BotError(f"No dataset at {path}. Pass --dataset FILE.jsonl (one JSON object per line; see docs/evaluation.md).")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise BotError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    items: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BotError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
        item = validate_item(item, where)
        if item["id"] in seen:
            raise BotError(f"{where}: id {item['id']!r} was already used on line {seen[item['id']]}; ids must be unique.")
        seen[item["id"]] = n
        items.append(item)
    if not items:
        raise BotError(f"{path} holds no questions.")
    return items


# ---------------------------------------------------------------- splits and sets

def id_stem(item_id: str) -> str:
    """The fact an id names, without its language prefix and running number: 'ko-helmet-03' → 'helmet'.

    Items are split by stem, so the same fact asked in three languages, and a follow-up with the question
    it follows ('en-helmet-01' / 'en-helmet-02'), always fall on the same side.
    """
    stem = re.sub(r"-\d+$", "", re.sub(r"^(?:en|ko|ja)-", "", item_id.strip()))
    return stem or item_id.strip()


def split_of(item_id: str) -> str:
    """'dev' or 'test' for an item id: the first byte of sha256(stem) below 128 is dev (about half).

    Fixed by the id alone, so adding items never moves old ones across, and no score can choose the split.
    """
    return "dev" if hashlib.sha256(id_stem(item_id).encode("utf-8")).digest()[0] < 128 else "test"


def select_split(items: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The items of one split ('dev' / 'test'), in file order; 'all' keeps every item."""
    if split not in SPLITS:
        raise BotError(f"--split must be one of {', '.join(SPLITS)} (got {split!r}).")
    return list(items) if split == "all" else [it for it in items if split_of(it["id"]) == split]


def corpus_of(dataset: Path) -> Path | None:
    """The ``docs/`` folder beside a dataset file, if it has one: the corpus its questions are about."""
    folder = Path(dataset).parent / CORPUS_DIRNAME
    return folder if folder.is_dir() else None


@dataclass
class EvalSet:
    """One section of the report: a name, its items, and the corpus they are asked about (None: the main index)."""

    name: str
    dataset: Path
    split: str
    items: list[dict[str, Any]]
    corpus: Path | None = None
    whole: bool = False  # a set that is all dev or all test (everyday, userdocs), not a half cut by split_of


def spec_of(dataset: Path) -> SetSpec | None:
    """The project set a dataset file is (its role then holds under ``--dataset`` too), or None for any other file."""
    try:
        resolved = Path(dataset).resolve()
        return next((s for s in SETS if s.dataset.resolve() == resolved), None)
    except OSError:
        return None


def _set_parts(name: str, dataset: Path, role: str, items: list[dict[str, Any]], split: str) -> list[EvalSet]:
    """The sections one dataset gives for ``split``: its dev and/or test half, or the whole set when its role is in."""
    corpus = corpus_of(dataset)
    if role == "hash":
        return [EvalSet(f"{name}-{part}", dataset, part, select_split(items, part), corpus)
                for part in ("dev", "test") if split in (part, "all")]
    return [EvalSet(name, dataset, role, items, corpus, whole=True)] if split in (role, "all") else []


def plan_sets(dataset: Path | None, split: str = "all") -> list[EvalSet]:
    """The sets one ``bot eval`` run scores; every dataset is loaded and validated here, before any index work.

    ``dataset=None``: the project's sets (:data:`SETS`), the dev ones first (faq-dev, everyday), then the test
    ones (faq-test, userdocs), as ``split`` allows. A file: that file only.
    """
    if split not in SPLITS:
        raise BotError(f"--split must be one of {', '.join(SPLITS)} (got {split!r}).")
    if dataset is not None:
        dataset = Path(dataset)
        items = load_dataset(dataset)
        spec = spec_of(dataset)
        if spec is not None and spec.role != "hash":
            parts = _set_parts(spec.name, dataset, spec.role, items, split)
            if not parts:
                raise BotError(f"{spec.name} is a {spec.role} set: all of it is {spec.role}, none of it {split} "
                               f"(run it with --split {spec.role} or --split all).")
            return parts
        corpus = corpus_of(dataset)
        name = corpus.parent.name if corpus else dataset.stem
        chosen = select_split(items, split)
        if not chosen:
            raise BotError(f"{dataset} has no items in the {split} split (split_of(id) decides; see evaluation/datasets.py).")
        return [EvalSet(name if split == "all" else f"{name}-{split}", dataset, split, chosen, corpus)]
    planned = [part for spec in SETS if spec.dataset.is_file()
               for part in _set_parts(spec.name, spec.dataset, spec.role, load_dataset(spec.dataset), split)]
    return [s for s in planned if s.split == "dev"] + [s for s in planned if s.split != "dev"]
