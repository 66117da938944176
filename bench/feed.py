"""Feed benchmark: the For You feed under concurrent load, and event ingestion, each against a
baseline measured in the same run on the same server and database.

    uv run python bench/feed.py [--concurrency 8,32] [--workers 2] [--duration 16]
        [--reuse-database] [--database-url postgresql://…/clipcart_bench_feed]

It recreates the bench database, migrates it and seeds the demo (`clipcart seed --demo`: 150
videos, follows, likes, a week of viewing history, the viewers' yes to personalization, and the
For You model trained at its end), issues API tokens to demo shoppers, and starts a
production-style server (uvicorn, DEBUG off, PostgreSQL, Redis cache) whose URLconf adds one
baseline view, `/bench/one-query` (bench/feed_urls.py). It refuses to measure a feed that would
not exercise the recommender: no trained model, or no token holder with personalization on.
Then, timed:

1. for each concurrency C, C virtual visitors (some anonymous, served the regional-popularity
   path; some signed-in shoppers with bearer tokens, served the personalized path: history,
   profile, engine, outcome models) swipe `GET /api/v1/feed` page after page, and the same
   visitors call the baseline; requests/s, p50 and p99 of each, and feed p99 / baseline p99
   (goal: at most 3). It counts the signed-in pages whose answer shows the personalized path (an
   item with a personal source, e.g. `als` or `hashtag`, or with ranking factors);
2. K clients post batches of new events to `POST /api/v1/events`, and K psycopg connections
   insert the same kind of rows into `feed_event` with one multi-row INSERT a batch; events/s
   of each, and API / raw (goal: at least 0.30).

It also measures one feed page in-process (queries, CPU, PostgreSQL's time per query) and, with
--profile, samples the server with py-spy (where the time goes). The exit status is 1 when a
request failed or an event went missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import benchlib as lib
import psycopg

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/clipcart_bench_feed"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
VAR_DIR = lib.RESULTS / "feed-var"  # the bench server's media and Celery folders (git-ignored)
TOKEN_NAME = "bench-feed"
ID_PREFIX = "bench-"  # every event this bench writes; deleted at the end of the run
FEED = "/api/v1/feed"
BASELINE = "/bench/one-query"
EVENTS = "/api/v1/events"
# What one batch from the feed page carries, by weight: mostly impressions and watch progress.
EVENT_MIX = {
    "impression": 34,
    "view_progress": 30,
    "complete": 12,
    "like": 5,
    "share": 2,
    "follow": 1,
    "anchor_click": 8,
    "add_to_cart": 4,
    "purchase": 1,
    "not_interested": 3,
}
EVENT_COLUMNS = (
    "actor, client_id, user_id, region, type, ts, received_at, video_id, product_id, watch_ms, "
    "rolled_up"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="keep the bench database when it already holds the seeded demo (saves the 1-3 "
        "minutes of seeding; the default recreates it)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="demo seed scale")
    parser.add_argument("--server", choices=lib.SERVERS, default="uvicorn")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn-wsgi worker")
    parser.add_argument(
        "--pool-size", type=int, default=8, help="PostgreSQL connections per server process"
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="cache, histories and counters of the server; a database of its own (emptied "
        "when the bench database is recreated)",
    )
    parser.add_argument("--concurrency", default="8,32", help="feed clients in flight, e.g. 8,32")
    parser.add_argument(
        "--duration",
        type=float,
        default=16,
        help="seconds measured per endpoint and concurrency, split over --rounds",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="measurements alternate feed and baseline (ABBA…) so that drift hits both",
    )
    parser.add_argument("--warmup", type=float, default=4, help="untimed seconds before each C")
    parser.add_argument(
        "--server-warmup",
        type=float,
        default=20,
        help="untimed seconds of feed at the highest concurrency once the server is up: each "
        "worker loads the For You model (seconds on a busy machine) and fills its caches, so "
        "the measurements see a running server, not a starting one",
    )
    parser.add_argument(
        "--signed-in", type=float, default=0.5, help="share of visits by signed-in shoppers"
    )
    parser.add_argument("--shoppers", type=int, default=200, help="shoppers given a token")
    parser.add_argument("--pages", type=int, default=3, help="feed pages a visit swipes through")
    parser.add_argument("--event-clients", type=int, default=4, help="K event clients")
    parser.add_argument("--event-batch", type=int, default=100, help="events per batch")
    parser.add_argument(
        "--event-duration",
        type=float,
        default=12,
        help="seconds measured for the API and for the raw INSERT each, split over --rounds",
    )
    parser.add_argument("--skip-events", action="store_true", help="measure the feed only")
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="at the end, load the feed, the baseline (highest concurrency) and the events API "
        "this long each while py-spy (PyPI; `uv tool run py-spy` if not on PATH) samples the "
        "server",
    )
    parser.add_argument("--phase-timeout", type=float, default=300, help="seconds per phase")
    parser.add_argument("--seed-timeout", type=float, default=900, help="seconds for the seed")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=10,
        help="before each measurement wait up to this many seconds for the machine to be "
        "under 15%% busy (other programs on a shared machine); 0 to skip",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the visitors' choices")
    args = parser.parse_args()
    args.concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if not args.concurrencies or min(args.concurrencies) < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be positive")
    if not 1 <= args.event_batch <= 500:
        parser.error("--event-batch is 1-500 (the API's limit)")
    if not 0 <= args.signed_in <= 1:
        parser.error("--signed-in is a share, 0-1")
    return args


# --- Setup ---------------------------------------------------------------------------------------


def bench_env(args: argparse.Namespace, *, settings: str = "clipcart.settings") -> dict[str, str]:
    """Production environment (benchlib.server_env), with media and Celery folders of its own
    so that the seed's files and any queued job stay out of the developer's var/."""
    env = lib.server_env(
        database_url=args.database_url, pool_size=args.pool_size, redis_url=args.redis_url
    )
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        CLIPCART_VAR_DIR=str(VAR_DIR),
        MEDIA_ROOT=str(VAR_DIR / "media"),
    )
    return env


def setup_django(args: argparse.Namespace) -> None:
    """This process seeds tokens and counts queries, so it runs Django too (no pool: it
    drops and recreates the database, which would leave a pool holding dead connections)."""
    env = bench_env(args)
    env["DATABASE_POOL_MAX_SIZE"] = "0"
    os.environ.update(env)
    sys.path.insert(0, str(lib.REPO))
    import django

    django.setup()


def seeded(url: str) -> bool:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM media_post WHERE status = 'ready'").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def prepare_database(args: argparse.Namespace) -> dict:
    """Recreates, migrates and seeds the bench database (or keeps a seeded one)."""
    env = bench_env(args)
    env["DATABASE_POOL_MAX_SIZE"] = "0"
    cli = [sys.executable, "-m", "clipcart.cli"]
    reused = args.reuse_database and seeded(args.database_url)
    began = time.perf_counter()
    if not reused:
        print(f"   recreating {lib.database_name(args.database_url)} and seeding the demo")
        lib.recreate_database(args.database_url)
        empty_redis(args.redis_url)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
    limit = args.phase_timeout
    lib.run_command(
        [*cli, "migrate", "--no-input", "-v", "0"], env=env, timeout=limit, phase="migrate"
    )
    if not reused:
        seed = [*cli, "seed", "--demo", "--scale", str(args.scale), "-v", "0"]
        lib.run_command(seed, env=env, timeout=args.seed_timeout, phase="seed")
    return {"reused": reused, "setup_s": round(time.perf_counter() - began, 1)}


def empty_redis(url: str) -> None:
    """Empties the bench's own Redis database with the database it mirrors: the viewers'
    histories and the live counters there are keyed by ids the new seed reuses, so a second
    seed's events would otherwise join the first one's."""
    import redis

    if not url:
        return
    client = redis.Redis.from_url(url)
    index = client.connection_pool.connection_kwargs.get("db", 0)
    if index == 0:
        raise SystemExit(f"refusing to empty Redis database 0 ({url}): give the bench its own")
    client.flushdb()
    client.close()


@dataclass
class World:
    tokens: list[str]  # signed-in shoppers' bearer tokens
    user_ids: list[int]  # their ids, in the same order
    post_ids: list[int]
    products_of: dict[int, list[int]]  # post id -> tagged product ids
    facts: dict = field(default_factory=dict)
    personalized: list[bool] = field(default_factory=list)  # per token: personalization on
    regions: list[str] = field(default_factory=list)  # per token: the region events carry


# Sources only the personalized path proposes (feed/foryou: the feed's own and the engine's);
# the regional-popularity path shows "popular_region", "fresh", "recent" and exploration only.
PERSONAL_SOURCES = frozenset(
    {"followed", "hashtag", "carted", "covisit", "next", "next_last", "als", "trending",
     "trending_day", "popular"}
)  # fmt: skip


def personalized_answer(items: list[dict]) -> bool:
    """Whether a feed answer came from the personalized path: an item proposed by a personal
    source, or ranked with factors (the regional-popularity path has neither)."""
    for item in items:
        why = item.get("why") or {}
        if why.get("source") in PERSONAL_SOURCES or why.get("factors"):
            return True
    return False


def build_world(shoppers: int) -> World:
    """Tokens for the shoppers with the most viewing history (the demo's feed users), then
    other shoppers; and what events may point at."""
    from django.db import transaction
    from django.db.models import Count

    from clipcart.accounts import selectors as account_selectors
    from clipcart.accounts import services as account_services
    from clipcart.accounts.models import ApiToken, Follow, User
    from clipcart.feed.models import Event
    from clipcart.media.models import Anchor, Like, Post

    ApiToken.objects.filter(name=TOKEN_NAME).delete()  # an earlier run's, on a reused database
    Event.objects.filter(client_id__startswith=ID_PREFIX).delete()
    creators = set(Post.objects.values_list("creator_id", flat=True))
    viewers = list(
        Event.objects.filter(user_id__isnull=False)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n", "user_id")
        .values_list("user_id", flat=True)[:shoppers]
    )
    if len(viewers) < shoppers:
        others = User.objects.filter(is_active=True, is_staff=False).exclude(pk__in=viewers)
        viewers += list(
            others.order_by("pk").values_list("pk", flat=True)[: shoppers - len(viewers)]
        )
    people = [u for u in User.objects.filter(pk__in=viewers) if u.pk not in creators]
    with transaction.atomic():
        tokens = [account_services.issue_api_token(user=u, name=TOKEN_NAME) for u in people]
    live = Post.objects.filter(status=Post.Status.READY, removed_at__isnull=True)
    post_ids = list(live.values_list("pk", flat=True))
    products_of: dict[int, list[int]] = {}
    for post_id, product_id in Anchor.objects.filter(product__isnull=False).values_list(
        "post_id", "product_id"
    ):
        products_of.setdefault(post_id, []).append(product_id)
    ids = [u.pk for u in people]
    privacy = [account_selectors.feed_privacy(u) for u in people]
    personalized = [p.personalized for p in privacy]
    facts = {
        "live_posts": len(post_ids),
        "anchors": sum(len(v) for v in products_of.values()),
        "events": Event.objects.count(),
        "follows": Follow.objects.count(),
        "likes": Like.objects.count(),
        "shoppers_with_tokens": len(ids),
        "their_events": Event.objects.filter(user_id__in=ids).count(),
        "their_follows": Follow.objects.filter(follower_id__in=ids).count(),
        "shoppers_personalized": sum(personalized),
        "model": trained_model(),
    }
    return World(
        tokens, ids, post_ids, products_of, facts, personalized, [p.region for p in privacy]
    )


def trained_model() -> dict | None:
    """The For You model serving would load: its id, size and what it learned."""
    from clipcart.feed.models import RankerModel

    row = RankerModel.objects.order_by("-id").values("id", "events", "items", "summary").first()
    if row is None:
        return None
    summary = row["summary"] or {}
    return {
        "id": row["id"],
        "events": row["events"],
        "videos": row["items"],
        "engine": summary.get("engine"),
        "outcome_models": summary.get("learned"),
    }


def check_recommender(world: World) -> None:
    """The feed must be measured with the recommender on: a trained model with its engine, and
    signed-in visitors who get the personalized path."""
    model = world.facts["model"]
    if not model or not model["engine"]:
        raise SystemExit(
            f"no trained For You model with an engine ({model}): the seed trains one at its end "
            "(feed.foryou.training.retrain); re-seed without --reuse-database"
        )
    if not any(world.personalized):
        raise SystemExit(
            "none of the shoppers given a token has personalization on: signed-in visits "
            "would not exercise the recommender (the demo's viewers said yes; re-seed)"
        )


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- Where one feed page's time goes (in-process) ------------------------------------------------


def feed_breakdown(world: World, repeats: int = 20) -> dict:
    """What one first page costs by itself: the feed anonymous and signed-in, and the baseline,
    through Django's test client in this process (no HTTP, no concurrency).

    On a shared machine wall time swings with other programs, so it reports the CPU time this
    process spent (Python, Django, psycopg) and, per query, the time PostgreSQL says it needs
    (EXPLAIN ANALYZE of the exact SQL sent: planning + execution, median of 5)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    token = {"Authorization": f"Bearer {world.tokens[world.personalized.index(True)]}"}
    result = {}
    with override_settings(ROOT_URLCONF="bench.feed_urls"):
        for who, path, headers in (
            ("baseline", BASELINE, {}),
            ("feed anonymous", FEED, {}),
            ("feed signed-in (personalized)", FEED, token),
        ):
            for _ in range(3):  # warm: imports, caches, the share code a first call makes
                client.get(path, headers=headers)
            walls, cpus = [], []
            for _ in range(repeats):
                with CaptureQueriesContext(connection) as captured:
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = client.get(path, headers=headers)
                    cpus.append(time.process_time() - cpu)
                    walls.append(time.perf_counter() - wall)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]}")
            if headers and not personalized_answer(response.json()["items"]):
                raise RuntimeError(f"{path}: a personalized shopper got no personalized answer")
            queries = [q["sql"] for q in captured.captured_queries]
            planned = [(explain_ms(sql), sql) for sql in queries]
            result[who] = {
                "queries": len(queries),
                "wall_ms": round(1000 * lib.percentile(walls, 50), 1),
                "cpu_ms": round(1000 * lib.percentile(cpus, 50), 1),
                "postgres_ms": round(sum(ms for ms, _ in planned), 2),
                "per_query": [
                    f"{ms:6.2f} ms  {' '.join(sql.split())[:150]}"
                    for ms, sql in sorted(planned, key=lambda x: -x[0])
                ],
            }
    connection.close()
    return result


