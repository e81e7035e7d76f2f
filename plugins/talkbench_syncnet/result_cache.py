"""The in-memory per-clip result cache the SyncNet protocols share (lse_c and lse_d of one clip
run SyncNet once): least recently used, keyed by everything that defines the result."""

from __future__ import annotations

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


#: one cache for every protocol (lrs results, wild and peer pipeline results)
RESULTS = ResultCache()
