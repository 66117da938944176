"""Flash-sale benchmark: a viral video sends N buyers at one product with S units.

    .venv/bin/python bench/flash_sale.py [--buyers 2000] [--units 500] [--workers 4]
        [--concurrency 64] [--buckets 1,8] [--database-url postgresql://…/clipcart_bench]

For each bucket count it recreates the bench database, migrates, builds the world through the
services (a seller, a shop, one product whose S units are split over B stock buckets, N buyers
with API tokens), starts a production-style server (DEBUG off, several workers, PostgreSQL),
fills every buyer's cart through the API, and then, timed, sends every buyer's single
`POST /api/v1/checkout` at once (at most `--concurrency` in flight). It verifies the database
afterwards (orders == sold == S, stock 0 and never negative, reservations allocated, payments
captured) and measures, on the same database, the rate of a raw single-row
`UPDATE bench_stock SET qty = qty - 1 WHERE id = 1 AND qty > 0`. The exit status is 1 when a
check fails (oversold, unsold units, an error answer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import ssl
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import benchlib as lib
import httpx
import psycopg

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/clipcart_bench"
CHECKOUT_BODY = {
    "shipping_address": {
        "name": "Flash Buyer",
        "line1": "1 Viral Street",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    },
    "payment": {"method": "test", "token": "tok_visa"},
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=2000, help="N buyers (default 2000)")
    parser.add_argument("--units", type=int, default=500, help="S units on sale (default 500)")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--concurrency", type=int, default=64, help="checkouts in flight")
    parser.add_argument("--buckets", default="1,8", help="stock bucket counts to run, e.g. 1,8")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--server", choices=lib.SERVERS, default="gunicorn-uvicorn")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn-wsgi worker")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=8,
        help="PostgreSQL connections per server process (DATABASE_POOL_MAX_SIZE; 0: no pool)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="DATABASE_CONN_MAX_AGE of the server when --pool-size is 0 (default 0 for the "
        "ASGI servers, whose per-request threads would leak kept connections, 60 for WSGI)",
    )
    parser.add_argument("--redis-url", default="", help="REDIS_URL for the server (optional)")
    parser.add_argument(
        "--raw-connections",
        default="",
        help="connection counts for the raw UPDATE baseline (default 4,16,<concurrency>); "
        "the ratio is taken against the fastest",
    )
    parser.add_argument("--raw-units", type=int, default=20_000, help="raw baseline start qty")
    parser.add_argument("--phase-timeout", type=float, default=300, help="seconds per phase")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30,
        help="before each measurement wait up to this many seconds for the machine to be "
        "under 15%% busy (other programs on a shared machine); 0 to skip",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the buyers' order")
    args = parser.parse_args()
    if args.conn_max_age is None:
        args.conn_max_age = 60 if args.server == "gunicorn-wsgi" else 0
    args.bucket_counts = [int(b) for b in args.buckets.split(",") if b.strip()]
    raw = args.raw_connections or f"4,16,{args.concurrency}"
    args.raw_counts = sorted({int(k) for k in raw.split(",") if k.strip()})
    if not 1 <= args.units <= args.buyers:
        parser.error("need 1 <= --units <= --buyers, so that the sale sells out")
    if args.concurrency < 1 or args.workers < 1 or not args.bucket_counts:
        parser.error("--concurrency, --workers and --buckets must be positive")
    return args


# --- Setup, through the services -----------------------------------------------------------------


@dataclass
class World:
    variant_id: int
    tokens: list[str]


def setup_django(database_url: str) -> None:
    """This process sets up the world through the services, so it runs Django too."""
    # No pool here: this process drops and recreates the database between runs, which would
    # leave a pool holding dead connections.
    os.environ.update(lib.server_env(database_url=database_url, pool_size=0))
    sys.path.insert(0, str(lib.REPO))
    import django

    django.setup()


def build_world(*, buyers: int, units: int, buckets: int) -> World:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from clipcart.accounts import services as account_services
    from clipcart.accounts.models import User
    from clipcart.catalog import services as catalog_services
    from clipcart.inventory import services as inventory_services

    password = make_password(uuid.uuid4().hex)  # one hash for everybody: hashing is not the bench
    seller = User.objects.create(username="seller", email="seller@bench.invalid", password=password)
    shop = catalog_services.create_shop(owner=seller, name="Viral Gadgets")
    product = catalog_services.create_product(
        shop=shop, title="The gadget from the video", price="19.00", currency="USD", stock=0
    )
    variant = product.variants.get()
    inventory_services.set_stock(variant_id=variant.pk, quantity=units, buckets=buckets)
    people = User.objects.bulk_create(
        User(username=f"buyer{i:05d}", email=f"buyer{i:05d}@bench.invalid", password=password)
        for i in range(buyers)
    )
    with transaction.atomic():
        tokens = [account_services.issue_api_token(user=user, name="bench") for user in people]
    return World(variant_id=variant.pk, tokens=tokens)


def analyze(database_url: str) -> None:
    """Fresh tables have no planner statistics; a production database has them."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- The HTTP phases -----------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    code: str
    seconds: float
    detail: str = ""

    @property
    def outcome(self) -> str:
        if self.status == 201 and self.code == "sold":
            return "sold"
        if self.status == 409 and self.code == "out_of_stock":
            return "sold_out"
        return "error"