def explain_ms(sql: str) -> float:
    """Planning + execution time PostgreSQL reports for `sql` (0 for a statement that writes)."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return 0.0
    times = []
    with connection.cursor() as cursor:
        for _ in range(5):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql.replace("%", "%%"))
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
    return round(lib.percentile(times, 50), 3)


# --- Load: feed and baseline ---------------------------------------------------------------------


@dataclass
class Load:
    """Latencies (seconds) of one measurement, split by who asked."""

    ok: dict[bool, list[float]] = field(default_factory=lambda: {False: [], True: []})
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    personalized: int = 0  # feed answers that came from the personalized path

    def add(self, other: Load) -> None:
        for who in (False, True):
            self.ok[who] += other.ok[who]
        self.errors += other.errors
        self.wall += other.wall
        self.personalized += other.personalized


async def visit_load(
    base_url: str,
    world: World,
    *,
    path: str,
    concurrency: int,
    seconds: float,
    args: argparse.Namespace,
    seed: int,
) -> Load:
    """`concurrency` visitors, each on its own keep-alive connection, until `seconds` pass.

    A visit is anonymous or a random signed-in shopper (--signed-in), and swipes up to --pages
    pages following `next_cursor`; the baseline path gets the same visits and headers."""
    host, port = base_url.removeprefix("http://").split(":")
    load = Load()
    deadline = time.perf_counter() + seconds

    async def visitor(index: int) -> None:
        rng = random.Random(seed * 10_007 + index)
        http = lib.HttpConnection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                signed_in = rng.random() < args.signed_in
                token = rng.choice(world.tokens) if signed_in else ""
                headers = f"Authorization: Bearer {token}\r\n".encode() if token else b""
                cursor = None
                for _ in range(args.pages):
                    target = path + (f"?cursor={cursor}" if cursor else "")
                    began = time.perf_counter()
                    try:
                        status, body = await http.request("GET", target, headers=headers)
                    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                        load.errors.append(f"{target}: {error!r}")
                        break
                    load_seconds = time.perf_counter() - began
                    if status != 200:
                        load.errors.append(f"{target}: {status} {body[:200]!r}")
                        break
                    load.ok[signed_in].append(load_seconds)
                    if path != FEED:
                        continue
                    answer = json.loads(body)
                    load.personalized += personalized_answer(answer["items"])
                    cursor = answer.get("next_cursor")
                    if not cursor or time.perf_counter() >= deadline:
                        break
        finally:
            await http.close()

    began = time.perf_counter()
    await asyncio.gather(*(visitor(i) for i in range(concurrency)))
    load.wall = time.perf_counter() - began
    return load


def warm_server(args, server, world: World) -> None:
    """Serves the feed, untimed, for --server-warmup seconds at the highest concurrency."""
    if args.server_warmup <= 0:
        return
    load = visit_load(
        server.base_url, world, path=FEED, concurrency=max(args.concurrencies),
        seconds=args.server_warmup, args=args, seed=7,
    )  # fmt: skip
    done = asyncio.run(asyncio.wait_for(load, args.phase_timeout))
    every = done.ok[False] + done.ok[True]
    print(f"   server warmed with {len(every)} feed pages in {args.server_warmup:.0f} s (slowest "
          f"{1000 * max(every, default=0):.0f} ms, {len(done.errors)} errors)")  # fmt: skip


def summarize(load: Load, cpu: dict) -> dict:
    every = load.ok[False] + load.ok[True]
    n = len(every)

    def ms(values: list[float], pct: float) -> float:
        return round(1000 * lib.percentile(values, pct), 1)

    return {
        "requests": n,
        "signed_in_requests": len(load.ok[True]),
        "personalized_answers": load.personalized,
        "errors": len(load.errors),
        "error_samples": load.errors[:5],
        "rps": round(n / load.wall, 1) if load.wall else 0.0,
        "p50_ms": ms(every, 50),
        "p90_ms": ms(every, 90),
        "p99_ms": ms(every, 99),
        "max_ms": ms(every, 100),
        "anonymous_p50_ms": ms(load.ok[False], 50),
        "anonymous_p99_ms": ms(load.ok[False], 99),
        "signed_in_p50_ms": ms(load.ok[True], 50),
        "signed_in_p99_ms": ms(load.ok[True], 99),
        "cpu": cpu,
        # CPU per request: what each program spent (ms), to see who is the bottleneck.
        "server_cpu_ms": round(1000 * cpu["server_cpu_s"] / max(n, 1), 2),
        "postgres_cpu_ms": round(
            1000 * (cpu["postgres_cpu_s"] + cpu["postgres_exited_cpu_s"]) / max(n, 1), 2
        ),
        "client_cpu_ms": round(1000 * cpu["client_cpu_s"] / max(n, 1), 2),
    }


def merge_cpu(total: dict, part: dict) -> dict:
    """CPU seconds of several measurements added up; the busiest one's machine load."""
    merged = {k: round(total.get(k, 0) + v, 2) for k, v in part.items() if k.endswith("_cpu_s")}
    merged["machine_busy_pct"] = max(total.get("machine_busy_pct", 0.0), part["machine_busy_pct"])
    return merged


