"""A bounded memo keyed by the identity of the objects an answer was worked out from."""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class IdentityMemo(Generic[T]):
    """Answers kept by `key` (which holds the ids of `objects`), for as long as those very objects come back: the
    verdict memo and the quote cache hand every request the same objects. The objects are kept with the answer, so
    an id is never reused while its answer is; past `limit` answers the memo starts over."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept: dict[Hashable, tuple[tuple[object, ...], T]] = {}

    def get(self, key: Hashable, objects: tuple[object, ...], make: Callable[[], T]) -> T:
        kept = self._kept.get(key)
        if kept is not None and all(map(operator.is_, kept[0], objects)):  # `key` holds their ids: as many
            return kept[1]
        answer = make()
        if len(self._kept) >= self._limit:
            self._kept.clear()
        self._kept[key] = (objects, answer)
        return answer
