"""The in-memory per-clip result cache the SyncNet protocols share (lse_c and lse_d of one clip
run SyncNet once): least recently used, keyed by everything that defines the result."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any, Hashable


class ResultCache:
    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: "OrderedDict[Hashable, Any]" = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: Hashable, value: Any) -> Any:
        self._items[key] = value
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def same_arrays_key(*arrays) -> tuple:
    """A cache key part naming these exact array objects (lse_c and lse_d of one clip get the
    same decoded arrays): their ids, checked on a hit by :class:`SameArrays` below, so a freed
    array whose id is reused never matches. Hashing the arrays' bytes (~0.15 s for 8 s of 512²
    video) only to share one result between the two metrics of a clip is not needed."""
    return ("same-arrays",) + tuple(id(a) for a in arrays)


class SameArrays:
    """A cached value with weak references to the arrays its key names by id."""

    def __init__(self, arrays, value: Any) -> None:
        self.refs = [weakref.ref(a) for a in arrays]
        self.value = value

    def valid_for(self, arrays) -> bool:
        return len(arrays) == len(self.refs) and all(r() is a for r, a in zip(self.refs, arrays))


#: one cache for every protocol (lrs results, wild and peer pipeline results)
RESULTS = ResultCache()