def measure_feed(args, server, world: World, concurrency: int, database: str) -> dict:
    """Feed and baseline at one concurrency, alternating, each --duration seconds in all."""
    run = lambda path, seconds, seed: visit_load(  # noqa: E731
        server.base_url, world, path=path, concurrency=concurrency, seconds=seconds, args=args,
        seed=seed,
    )  # fmt: skip
    limit = args.phase_timeout
    asyncio.run(asyncio.wait_for(run(FEED, args.warmup / 2, 0), limit))
    asyncio.run(asyncio.wait_for(run(BASELINE, args.warmup / 2, 0), limit))
    loads = {FEED: Load(), BASELINE: Load()}
    cpus: dict[str, dict] = {FEED: {}, BASELINE: {}}
    loads_before = []
    for r in range(args.rounds):
        order = (BASELINE, FEED) if r % 2 == 0 else (FEED, BASELINE)
        for path in order:
            loads_before.append(quiet(args))
            with lib.CpuMeter(server_pid=server.process.pid, database=database) as meter:
                part = asyncio.run(
                    asyncio.wait_for(run(path, args.duration / args.rounds, r + 1), limit)
                )
            loads[path].add(part)
            cpus[path] = merge_cpu(cpus[path], meter.summary())
    feed, base = summarize(loads[FEED], cpus[FEED]), summarize(loads[BASELINE], cpus[BASELINE])
    return {
        "concurrency": concurrency,
        "feed": feed,
        "baseline": base,
        "p99_ratio": round(feed["p99_ms"] / max(base["p99_ms"], 1e-9), 2),
        "p50_ratio": round(feed["p50_ms"] / max(base["p50_ms"], 1e-9), 2),
        "rps_ratio": round(feed["rps"] / max(base["rps"], 1e-9), 3),
        "load_before_pct": round(100 * max(loads_before), 1),
    }


