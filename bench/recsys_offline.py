"""Offline recommender benchmark: the engine against three baselines, and a scale run.

    nice -n 19 uv run python bench/recsys_offline.py [--skip-demo] [--fresh-demo] [--skip-scale]

1. MovieLens-100k (943 users, 1,682 movies, 100,000 ratings as implicit interactions), a real
   public dataset that RecBole ships inside its wheel on PyPI. The wheel is fetched with
   `pip download recbole==1.2.1 --no-deps` into var/recsys/ (git-ignored) and the ratings file
   is read straight out of the zip: nothing of the dataset is committed, and nothing but the
   package registry is reached.
2. The demo's feed events: `clipcart seed --demo` into a throwaway CLIPCART_VAR_DIR under
   var/recsys/, then `clipcart recommend-export-demo`. The export is kept and reused; after a
   change to the demo pass --fresh-demo (or delete var/recsys/demo.csv) to seed it anew.
3. A synthetic log of 200,000 interactions over 12,000 items (10,000 users with tastes and
   habits: see `synthetic_log`), timed through `clipcart recommend-offline --k 20` in a child
   process (wall time and peak memory), and evaluated like the others on a sample of users.

Every evaluation is `clipcart recommend-evaluate`'s: leave-one-out, every item of the catalogue
ranked for every evaluated user, ties broken at random. Each table is followed by the engine's
margin over the best baseline, in percent and in standard errors of the difference (binomial,
the two models taken as independent, which overstates the noise of a paired comparison).
Tables go to stdout, everything to bench/results/recsys_offline-<time>.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clipcart.feed.recsys.evaluate import Result, format_table  # noqa: E402
from clipcart.feed.recsys.offline import evaluate_log  # noqa: E402

DATA = ROOT / "var" / "recsys"
RESULTS = ROOT / "bench" / "results"
RECBOLE = "recbole==1.2.1"
ML100K_MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"


def pip_download(requirement: str, dest: Path) -> Path:
    """The wheel of `requirement` through pip (this interpreter's, the system's, or uv's)."""
    dest.mkdir(parents=True, exist_ok=True)
    found = sorted(dest.glob("recbole-*.whl"))
    if found:
        return found[-1]
    args = ["download", requirement, "--no-deps", "--only-binary=:all:", "-d", str(dest)]
    # Under `uv run` both this interpreter and `python3` on PATH are the venv's, which has no
    # pip: the interpreter the venv was made from usually has one.
    base = getattr(sys, "_base_executable", sys.executable)
    for pip in (
        [sys.executable, "-m", "pip"],
        [base, "-m", "pip"],
        ["python3", "-m", "pip"],
        ["python3", "-m", "uv", "tool", "run", "pip"],
    ):
        if subprocess.run([*pip, *args], capture_output=True).returncode == 0:
            return sorted(dest.glob("recbole-*.whl"))[-1]
    raise SystemExit(f"could not download {requirement} with pip")


def movielens_100k() -> Path:
    """ml-100k as user_id,item_id,timestamp (ratings of any value count as interactions)."""
    out = DATA / "ml-100k.csv"
    if out.exists():
        return out
    wheel = pip_download(RECBOLE, DATA / "wheels")
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(ML100K_MEMBER).decode("utf-8")
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    next(rows)  # user_id:token  item_id:token  rating:float  timestamp:float
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "timestamp"])
        for user, item, _rating, stamp in rows:
            writer.writerow([user, item, int(float(stamp))])
    return out


def demo_log(*, fresh: bool = False) -> Path:
    """Seed the demo into a fresh throwaway var folder and export its feed events."""
    out = DATA / "demo.csv"
    if out.exists() and not fresh:
        return out
    var = DATA / "demo-var"
    shutil.rmtree(var, ignore_errors=True)
    env = {**os.environ, "CLIPCART_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)  # SQLite in the throwaway folder, never a real database
    for command in (["migrate", "-v0"], ["seed", "--demo", "-v0"]):
        clipcart(command, env)
    clipcart(["recommend-export-demo", "--out", str(out)], env)
    return out


def clipcart(args: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "clipcart.cli", *args], check=True, env=env, cwd=ROOT)