async def drive(base_url: str, items: list, concurrency: int, send) -> tuple[list, float]:
    """`concurrency` virtual users, each on its own keep-alive connection, take the items in
    order and `send` each one; returns the results (in item order) and the wall time.

    One client per user rather than one shared pool of `concurrency` connections: httpx's pool
    spends time proportional to its size on every request (3-4 ms of CPU a request at 64 on
    this machine, against about 1.4 ms here), and the load generator shares the CPU with the
    server.
    """
    tls = ssl.create_default_context()  # unused on http://, but each client would build one
    limits = httpx.Limits(max_connections=1)
    users = [
        httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120, verify=tls)
        for _ in range(min(concurrency, len(items)))
    ]
    queue = iter(enumerate(items))  # shared: a user takes the next item when it is free
    results: list = [None] * len(items)

    async def user(http: httpx.AsyncClient) -> None:
        for index, item in queue:
            results[index] = await send(http, item)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(user(http) for http in users))
        wall = time.perf_counter() - started
    finally:
        await asyncio.gather(*(http.aclose() for http in users))
    return results, wall


async def fill_carts(base_url: str, world: World, concurrency: int) -> None:
    """Every buyer puts one unit in their cart (before the sale: it also warms every worker)."""

    async def add(http: httpx.AsyncClient, token: str) -> None:
        response = await http.post(
            "/api/v1/cart/items",
            json={"variant_id": world.variant_id, "quantity": 1},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"add to cart: {response.status_code} {response.text[:300]}")

    await drive(base_url, world.tokens, concurrency, add)


async def checkout(http: httpx.AsyncClient, token: str) -> Answer:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    started = time.perf_counter()
    try:
        response = await http.post("/api/v1/checkout", json=CHECKOUT_BODY, headers=headers)
    except httpx.HTTPError as error:
        return Answer(0, "transport_error", time.perf_counter() - started, repr(error))
    seconds = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 201 and len(body.get("orders", [])) == 1:
        return Answer(201, "sold", seconds)
    code = (body.get("error") or {}).get("code", "") if isinstance(body, dict) else ""
    return Answer(response.status_code, code, seconds, response.text[:300])


def tally(answers: list[Answer], wall: float) -> dict:
    sold = [a for a in answers if a.outcome == "sold"]
    sold_out = [a for a in answers if a.outcome == "sold_out"]
    errors = [a for a in answers if a.outcome == "error"]
    decisions = len(sold) + len(sold_out)
    ms = [a.seconds * 1000 for a in answers]
    return {
        "sold": len(sold),
        "sold_out": len(sold_out),
        "errors": len(errors),
        "error_samples": [f"{a.status} {a.code} {a.detail}" for a in errors[:10]],
        "wall_s": round(wall, 3),
        "decisions_per_s": round(decisions / wall, 1),
        "p50_ms": round(lib.percentile(ms, 50), 1),
        "p99_ms": round(lib.percentile(ms, 99), 1),
        "sold_p50_ms": round(lib.percentile([a.seconds * 1000 for a in sold], 50), 1),
        "sold_out_p50_ms": round(lib.percentile([a.seconds * 1000 for a in sold_out], 50), 1),
    }


# --- Checks in the database ----------------------------------------------------------------------