# --- Load: events --------------------------------------------------------------------------------


class EventMaker:
    """Realistic batches: the feed page's beacon mix, about live posts and their products, with
    ids no run has used (`bench-<run>-<client>-<n>`)."""

    def __init__(self, world: World, *, run: str, client: int, seed: int):
        self.world, self.rng = world, random.Random(seed)
        self.prefix = f"{ID_PREFIX}{run}-{client}-"
        self.n = 0
        self.types, self.weights = list(EVENT_MIX), list(EVENT_MIX.values())

    def batch(self, size: int) -> list[dict]:
        rng, now_ms = self.rng, int(time.time() * 1000)
        events = []
        for kind in rng.choices(self.types, self.weights, k=size):
            self.n += 1
            post = rng.choice(self.world.post_ids)
            event = {
                "id": f"{self.prefix}{self.n}",
                "type": kind,
                "ts": now_ms - rng.randrange(30_000),
            }
            if kind != "follow":
                event["video_id"] = post
            if (
                kind in ("anchor_click", "add_to_cart", "purchase")
                and post in self.world.products_of
            ):
                event["product_id"] = rng.choice(self.world.products_of[post])
            if kind in ("view_progress", "complete"):
                event["watch_ms"] = rng.randrange(500, 60_000)
            events.append(event)
        return events