def synthetic_log(
    path: Path, *, interactions: int = 200_000, items: int = 12_000, users: int = 10_000
) -> Path:
    """Users with a taste (one of 60 clusters of items) who mostly follow a habit: after an
    item, its fixed successor in the cluster (half the time), else a popular item of their
    cluster (Zipf), and now and then anything popular. Ids carry commas and Unicode."""
    if path.exists():
        return path
    rng = np.random.default_rng(42)
    clusters = 60
    item_cluster = rng.integers(0, clusters, items)
    members = [np.flatnonzero(item_cluster == c) for c in range(clusters)]
    successor = np.empty(items, dtype=np.int64)
    for group in members:
        order = rng.permutation(group)
        successor[order] = np.roll(order, -1)
    zipf = 1.0 / np.arange(1, items + 1) ** 0.9
    popular = rng.permutation(items)
    lengths = rng.multinomial(interactions - 2 * users, np.ones(users) / users) + 2
    rows = []
    for user, length in enumerate(lengths):
        taste = members[rng.integers(clusters)]
        weights = zipf[: len(taste)] / zipf[: len(taste)].sum()
        item = int(rng.choice(taste, p=weights))
        clock = int(rng.integers(1_600_000_000, 1_630_000_000))
        for _ in range(length):
            rows.append((f"user {user}, ü", f"item {item}", clock))
            clock += int(rng.integers(30, 3_000))
            draw = rng.random()
            if draw < 0.5:
                item = int(successor[item])
            elif draw < 0.9:
                item = int(rng.choice(taste, p=weights))
            else:
                item = int(popular[min(int(rng.zipf(1.5)), items) - 1])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "timestamp"])
        writer.writerows(rows)
    return path


def timed_recommend(train: Path, k: int) -> dict[str, float]:
    """`clipcart recommend-offline` in a child process: wall seconds and peak memory."""
    out = DATA / "synthetic-recs.csv"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    clipcart(["recommend-offline", "--train", str(train), "--out", str(out), "--k", str(k)])
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_seconds": wall,
        "cpu_seconds": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "peak_rss_mib": after.ru_maxrss / 1024,
        "rows_written": sum(1 for _ in open(out, encoding="utf-8")) - 1,
    }


def run_evaluation(name: str, path: Path, limit_users: int | None) -> dict:
    started = time.perf_counter()
    data, results = evaluate_log(log=path, limit_users=limit_users)
    seconds = time.perf_counter() - started
    print(
        f"\n## {name}: {len(data):,} interactions, {data.n_users:,} users, "
        f"{data.n_items:,} items; {results[0].users:,} users evaluated ({seconds:.0f} s)"
    )
    print(format_table(results))
    print(margin(results))
    return {
        "dataset": name,
        "interactions": len(data),
        "users": data.n_users,
        "items": data.n_items,
        "seconds": seconds,
        "results": [as_dict(result) for result in results],
    }


def margin(results: list[Result], k: int = 10) -> str:
    """The engine (first) against the best baseline on HR@k and NDCG@k."""
    engine, *baselines = results
    best = max(baselines, key=lambda result: result.hit_rate[k])
    hr, base = engine.hit_rate[k], best.hit_rate[k]
    error = math.sqrt((hr * (1 - hr) + base * (1 - base)) / engine.users)
    ndcg, base_ndcg = engine.ndcg[k], best.ndcg[k]
    return (
        f"engine vs the best baseline ({best.name}): HR@{k} {100 * (hr / base - 1):+.1f} % "
        f"({(hr - base) / error:.1f} standard errors), "
        f"NDCG@{k} {100 * (ndcg / base_ndcg - 1):+.1f} %"
    )


def git_commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, cwd=ROOT)
    return found.stdout.decode().strip() or "unknown"


def as_dict(result: Result) -> dict:
    return {
        "model": result.name,
        "users": result.users,
        "hit_rate": result.hit_rate,
        "ndcg": result.ndcg,
        "fit_seconds": result.fit_seconds,
        "score_seconds": result.score_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-demo", action="store_true", help="Do not seed the demo.")
    parser.add_argument(
        "--fresh-demo", action="store_true", help="Seed the demo again even if exported before."
    )
    parser.add_argument("--skip-scale", action="store_true", help="No 200,000-row run.")
    parser.add_argument(
        "--scale-eval-users", type=int, default=3000, help="Users evaluated on the large log."
    )
    options = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "commit": git_commit(),
        "evaluations": [],
    }
    report["evaluations"].append(run_evaluation("MovieLens-100k", movielens_100k(), None))
    if not options.skip_demo:
        report["evaluations"].append(
            run_evaluation("demo feed events", demo_log(fresh=options.fresh_demo), None)
        )
    if not options.skip_scale:
        log = synthetic_log(DATA / "synthetic-200k.csv")
        timing = timed_recommend(log, k=20)
        report["scale"] = timing
        print(
            f"\n## recommend-offline on 200,000 interactions, 12,000 items: "
            f"{timing['wall_seconds']:.0f} s wall, {timing['cpu_seconds']:.0f} s CPU, "
            f"peak {timing['peak_rss_mib']:.0f} MiB, {timing['rows_written']:,} rows"
        )
        report["evaluations"].append(
            run_evaluation("synthetic 200k", log, options.scale_eval_users)
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"recsys_offline-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