def verify(database_url: str, *, variant_id: int, units: int, sold: int) -> dict:
    """What the database says happened, independently of the HTTP answers."""

    def one(conn: psycopg.Connection, query: str, *params) -> int:
        row = conn.execute(query, params).fetchone()
        return int(row[0] or 0) if row else 0

    with psycopg.connect(database_url, autocommit=True) as conn:
        facts = {
            "orders": one(conn, "SELECT count(*) FROM orders_order"),
            "orders_paid": one(conn, "SELECT count(*) FROM orders_order WHERE status = 'paid'"),
            "units_ordered": one(
                conn, "SELECT sum(quantity) FROM orders_orderline WHERE variant_id = %s", variant_id
            ),
            "stock_left": one(
                conn, "SELECT sum(quantity) FROM inventory_stock WHERE variant_id = %s", variant_id
            ),
            "negative_buckets": one(
                conn, "SELECT count(*) FROM inventory_stock WHERE quantity < 0"
            ),
            "units_allocated": one(
                conn,
                "SELECT sum(quantity) FROM inventory_reservation WHERE status = 'allocated'",
            ),
            "units_held": one(
                conn, "SELECT sum(quantity) FROM inventory_reservation WHERE status = 'held'"
            ),
            "payments_captured": one(
                conn, "SELECT count(*) FROM payments_payment WHERE status = 'captured'"
            ),
            "keys_in_progress": one(
                conn, "SELECT count(*) FROM checkout_idempotencykey WHERE state <> 'done'"
            ),
        }
    facts["oversold"] = max(0, facts["units_ordered"] - units)
    expected = {
        "orders": sold,
        "orders_paid": units,
        "units_ordered": units,
        "stock_left": 0,
        "negative_buckets": 0,
        "units_allocated": units,
        "units_held": 0,
        "payments_captured": units,
        "keys_in_progress": 0,
        "oversold": 0,
    }
    facts["failed_checks"] = [
        f"{name} = {facts[name]}, expected {want}"
        for name, want in expected.items()
        if facts[name] != want
    ]
    return facts


# --- The baseline: one hot row, no application ------------------------------------------------