async def api_events(base_url: str, world: World, args, *, seconds: float, run: str) -> dict:
    """K clients, each a signed-in shopper, post batches until `seconds` pass."""
    host, port = base_url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[str] = []
    accepted = [0]
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        token = world.tokens[index % len(world.tokens)]
        headers = f"Authorization: Bearer {token}\r\n".encode()
        maker = EventMaker(world, run=run, client=index, seed=index)
        http = lib.HttpConnection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                body = json.dumps({"events": maker.batch(args.event_batch)}).encode()
                began = time.perf_counter()
                try:
                    status, answer = await http.request("POST", EVENTS, headers=headers, body=body)
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    errors.append(repr(error))
                    continue
                latencies.append(time.perf_counter() - began)
                got = json.loads(answer) if status == 202 else {}
                if got.get("accepted") != args.event_batch:
                    errors.append(f"{status} {answer[:200]!r}")
                accepted[0] += got.get("accepted", 0)
        finally:
            await http.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(args.event_clients)))
    wall = time.perf_counter() - began
    return {"events": accepted[0], "batches": len(latencies), "wall": wall,
            "latencies": latencies, "errors": errors}  # fmt: skip


def raw_events(url: str, world: World, args, *, seconds: float, run: str) -> dict:
    """K autocommit psycopg connections (threads), each inserting its batches with one
    multi-row INSERT into feed_event: the same columns, as many rows, no application."""
    row = "(" + ", ".join(["%s"] * 11) + ")"
    sql = f"INSERT INTO feed_event ({EVENT_COLUMNS}) VALUES " + ", ".join([row] * args.event_batch)
    sessions = [psycopg.connect(url, autocommit=True) for _ in range(args.event_clients)]
    start = threading.Barrier(args.event_clients + 1)
    counts = [0] * args.event_clients
    latencies: list[list[float]] = [[] for _ in sessions]
    errors: list[str] = []

    def insert(index: int) -> None:
        maker = EventMaker(world, run=f"raw{run}", client=index, seed=1000 + index)
        user_id = world.user_ids[index % len(world.user_ids)]
        region = world.regions[index % len(world.regions)]
        actor = f"u:{user_id}"
        conn = sessions[index]
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            now = datetime.now(UTC)
            params: list = []
            for e in maker.batch(args.event_batch):
                ts = datetime.fromtimestamp(e["ts"] / 1000, tz=UTC)
                params += [actor, e["id"], user_id, region, e["type"], ts, now,
                           e.get("video_id"), e.get("product_id"), e.get("watch_ms"),
                           False]  # fmt: skip
            began = time.perf_counter()
            try:
                conn.execute(sql, params)
            except psycopg.Error as error:
                errors.append(repr(error))
                return
            latencies[index].append(time.perf_counter() - began)
            counts[index] += args.event_batch

    threads = [threading.Thread(target=insert, args=(i,)) for i in range(args.event_clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    for conn in sessions:
        conn.close()
    return {"events": sum(counts), "batches": sum(len(x) for x in latencies), "wall": wall,
            "latencies": [s for x in latencies for s in x], "errors": errors}  # fmt: skip


def measure_events(args, server, world: World, database: str, run: str) -> dict:
    """API and raw INSERT alternating (ABBA…), each --event-duration seconds in all."""
    limit = args.phase_timeout
    per_round = args.event_duration / args.rounds
    api = lambda seconds, tag: api_events(  # noqa: E731
        server.base_url, world, args, seconds=seconds, run=f"{run}{tag}"
    )
    warm = asyncio.run(asyncio.wait_for(api(2, "w"), limit))  # untimed; its events are stored
    parts: dict[str, list[dict]] = {"api": [], "raw": []}
    cpus: dict[str, dict] = {"api": {}, "raw": {}}
    for r in range(args.rounds):
        for kind in ("raw", "api") if r % 2 == 0 else ("api", "raw"):
            quiet(args)
            with lib.CpuMeter(server_pid=server.process.pid, database=database) as meter:
                if kind == "api":
                    part = asyncio.run(asyncio.wait_for(api(per_round, f"r{r}"), limit))
                else:
                    with lib.time_limit(limit, "raw events"):
                        part = raw_events(
                            args.database_url, world, args, seconds=per_round, run=f"{run}r{r}"
                        )
            parts[kind].append(part)
            cpus[kind] = merge_cpu(cpus[kind], meter.summary())
    result: dict = {"clients": args.event_clients, "batch": args.event_batch}
    for kind, done in parts.items():
        events = sum(p["events"] for p in done)
        wall = sum(p["wall"] for p in done)
        latencies = [s for p in done for s in p["latencies"]]
        errors = [e for p in done for e in p["errors"]]
        result[kind] = {
            "events": events,
            "events_per_s": round(events / wall, 1) if wall else 0.0,
            "batch_p50_ms": round(1000 * lib.percentile(latencies, 50), 1),
            "batch_p99_ms": round(1000 * lib.percentile(latencies, 99), 1),
            "errors": len(errors),
            "error_samples": errors[:5],
            "cpu": cpus[kind],
            "server_cpu_ms_per_batch": round(
                1000 * cpus[kind]["server_cpu_s"] / max(len(latencies), 1), 2
            ),
            "postgres_cpu_ms_per_batch": round(
                1000
                * (cpus[kind]["postgres_cpu_s"] + cpus[kind]["postgres_exited_cpu_s"])
                / max(len(latencies), 1),
                2,
            ),
        }
    result["ratio"] = round(
        result["api"]["events_per_s"] / max(result["raw"]["events_per_s"], 1e-9), 3
    )
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM feed_event WHERE client_id LIKE %s", (f"{ID_PREFIX}{run}%",)
        ).fetchone()
        conn.execute("DELETE FROM feed_event WHERE client_id LIKE %s", (f"{ID_PREFIX}%",))
    result["stored_api_events"] = int(stored[0]) if stored else 0
    sent = warm["events"] + result["api"]["events"]
    result["api_events_missing"] = max(0, sent - result["stored_api_events"])
    return result


# --- Profile: where the server's Python time goes -------------------------------------------------

# (label, substrings of a py-spy frame "function (path:line)", where): "in" counts a sample
# when any frame of its stack matches (so shares nest and do not add up to 100 %), "self" when
# its innermost frame does (time spent in that code itself).
PROFILE_BUCKETS = (
    ("event loop: uvicorn, ASGI handler, async middleware", ("Runner.run (",), "in"),
    ("request threads: sync middleware and views", ("_worker (concurrent/",), "in"),
    ("  the feed view (api/routers/social.py feed)", ("feed (clipcart/api/routers/",), "in"),
    ("    For You (foryou/serve.py for_you)", ("for_you (clipcart/feed/foryou/serve.py",), "in"),
    ("      personalized path", ("_personalized (clipcart/feed/foryou/serve.py",), "in"),
    ("        catalogue (cache read)", ("live_catalogue (clipcart/",), "in"),
    (
        "        history + interest profile",
        ("recent (clipcart/feed/history.py", "build_profile (clipcart/"),
        "in",
    ),
    ("        engine pass (sources + ranker)", ("engine_pass (clipcart/",), "in"),
    ("          engine candidates (recsys)", ("candidates (clipcart/feed/recsys/engine.py",), "in"),
    ("        features", ("feature_matrix (clipcart/",), "in"),
    ("        outcome models (LightGBM)", ("predict (clipcart/feed/foryou/outcomes.py",), "in"),
    ("        carted categories (query)", ("_carted_categories (clipcart/",), "in"),
    ("      regional popularity path", ("_general (clipcart/feed/foryou/serve.py",), "in"),
    ("      hidden videos (query)", ("hidden_ids (clipcart/",), "in"),
    ("      follows (query)", ("followed_ids (clipcart/",), "in"),
    ("      feed rules (rules.fill)", ("fill (clipcart/feed/foryou/rules.py",), "in"),
    ("      exploration", ("_explored (clipcart/feed/foryou/serve.py",), "in"),
    ("    feed cards (cached per post)", ("cards (clipcart/api/feed_cards.py",), "in"),
    ("    likes (query)", ("liked_ids (clipcart/",), "in"),
    ("    presenters (dicts)", ("(clipcart/api/presenters.py",), "in"),
    ("LightGBM predict (C, any caller)", ("__inner_predict_np2d (lightgbm/",), "in"),
    ("Django cache reads (Redis)", ("get (django/core/cache/backends/redis.py",), "in"),
    ("  ninja: response validation (pydantic)", ("_result_to_response (ninja/",), "in"),
    ("  bearer token lookup", ("user_for_token (clipcart/",), "in"),
    ("  the one-query view (bench/feed_urls.py)", ("one_query (bench/",), "in"),
    ("  the events view (api/routers/social.py events)", ("events (clipcart/api/routers/",), "in"),
    ("    check_events (validation)", ("check_events (clipcart/",), "in"),
    ("    _insert_new (the INSERT)", ("_insert_new (clipcart/",), "in"),
    ("  ninja: request body parsing (pydantic)", ("_get_values (ninja/",), "in"),
    ("ORM: compiling SQL (as_sql)", (".as_sql (django/",), "in"),
    ("ORM: building model instances", ("ModelIterable.__iter__ (django/",), "in"),
    ("ORM: prefetch_related", ("prefetch_related_objects (django/",), "in"),
    ("psycopg (self)", ("(psycopg/",), "self"),
    (
        "threads, asyncio, asgiref (self)",
        ("(threading.py", "(asyncio/", "(asgiref/", "(concurrent/"),
        "self",
    ),
)


def profile_server(args, server, world: World, *, path: str, concurrency: int) -> dict | None:
    """Loads `path` for --profile seconds (the feed or the baseline with `concurrency` visitors,
    the events API with its K clients) while py-spy samples the server's processes, only
    threads holding the GIL (Python CPU, not waits); shares of samples per PROFILE_BUCKETS."""
    spy = shutil.which("py-spy")
    command = [spy] if spy else ["uv", "tool", "run", "py-spy"]
    out = lib.RESULTS / f"py-spy-{path.strip('/').replace('/', '-')}.txt"
    record = [*command, "record", "--gil", "--subprocesses", "--format", "raw", "--rate", "100"]
    record += ["--duration", str(int(args.profile)), "--output", str(out)]
    record += ["--pid", str(server.process.pid)]
    spying = subprocess.Popen(record, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2)  # py-spy attaches
    if path == EVENTS:
        load = api_events(server.base_url, world, args, seconds=args.profile, run="profile")
    else:
        load = visit_load(
            server.base_url, world, path=path, concurrency=concurrency,
            seconds=args.profile, args=args, seed=99,
        )  # fmt: skip
    done = asyncio.run(asyncio.wait_for(load, args.phase_timeout))
    try:
        _, errors = spying.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        spying.kill()
        return None
    if spying.returncode != 0 or not out.exists():
        print(f"   py-spy failed ({spying.returncode}): {errors.decode()[-300:]}")
        return None
    stacks = []
    for line in out.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        stacks.append((frames, frames.rsplit(";", 1)[-1], int(count)))
    total = sum(count for *_, count in stacks) or 1

    def share(needles: tuple[str, ...], where: str) -> float:
        hits = sum(
            count
            for frames, leaf, count in stacks
            if any(needle in (frames if where == "in" else leaf) for needle in needles)
        )
        return round(100 * hits / total, 1)

    shares = {label: share(needles, where) for label, needles, where in PROFILE_BUCKETS}
    requests = done["batches"] if path == EVENTS else len(done.ok[False]) + len(done.ok[True])
    return {"path": path, "samples": total, "requests": requests, "shares_pct": shares,
            "raw": str(out.relative_to(lib.REPO))}  # fmt: skip


# --- Report --------------------------------------------------------------------------------------


def quiet(args: argparse.Namespace) -> float:
    """Waits for a quiet machine (see --quiet-wait); returns the load it measured last."""
    if args.quiet_wait <= 0:
        return lib.busy_fraction(0.5)
    return lib.wait_until_quiet(below=0.15, timeout=args.quiet_wait)


def report_feed(r: dict) -> None:
    for name in ("feed", "baseline"):
        x = r[name]
        print(
            f"   {name:8} {x['requests']:6} requests, {x['errors']} errors: {x['rps']:7.1f}/s, "
            f"p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms (anonymous p99 {x['anonymous_p99_ms']}, "
            f"signed-in p99 {x['signed_in_p99_ms']}); CPU ms/request: server "
            f"{x['server_cpu_ms']}, PostgreSQL {x['postgres_cpu_ms']}, load generator "
            f"{x['client_cpu_ms']}; other programs {x['cpu']['others_cpu_s']} s"
        )
        for sample in x["error_samples"]:
            print(f"   ERROR {sample}")
    feed = r["feed"]
    print(
        f"   feed answers from the personalized path: {feed['personalized_answers']} of "
        f"{feed['signed_in_requests']} signed-in ({feed['requests']} in all)"
    )
    print(
        f"   feed/baseline: p99 x{r['p99_ratio']} (goal <= 3), p50 x{r['p50_ratio']}, "
        f"requests/s x{r['rps_ratio']}; machine {r['load_before_pct']}% busy just before"
    )


def report_events(r: dict) -> None:
    for name in ("api", "raw"):
        x = r[name]
        print(
            f"   {name:3} {x['events']:7} events, {x['errors']} errors: "
            f"{x['events_per_s']:8.1f}/s, "
            f"batch p50 {x['batch_p50_ms']} ms, p99 {x['batch_p99_ms']} ms; CPU ms/batch: server "
            f"{x['server_cpu_ms_per_batch']}, PostgreSQL {x['postgres_cpu_ms_per_batch']}"
        )
        for sample in x["error_samples"]:
            print(f"   ERROR {sample}")
    print(
        f"   API/raw = {r['ratio']} (goal >= 0.30); stored {r['stored_api_events']} API events, "
        f"missing {r['api_events_missing']}"
    )


def report_profile(profile: dict | None) -> None:
    if not profile:
        return
    print(f"   {profile['samples']} samples of threads holding the GIL over "
          f"{profile['requests']} requests ({profile['raw']}):")  # fmt: skip
    for label, share in profile["shares_pct"].items():
        if share:
            print(f"   {share:5.1f}%  {label}")


def print_table(feed: list[dict], events: dict | None) -> None:
    rows = [["conc", "endpoint", "req/s", "p50 ms", "p99 ms", "errors", "p99 ratio", "rps ratio"]]
    for r in feed:
        for name in ("feed", "baseline"):
            x = r[name]
            ratios = [str(r["p99_ratio"]), str(r["rps_ratio"])] if name == "feed" else ["", ""]
            rows.append([str(r["concurrency"]), name, str(x["rps"]), str(x["p50_ms"]),
                         str(x["p99_ms"]), str(x["errors"]), *ratios])  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    if events:
        print(
            f"\nevents: API {events['api']['events_per_s']}/s, raw INSERT "
            f"{events['raw']['events_per_s']}/s ({events['clients']} clients, batches of "
            f"{events['batch']}); API/raw = {events['ratio']}"
        )


def main() -> int:
    args = parse_args()
    lib.interrupt_on_signals()
    started = time.perf_counter()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    info = lib.machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(
        f"server: {args.server}, {args.workers} workers, pool {args.pool_size}, "
        f"redis {args.redis_url}"
    )
    database = lib.database_name(args.database_url)
    setup = prepare_database(args)
    setup_django(args)
    with lib.time_limit(args.phase_timeout, "world"):
        world = build_world(args.shoppers)
    analyze(args.database_url)
    print(f"   database {'reused' if setup['reused'] else 'seeded'} in {setup['setup_s']} s: "
          + ", ".join(f"{k} {v}" for k, v in world.facts.items()))  # fmt: skip
    check_recommender(world)
    if not world.post_ids or not world.tokens:
        raise SystemExit("the seed made no live posts or no shoppers: nothing to measure")
    with lib.time_limit(args.phase_timeout, "breakdown"):
        breakdown = feed_breakdown(world)
    for who, x in breakdown.items():
        print(
            f"   in-process, {who}: {x['queries']} queries, {x['cpu_ms']} ms CPU here, "
            f"{x['postgres_ms']} ms in PostgreSQL (EXPLAIN ANALYZE), {x['wall_ms']} ms wall"
        )

    port = lib.free_port()
    command = lib.server_command(args.server, port=port, workers=args.workers, threads=args.threads)
    env = bench_env(args, settings="bench.settings_bench")
    log_path = lib.RESULTS / f"server-feed-{stamp}.log"
    server = lib.Server.start(command, env=env, port=port, log_path=log_path)
    feed_results: list[dict] = []
    events: dict | None = None
    profiles: list[dict | None] = []
    try:
        server.wait_ready(BASELINE, timeout=60)
        warm_server(args, server, world)
        for concurrency in args.concurrencies:
            print(f"   feed vs one-query view, {concurrency} clients", flush=True)
            feed_results.append(measure_feed(args, server, world, concurrency, database))
            report_feed(feed_results[-1])
        if not args.skip_events:
            print(f"   events: {args.event_clients} clients, batches of {args.event_batch}",
                  flush=True)  # fmt: skip
            events = measure_events(args, server, world, database, run=stamp.replace("-", ""))
            report_events(events)
        for path in (FEED, BASELINE, EVENTS) if args.profile else ():
            clients = args.event_clients if path == EVENTS else max(args.concurrencies)
            print(f"   py-spy on the server: {path}, {clients} clients", flush=True)
            profiles.append(profile_server(args, server, world, path=path, concurrency=clients))
            report_profile(profiles[-1])
    finally:
        server.stop()
        with psycopg.connect(args.database_url, autocommit=True) as conn:  # --profile's events
            conn.execute("DELETE FROM feed_event WHERE client_id LIKE %s", (f"{ID_PREFIX}%",))
    print_table(feed_results, events)
    total_s = round(time.perf_counter() - started, 1)
    print(f"\nthe benchmark took {total_s} s (setup {setup['setup_s']} s)")
    lib.RESULTS.mkdir(parents=True, exist_ok=True)
    out = lib.RESULTS / f"feed-{stamp}.json"
    out.write_text(json.dumps({
        "args": {k: v for k, v in vars(args).items()}, "machine": info, "setup": setup,
        "world": world.facts, "breakdown": breakdown, "feed": feed_results, "events": events,
        "profiles": profiles,
        "total_s": total_s,
    }, indent=2))  # fmt: skip
    print(f"full results: {out.relative_to(lib.REPO)}")
    failed = any(r[n]["errors"] for r in feed_results for n in ("feed", "baseline"))
    if events:
        failed |= bool(events["api"]["errors"] or events["raw"]["errors"])
        failed |= bool(events["api_events_missing"])
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
    except lib.PhaseTimeout as timeout:
        print(f"\ntimeout: {timeout}", file=sys.stderr)
        sys.exit(2)
