"""./local_run.sh --replicas 2: nginx on the port in front of two supervised API replicas that share the
database and Redis. Requests reach both, a token from one works on the other, rate limits hold across
them and follow the client address nginx forwards, a SIGKILLed replica under load loses no GET (nginx
retries it on the other) and comes back, a replica SIGKILLed under checkouts loses and duplicates no
order (the client retries with the same Idempotency-Key and gets the same order), and nginx exiting
stops the stack.

One stack for the module (starting it takes a while); the tests run in file order, the last one stops it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import signal
from pathlib import Path

import pytest

from tests.load import BROKEN, Connections, under_kill, with_retries
from tests.processes import LocalRun, all_exited, wait_until

ADMIN = {"email": "admin@example.com", "password": "correct-horse-9"}
LOGIN_LIMIT = 5  # RATELIMIT_AUTH_IP below


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    run = LocalRun(
        tmp_path_factory.mktemp("replicas"),
        "--replicas", "2", "--workers", "1", "--no-worker", "--no-beat", "--no-mail",
        extra_env={
            "RATELIMIT_DEFAULT": "100000 per minute",  # the load below is one user's
            "RATELIMIT_AUTH_IP": f"{LOGIN_LIMIT} per minute",
            "RATELIMIT_AUTH_ACCOUNT": "1000 per minute",  # only the per-address limit is under test
        },
    )  # fmt: skip
    try:
        wait_until(
            lambda: "Press Ctrl-C to stop." in run.text() or run.process.poll() is not None,
            240,
            what="the stack to start",
        )
        assert run.process.poll() is None, run.text()[-4000:]
        # nginx may still be binding its port when the script prints its banner on a busy machine.
        probe = Connections(run.port)
        wait_until(lambda: probe.request("GET", "/api/config").status == 200, 60, 0.2, "nginx to answer")
        yield run
    finally:
        run.stop()


def listening(stack: LocalRun, name: str) -> str:
    """The address replica NAME listens on (from its gunicorn log)."""
    ports = re.findall(rf"^\[{name}\] .*Listening at: http://(127\.0\.0\.1:\d+) ", stack.text(), re.M)
    assert ports, stack.text()[-3000:]
    return ports[-1]


@pytest.fixture(scope="module")
def replicas(stack) -> dict[str, str]:
    return {name: listening(stack, name) for name in ("web-1", "web-2")}


@pytest.fixture(scope="module")
def nginx(stack) -> Connections:
    return Connections(stack.port)


@pytest.fixture(scope="module")
def token(stack, nginx) -> str:
    """A member's token (created with the CLI on the stack's database, signed in through nginx)."""
    member = {"email": "member@example.com", "password": "long-enough-9"}
    stack.flask("users", "create", member["email"], "--password", member["password"], "--role", "member")
    login = nginx.request("POST", "/api/auth/login", body=member)
    assert login.status == 200, login.body
    return login.json()["token"]


def test_requests_through_nginx_reach_both_replicas(stack, nginx, replicas):
    answers = [nginx.request("GET", "/api/config") for _ in range(10)]
    assert [a.status for a in answers] == [200] * 10
    assert {a.header("X-Upstream") for a in answers} == set(replicas.values())
    assert len(set(replicas.values())) == 2 and stack.port not in {int(a.split(":")[1]) for a in replicas.values()}


def test_a_token_issued_through_one_replica_works_on_the_other(nginx):
    login = nginx.request("POST", "/api/auth/login", body=ADMIN)
    assert login.status == 200
    issuer, token = login.header("X-Upstream"), login.json()["token"]
    for _ in range(10):
        me = nginx.request("GET", "/api/me", {"Authentication-Token": token})
        if me.header("X-Upstream") != issuer:
            break
    assert me.header("X-Upstream") not in ("", issuer), "no request reached the other replica"
    assert me.status == 200 and me.json()["user"]["email"] == ADMIN["email"]


def failed_logins(client: Connections, count: int, headers: dict | None = None):
    return [client.request("POST", "/api/auth/login", headers, {**ADMIN, "password": "wrong-9"}) for _ in range(count)]


def test_a_rate_limit_counts_requests_on_every_replica_together(nginx, replicas):
    client = Connections(nginx.port, source="127.0.0.2")  # a client address of its own: a fresh bucket
    allowed = failed_logins(client, LOGIN_LIMIT)
    assert [a.status for a in allowed] == [400] * LOGIN_LIMIT
    assert {a.header("X-Upstream") for a in allowed} == set(replicas.values()), "the attempts went to both"
    refused = failed_logins(client, 2)
    assert [r.status for r in refused] == [429, 429]
    assert {r.header("X-Upstream") for r in refused} == set(replicas.values())
    assert int(refused[0].header("Retry-After")) > 0


def test_the_app_sees_the_client_address_nginx_forwards_not_one_the_client_claims(nginx):
    # TRUSTED_PROXIES=1: the last X-Forwarded-For entry (the one nginx appends) is the client.
    # 0 would put every client in nginx's bucket; 2 would believe the client's own header.
    limited = Connections(nginx.port, source="127.0.0.3")
    assert [a.status for a in failed_logins(limited, LOGIN_LIMIT + 1)][-1] == 429
    spoofed = failed_logins(limited, 1, {"X-Forwarded-For": "203.0.113.9"})
    assert spoofed[0].status == 429, "a client-supplied X-Forwarded-For must not give a fresh bucket"
    other = failed_logins(Connections(nginx.port, source="127.0.0.4"), 1)
    assert other[0].status == 400, "another client behind the same nginx has its own bucket"


def kill_replica(pid: int) -> None:
    """SIGKILL a gunicorn master and its workers at once: the replica vanishes mid-request."""
    try:
        children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    for victim in (pid, *children):
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def test_sigkill_of_a_replica_under_load_loses_no_get_and_it_comes_back(stack, nginx, replicas, token):
    victim, survivor = replicas["web-1"], replicas["web-2"]
    master = stack.pids("web-1")[-1]
    headers = {"Authentication-Token": token}

    def get(i):
        # A keep-alive connection to nginx can close as a request goes out on it (the client's side, not
        # the replica's): HTTP clients send an idempotent GET again on a fresh connection, and so does this.
        answer = nginx.request("GET", "/api/me", headers)
        return nginx.request("GET", "/api/me", headers) if answer.status == BROKEN else answer

    report = under_kill(
        get,
        total=400,
        concurrency=8,
        kill_after=100,
        kill=lambda: kill_replica(master),
    )

    assert report.killed_at is not None and len(report.after_kill()) >= 200, "the kill landed mid-load"
    assert report.statuses() == {200: 400}, "every GET answered 200"
    assert victim in {o.header("X-Upstream") for o in report.before_kill()}, "the victim served before the kill"
    retried = [o for o in report.after_kill() if o.header("X-Upstream") == f"{victim}, {survivor}"]
    assert retried, "nginx retried requests the dead replica could not answer on the other one"

    restarted = stack.started("web-1", 2)
    assert restarted != master
    assert re.search(r"web-1 exited with status 137 after \d+ s; restart 1 in 1 s", stack.text())

    def victim_answers():
        answer = nginx.request("GET", "/api/me", headers)
        return answer.status == 200 and answer.header("X-Upstream") == victim

    wait_until(victim_answers, 90, 0.2, "the restarted replica to serve again")


SHOPPERS = 24


@pytest.fixture(scope="module")
def shoppers(stack, nginx) -> list[str]:
    """SHOPPERS members' tokens (created with the CLI, four at a time, signed in through nginx)."""
    emails = [f"shopper{i}@example.com" for i in range(SHOPPERS)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda e: stack.flask("users", "create", e, "--password", "long-enough-9"), emails))
    tokens = []
    for i, email in enumerate(emails):
        # Each from a loopback address of its own, so the per-address login limit is not the one tested here.
        login = Connections(nginx.port, source=f"127.0.1.{i + 1}").request(
            "POST", "/api/auth/login", body={"email": email, "password": "long-enough-9"}
        )
        assert login.status == 200, login.body
        tokens.append(login.json()["token"])
    return tokens


