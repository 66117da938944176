"""Reading an interaction log (`user_id,item_id,timestamp`) and writing recommendations.

The format is API.md's contract for `clipcart recommend-offline`. Ids are opaque strings (they may
hold commas, quotes or any Unicode, so the csv module's quoting is used both ways) and the
timestamp is an integer. Every problem is reported as a `LogError` naming the line, and output is
written to a temporary file that replaces the target only once complete, so a failed run never
leaves a half-written file behind.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOG_COLUMNS = ("user_id", "item_id", "timestamp")
RECS_COLUMNS = ("user_id", "item_id", "rank")


class LogError(ValueError):
    """The interaction log cannot be used; the message says where and why."""


@dataclass(frozen=True)
class InteractionLog:
    """Parallel arrays, one entry per distinct row of the file, in file order."""

    users: list[str]
    items: list[str]
    timestamps: np.ndarray  # int64
    duplicates_dropped: int = 0

    def __len__(self) -> int:
        return len(self.users)


def read_log(path: str | Path) -> InteractionLog:
    """Parse and validate a log file; exact duplicate rows are kept once (a retried upload or
    a double-logged event is one interaction, not two)."""
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark.
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return parse_rows(csv.reader(handle), source=str(path))
    except FileNotFoundError:
        raise LogError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise LogError(f"{path}: not UTF-8 text ({error.reason})") from None
    except csv.Error as error:
        raise LogError(f"{path}: malformed CSV ({error})") from None


def parse_rows(rows: Iterable[list[str]], *, source: str = "log") -> InteractionLog:
    """Validate the header and every row of an already split CSV."""
    row_iter = iter(rows)
    header = next(row_iter, None)
    if header is None:
        raise LogError(f"{source}: the file is empty (expected the header {','.join(LOG_COLUMNS)})")
    positions = _column_positions(header, source)
    users: list[str] = []
    items: list[str] = []
    stamps: list[int] = []
    seen: set[tuple[str, str, int]] = set()
    duplicates = 0
    for user, item, stamp in _parsed(row_iter, positions, source):
        key = (user, item, stamp)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        users.append(user)
        items.append(item)
        stamps.append(stamp)
    if not users:
        raise LogError(f"{source}: no interactions after the header")
    return InteractionLog(users, items, np.asarray(stamps, dtype=np.int64), duplicates)


def _column_positions(header: list[str], source: str) -> tuple[int, int, int]:
    names = [name.strip() for name in header]
    missing = [column for column in LOG_COLUMNS if column not in names]
    if missing:
        raise LogError(
            f"{source}: missing column(s) {', '.join(missing)} in the header "
            f"(expected {','.join(LOG_COLUMNS)}, found {','.join(names) or 'nothing'})"
        )
    user, item, stamp = (names.index(column) for column in LOG_COLUMNS)
    return user, item, stamp


def _parsed(
    rows: Iterator[list[str]], positions: tuple[int, int, int], source: str
) -> Iterator[tuple[str, str, int]]:
    width = max(positions) + 1
    for line, row in enumerate(rows, start=2):
        if not row:
            continue  # a blank line (often the last one) carries nothing
        if len(row) < width:
            raise LogError(f"{source}, line {line}: expected {width} fields, found {len(row)}")
        user, item, raw_stamp = (row[position] for position in positions)
        if user == "" or item == "":
            raise LogError(f"{source}, line {line}: empty user_id or item_id")
        yield user, item, _timestamp(raw_stamp, line, source)


def _timestamp(raw: str, line: int, source: str) -> int:
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        raise LogError(f"{source}, line {line}: timestamp {raw!r} is not an integer") from None


def write_recommendations(path: str | Path, rows: Iterable[tuple[str, str, int]]) -> int:
    """Write `user_id,item_id,rank` rows atomically; returns how many rows were written."""
    return _write_atomically(path, RECS_COLUMNS, rows)


def write_log(path: str | Path, rows: Iterable[tuple[str, str, int]]) -> int:
    """Write an interaction log atomically (used by the demo exporter and the benchmark)."""
    return _write_atomically(path, LOG_COLUMNS, rows)


def _write_atomically(
    path: str | Path, header: tuple[str, ...], rows: Iterable[tuple[str, str, int]]
) -> int:
    target = Path(path)
    # The temporary file sits beside the target so that os.replace is a rename, never a copy.
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    count = 0
    try:
        with open(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return count
