"""`clipcart recommend-offline`, `recommend-evaluate` and `recommend-export-demo`."""

import csv
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clipcart.cli import command_name
from clipcart.feed.models import Event

from .conftest import chain_log, write_csv


def read_recs(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(autouse=True)
def _small_engine(monkeypatch, small_config):
    from clipcart.feed.recsys import offline

    monkeypatch.setattr(offline, "EngineConfig", lambda: small_config)


def test_hyphenated_names_run_the_django_commands():
    assert command_name(["recommend-offline", "--k", "5"]) == ["recommend_offline", "--k", "5"]
    assert command_name(["--help"]) == ["--help"]


def test_recommend_offline_writes_top_k_unseen_items_per_user(tmp_path, capsys):
    rows = [*chain_log(), ('Doe, "Jane"', "café, ☕", 1), ('Doe, "Jane"', "item0", 2)]
    train = write_csv(tmp_path / "train.csv", [*rows, ("loner", "item1", 9)])
    out = tmp_path / "recs.csv"

    call_command("recommend_offline", train=str(train), out=str(out), k=3)

    recs = read_recs(out)
    assert list(recs[0]) == ["user_id", "item_id", "rank"]
    by_user: dict[str, list[str]] = {}
    for row in recs:
        by_user.setdefault(row["user_id"], []).append(row["item_id"])
    assert len(by_user) == 62  # every user, the one with a single interaction too
    assert all(len(items) == 3 for items in by_user.values())
    assert "café, ☕" not in by_user['Doe, "Jane"'] and "item0" not in by_user['Doe, "Jane"']
    assert "item1" not in by_user["loner"]
    assert [row["rank"] for row in recs[:3]] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("user_id,item_id\nu,i\n", "missing column"),
        ("", "empty"),
        ("user_id,item_id,timestamp\nu,i,yesterday\n", "not an integer"),
    ],
)
def test_bad_logs_fail_clearly_and_write_nothing(tmp_path, content, message):
    train = tmp_path / "train.csv"
    train.write_text(content, encoding="utf-8")
    out = tmp_path / "recs.csv"

    with pytest.raises(CommandError, match=message):
        call_command("recommend_offline", train=str(train), out=str(out), k=3)

    assert list(tmp_path.iterdir()) == [train]


def test_the_cli_exits_non_zero_on_a_bad_log(tmp_path):
    train = write_csv(tmp_path / "train.csv", [("u", "i")], header=("user_id", "item_id"))
    out = tmp_path / "recs.csv"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "clipcart.cli",
            "recommend-offline",
            "--train",
            str(train),
            "--out",
            str(out),
            "--k",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "missing column(s) timestamp" in done.stderr
    assert not out.exists()


def test_k_must_be_positive(tmp_path):
    train = write_csv(tmp_path / "train.csv", chain_log(users=3))

    with pytest.raises(CommandError, match="at least 1"):
        call_command("recommend_offline", train=str(train), out=str(tmp_path / "r.csv"), k=0)


def test_evaluate_prints_the_engine_and_three_baselines(tmp_path, capsys):
    log = write_csv(tmp_path / "log.csv", [*chain_log(), ("solo", "item1", 1)])

    call_command("recommend_evaluate", log=str(log))

    printed = capsys.readouterr().out
    assert "60 users evaluated" in printed  # "solo" trains but has nothing to hold out
    for name in ("engine", "most popular", "markov", "als"):
        assert f"| {name} |" in printed
    assert "HR@10 | NDCG@10 | HR@20 | NDCG@20" in printed


def test_evaluate_refuses_a_log_where_nobody_has_two_interactions(tmp_path):
    log = write_csv(tmp_path / "log.csv", [("a", "x", 1), ("b", "y", 1)])

    with pytest.raises(CommandError, match="two or more"):
        call_command("recommend_evaluate", log=str(log))


@pytest.mark.django_db
def test_export_demo_turns_engaged_video_events_into_a_log(tmp_path):
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    for n, (kind, video) in enumerate(
        [("complete", 7), ("impression", 8), ("like", 9), ("not_interested", 10), ("like", None)]
    ):
        Event.objects.create(actor="u:1", client_id=str(n), type=kind, ts=at, video_id=video)
    out = tmp_path / "demo.csv"

    call_command("recommend_export_demo", out=str(out))

    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    stamp = str(int(at.timestamp()))
    assert rows == [["user_id", "item_id", "timestamp"], ["u:1", "7", stamp], ["u:1", "9", stamp]]