def test_sigkill_of_a_replica_under_checkouts_loses_and_duplicates_no_order(stack, nginx, replicas, shoppers):
    # The module's keep-alive connection may have been cut by the previous kill: retried like any client.
    admin = with_retries(
        lambda: Connections(nginx.port, source="127.0.0.5").request("POST", "/api/auth/login", body=ADMIN)
    )
    assert admin.status == 200, admin.body
    admin_headers = {"Authentication-Token": admin.json()["token"]}
    product = with_retries(
        lambda: nginx.request("POST", "/api/products", admin_headers, {"name": "Checkout glove", "price": 12.5})
    )
    assert product.status == 201, product.body
    product_id = product.json()["product"]["id"]
    master = stack.pids("web-2")[-1]

    def shop(i):
        """Shopper i fills a cart and checks out once, retrying the very same request on a broken
        connection or a 502/503/504; then repeats it once more, as a client unsure of the answer would."""
        headers = {"Authentication-Token": shoppers[i]}
        cart = with_retries(lambda: nginx.request("PUT", f"/api/cart/items/{product_id}", headers, {"quantity": 2}))
        assert cart.status == 200, cart.body
        send = {**headers, "Idempotency-Key": f"replica-kill-{i}"}
        placed = with_retries(lambda: nginx.request("POST", "/api/checkout", send))
        replay = with_retries(lambda: nginx.request("POST", "/api/checkout", send))
        placed.replay = replay
        return placed

    report = under_kill(shop, total=SHOPPERS, concurrency=6, kill_after=6, kill=lambda: kill_replica(master))

    assert report.killed_at is not None and report.after_kill(), "the kill landed mid-load"
    assert set(report.statuses()) <= {200, 201}, report.statuses()
    ids = [o.json()["order"]["id"] for o in report.outcomes]
    assert [o.replay.status for o in report.outcomes] == [200] * SHOPPERS
    assert [o.replay.json()["order"]["id"] for o in report.outcomes] == ids, "a repeat returns the same order"
    # A first answer of 200 means an earlier attempt had placed the order before its connection broke.
    assert all(o.status == 201 or o.attempts > 1 for o in report.outcomes)

    orders = nginx.request("GET", "/api/orders?scope=all&per_page=200", admin_headers)
    assert orders.status == 200
    placed = [o for o in orders.json()["items"] if o["items"][0]["name"] == "Checkout glove"]
    assert sorted(o["id"] for o in placed) == sorted(ids), "exactly one order per shopper, none lost"
    assert {o["user_email"] for o in placed} == {f"shopper{i}@example.com" for i in range(SHOPPERS)}
    assert all(o["total_cents"] == 2500 for o in placed)
    carts = [nginx.request("GET", "/api/cart", {"Authentication-Token": t}) for t in shoppers]
    assert {c.json()["cart"]["item_count"] for c in carts} == {0}, "every cart was emptied"
    stack.started("web-2", 2)


def test_nginx_exiting_stops_the_whole_stack(stack):
    master = nginx_master(stack)
    assert b"nginx: master" in Path(f"/proc/{master}/cmdline").read_bytes()
    os.kill(master, signal.SIGTERM)
    stack.process.wait(timeout=60)
    assert "nginx exited; stopping the rest." in stack.text()
    try:
        wait_until(lambda: all_exited(stack.process.pid), 30, what="every process of the stack to exit")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still running:\n{all_exited.last}\n{stack.text()[-3000:]}") from None


def nginx_master(stack: LocalRun) -> int:
    pid = (Path(stack.log_path).parent / "instance" / "nginx" / "nginx.pid").read_text().strip()
    return int(pid)