def raw_update_rate(database_url: str, *, connections: int, units: int, timeout: float) -> dict:
    """`connections` autocommit sessions decrement one row until it reaches 0: updates/s."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_stock (id int PRIMARY KEY, qty int)")
        conn.execute("TRUNCATE bench_stock")
        conn.execute("INSERT INTO bench_stock VALUES (1, %s)", (units,))
    sessions = [psycopg.connect(database_url, autocommit=True) for _ in range(connections)]
    start = threading.Barrier(connections + 1)
    deadline = time.monotonic() + timeout
    counts = [0] * connections
    failures: list[str] = []

    def decrement(index: int) -> None:
        try:
            cursor = sessions[index].cursor()
            start.wait()
            while time.monotonic() < deadline:
                cursor.execute("UPDATE bench_stock SET qty = qty - 1 WHERE id = 1 AND qty > 0")
                if cursor.rowcount == 0:
                    return
                counts[index] += 1
        except Exception as error:  # reported, not swallowed
            failures.append(repr(error))

    threads = [
        threading.Thread(target=decrement, args=(i,), daemon=True) for i in range(connections)
    ]
    try:
        for thread in threads:
            thread.start()
        start.wait(timeout=30)
        began = time.perf_counter()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()) + 5)
        wall = time.perf_counter() - began
    finally:
        for session in sessions:
            session.close()
    if failures or any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"raw baseline failed or timed out: {failures[:3]}")
    with psycopg.connect(database_url, autocommit=True) as conn:
        left = conn.execute("SELECT qty FROM bench_stock WHERE id = 1").fetchone()[0]
    if left != 0 or sum(counts) != units:
        raise RuntimeError(f"raw baseline miscounted: {sum(counts)} updates, {left} left")
    return {"connections": connections, "updates_per_s": round(units / wall, 1)}


# --- One configuration, end to end ---------------------------------------------------------------


def run_one(args: argparse.Namespace, buckets: int, stamp: str) -> dict:
    from django.db import connections

    url, limit = args.database_url, args.phase_timeout
    print(f"\n== buckets={buckets}: recreate {lib.database_name(url)}, migrate, set up", flush=True)
    connections.close_all()
    lib.recreate_database(url)
    env = lib.server_env(
        database_url=url,
        pool_size=args.pool_size,
        conn_max_age=args.conn_max_age,
        redis_url=args.redis_url,
    )
    migrate = [sys.executable, "-m", "clipcart.cli", "migrate", "--no-input", "-v", "0"]
    lib.run_command(migrate, env=env, timeout=limit, phase="migrate")
    with lib.time_limit(limit, "setup"):
        world = build_world(buyers=args.buyers, units=args.units, buckets=buckets)
        connections.close_all()

    port = lib.free_port()
    command = lib.server_command(args.server, port=port, workers=args.workers, threads=args.threads)
    log_path = lib.RESULTS / f"server-{stamp}-b{buckets}.log"
    server = lib.Server.start(command, env=env, port=port, log_path=log_path)
    try:
        server.wait_ready("/api/v1/products?limit=1", timeout=60)
        print(f"   server up ({args.server}, {args.workers} workers); filling carts", flush=True)
        began = time.perf_counter()
        fill = fill_carts(server.base_url, world, args.concurrency)
        asyncio.run(asyncio.wait_for(fill, limit))
        fill_s = time.perf_counter() - began
        analyze(url)

        order = world.tokens[:]
        random.Random(args.seed).shuffle(order)
        load = quiet(args)
        print(f"   flash sale: {args.buyers} buyers, {args.units} units", flush=True)
        with lib.CpuMeter(server_pid=server.process.pid, database=lib.database_name(url)) as cpu:
            sale = drive(server.base_url, order, args.concurrency, checkout)
            answers, wall = asyncio.run(asyncio.wait_for(sale, limit))
    finally:
        server.stop()
    result = {"buckets": buckets, "workers": args.workers, "concurrency": args.concurrency}
    result.update(tally(answers, wall))
    result["load_before_pct"] = round(100 * load, 1)
    result["cpu"] = cpu.summary()
    result["cart_fill_per_s"] = round(args.buyers / fill_s, 1)
    with lib.time_limit(limit, "verification"):
        result["db"] = verify(
            url, variant_id=world.variant_id, units=args.units, sold=result["sold"]
        )
    result["oversold"] = result["db"]["oversold"]

    print(f"   raw UPDATE baseline: {args.raw_units} units, connections {args.raw_counts}")
    raws = []
    for k in args.raw_counts:
        load = quiet(args)
        raw = raw_update_rate(url, connections=k, units=args.raw_units, timeout=limit)
        raws.append({**raw, "load_before_pct": round(100 * load, 1)})
    best = max(raws, key=lambda r: r["updates_per_s"])
    result["raw"] = raws
    result["raw_updates_per_s"] = best["updates_per_s"]
    result["raw_connections"] = best["connections"]
    result["ratio"] = round(result["decisions_per_s"] / best["updates_per_s"], 3)
    report_one(result)
    return result


def quiet(args: argparse.Namespace) -> float:
    """Waits for a quiet machine (see --quiet-wait); returns the load it measured last."""
    if args.quiet_wait <= 0:
        return lib.busy_fraction(0.5)
    return lib.wait_until_quiet(below=0.15, timeout=args.quiet_wait)


def report_one(r: dict) -> None:
    print(
        f"   sold {r['sold']}, sold out {r['sold_out']}, errors {r['errors']}, "
        f"oversold {r['oversold']} in {r['wall_s']} s -> {r['decisions_per_s']} decisions/s; "
        f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms (sold p50 {r['sold_p50_ms']} ms, "
        f"sold-out p50 {r['sold_out_p50_ms']} ms)"
    )
    cpu = r["cpu"]
    print(
        f"   CPU seconds during the sale (machine {cpu['machine_busy_pct']}% busy, "
        f"{r['load_before_pct']}% just before): load generator {cpu['client_cpu_s']}, server "
        f"{cpu['server_cpu_s']}, PostgreSQL {cpu['postgres_cpu_s']} (bench-db backends) + "
        f"{cpu['postgres_exited_cpu_s']} (exited backends), other programs "
        f"{cpu['others_cpu_s']}, unattributed {cpu['unattributed_cpu_s']}"
    )
    if cpu["others_cpu_s"] > 0.1 * r["wall_s"]:
        print("   WARNING: other programs used the CPU during the sale; the rate is understated")
    raw = ", ".join(
        f"{x['connections']} conn: {x['updates_per_s']}/s (load before {x['load_before_pct']}%)"
        for x in r["raw"]
    )
    print(f"   raw UPDATE: {raw}; ratio decisions/raw(best) = {r['ratio']}")
    for sample in r["error_samples"]:
        print(f"   ERROR {sample}")
    for failure in r["db"]["failed_checks"]:
        print(f"   CHECK FAILED {failure}")


TABLE = (  # (heading, result key)
    ("buckets", "buckets"),
    ("workers", "workers"),
    ("conc", "concurrency"),
    ("sold", "sold"),
    ("oversold", "oversold"),
    ("errors", "errors"),
    ("decisions/s", "decisions_per_s"),
    ("p50 ms", "p50_ms"),
    ("p99 ms", "p99_ms"),
    ("raw UPDATE/s", "raw_updates_per_s"),
    ("raw conns", "raw_connections"),
    ("ratio", "ratio"),
)


def print_table(results: list[dict]) -> None:
    rows = [[heading for heading, _ in TABLE]]
    rows += [[str(r[key]) for _, key in TABLE] for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE))]
    print()
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> int:
    args = parse_args()
    lib.interrupt_on_signals()
    setup_django(args.database_url)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    info = lib.machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(
        f"server: {args.server}, pool {args.pool_size}, conn_max_age {args.conn_max_age}, "
        f"redis {args.redis_url or 'no'}"
    )
    results = [run_one(args, buckets, stamp) for buckets in args.bucket_counts]
    print_table(results)
    lib.RESULTS.mkdir(parents=True, exist_ok=True)
    out = lib.RESULTS / f"flash_sale-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "machine": info, "results": results}, indent=2))
    print(f"\nfull results: {out.relative_to(lib.REPO)}")
    failed = [r for r in results if r["errors"] or r["sold"] != args.units or r["oversold"]]
    failed += [r for r in results if r["db"]["failed_checks"]]
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
