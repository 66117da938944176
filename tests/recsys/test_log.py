"""Reading interaction logs: every bad input is refused with a message that says where."""

from pathlib import Path

import pytest

from clipcart.feed.recsys import LogError, read_log

from .conftest import write_csv


def test_a_missing_column_is_named(tmp_path: Path):
    path = write_csv(tmp_path / "log.csv", [("u", "i")], header=("user_id", "item_id"))

    with pytest.raises(LogError, match=r"missing column.*timestamp"):
        read_log(path)


def test_an_empty_file_is_refused(tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_text("")

    with pytest.raises(LogError, match="empty"):
        read_log(path)


def test_a_header_without_rows_is_refused(tmp_path: Path):
    path = write_csv(tmp_path / "log.csv", [])

    with pytest.raises(LogError, match="no interactions"):
        read_log(path)


def test_a_non_integer_timestamp_names_its_line(tmp_path: Path):
    path = write_csv(tmp_path / "log.csv", [("u", "i", "1"), ("u", "j", "1.5e9")])

    with pytest.raises(LogError, match=r"line 3: timestamp '1.5e9' is not an integer"):
        read_log(path)


def test_ids_with_commas_quotes_and_unicode_survive(tmp_path: Path):
    rows = [('Doe, "Jane"', "café ☕, large", 5), ("ユーザー", "товар", 6)]
    path = write_csv(tmp_path / "log.csv", rows)

    log = read_log(path)

    assert log.users == ['Doe, "Jane"', "ユーザー"]
    assert log.items == ["café ☕, large", "товар"]
    assert log.timestamps.tolist() == [5, 6]


def test_duplicate_rows_are_kept_once(tmp_path: Path):
    path = write_csv(tmp_path / "log.csv", [("u", "i", 1), ("u", "i", 1), ("u", "i", 2)])

    log = read_log(path)

    assert len(log) == 2
    assert log.duplicates_dropped == 1


def test_columns_may_come_in_any_order_and_a_byte_order_mark_is_ignored(tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("\ufefftimestamp,item_id,user_id\n7,i,u\n", encoding="utf-8")

    log = read_log(path)

    assert (log.users, log.items, log.timestamps.tolist()) == (["u"], ["i"], [7])


def test_a_short_row_names_its_line(tmp_path: Path):
    path = write_csv(tmp_path / "log.csv", [("u", "i", 1), ("u", "j")])

    with pytest.raises(LogError, match="line 3"):
        read_log(path)
