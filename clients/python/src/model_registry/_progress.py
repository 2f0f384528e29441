"""Progress bars: ``tqdm.auto`` (a widget in Jupyter, text in a terminal) when installed, else silent."""

from __future__ import annotations

import threading
from typing import Any, Optional


class Progress:
    """A thread-safe byte counter shown as a tqdm bar, or a silent no-op."""

    def __init__(self, total: int, description: str, enabled: bool = True) -> None:
        self._lock = threading.Lock()
        self._bar: Optional[Any] = None
        if enabled and total > 0:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # the [progress] extra is not installed: stay silent
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=total,
                    desc=description,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    leave=True,
                    dynamic_ncols=True,
                )

    def update(self, count: int) -> None:
        """Adds ``count`` bytes (negative to take back bytes of a failed attempt)."""
        if self._bar is not None and count:
            with self._lock:
                self._bar.update(count)

    def grow(self, count: int) -> None:
        """Adds ``count`` bytes to the total (work discovered on the way)."""
        if self._bar is not None and count:
            with self._lock:
                self._bar.total += count
                self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.close()
                self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
