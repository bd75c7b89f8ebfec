"""A progress bar for management commands.

On a terminal it redraws one line in place; in a log file or a pipe, where carriage
returns would pile up, it prints a plain line at most every tenth of the way.
"""

from __future__ import annotations

from typing import TextIO

from django.core.management.base import OutputWrapper

BAR_WIDTH = 20


class TerminalProgress:
    """Call it as `progress(done, total)` as work advances, then `finish()`."""

    def __init__(self, stream: TextIO | OutputWrapper, label: str, unit: str | None = "records") -> None:
        self._stream = stream
        self._label = label
        self._unit = unit  # None: the percentage alone
        self._redraw = stream.isatty()
        self._last_tenth = -1
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        fraction = min(done / total, 1.0) if total > 0 else 1.0
        filled = int(fraction * BAR_WIDTH)
        line = f"{self._label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {int(fraction * 100):3d}%"
        if self._unit is not None:
            line += f"  {done:,}/{total:,} {self._unit}"
        if self._redraw:
            # Trailing spaces wipe what a longer previous line left behind.
            self._write(f"\r{line}   ")
            self._drawn = True
            return
        tenth = int(fraction * 10)
        if tenth > self._last_tenth:
            self._last_tenth = tenth
            self._write(f"{line}\n")

    def finish(self) -> None:
        """End the redrawn line, so that what follows starts on a line of its own."""
        if self._drawn:
            self._write("\n")
            self._drawn = False

    def _write(self, text: str) -> None:
        # Django's OutputWrapper ends every write with a newline unless told otherwise.
        if isinstance(self._stream, OutputWrapper):
            self._stream.write(text, ending="")
        else:
            self._stream.write(text)
        self._stream.flush()
