"""Two ChangeResourceRecordSets batches sent at the same moment, each valid alone but invalid
together: a batch is checked against the zone as it is when the batch is applied, so exactly
one of the two succeeds, the other gets InvalidChangeBatch, and the zone never holds the
invalid group. Many rounds, each on fresh names."""

from __future__ import annotations

import threading
from typing import Callable

from botocore.exceptions import ClientError

from helpers import change, make_client, record_sets, rrset

ROUNDS = 40


def race(clients, zone, batch_a: list[dict], batch_b: list[dict]) -> list[str]:
    """Sends both batches from two threads (one client each) released together; the outcome
    of each: 'ok' or the error code."""
    start = threading.Barrier(2)
    outcome: list[str] = ["", ""]

    def send(i: int, batch: list[dict]) -> None:
        start.wait()
        try:
            clients[i].change_resource_record_sets(HostedZoneId=zone["id"],
                                                   ChangeBatch={"Changes": batch})
            outcome[i] = "ok"
        except ClientError as e:
            outcome[i] = e.response["Error"]["Code"]

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate((batch_a, batch_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome


def run_rounds(server, r53, zone, make: Callable[[int], tuple[list[dict], list[dict]]],
               valid: Callable[[list[dict], int], bool]) -> None:
    problems = []
    clients = [make_client(server), make_client(server)]
    for i in range(ROUNDS):
        a, b = make(i)
        outcome = race(clients, zone, a, b)
        if sorted(outcome) != ["InvalidChangeBatch", "ok"]:
            problems.append(f"round {i}: outcomes {outcome}")
        if not valid(record_sets(r53, zone["id"]), i):
            problems.append(f"round {i}: the zone holds the invalid group")
    assert not problems, f"{len(problems)} problems in {ROUNDS} rounds:\n" + "\n".join(problems)


def test_weighted_and_failover_sets_at_one_name(server, r53, zone):
    """One batch adds a weighted set, the other a failover set, at the same name and type."""
    z = zone["name"]

    def make(i):
        name = f"r{i}.{z}"
        return ([change("CREATE", rrset(name, "A", ["192.0.2.1"], ttl=60,
                                        SetIdentifier="w", Weight=1))],
                [change("CREATE", rrset(name, "A", ["192.0.2.2"], ttl=60,
                                        SetIdentifier="f", Failover="PRIMARY"))])

    def valid(sets, i):
        here = [s for s in sets if s["Name"] == f"r{i}.{z}"]
        return len(here) == 1

    run_rounds(server, r53, zone, make, valid)


def test_two_halves_of_an_alias_loop(server, r53, zone):
    """p and q alias t; one batch points p at q, the other q at p."""
    z, t = zone["name"], f"t.{zone['name']}"

    def alias(name, target):
        return {"Name": name, "Type": "A", "AliasTarget": {
            "HostedZoneId": zone["id"], "DNSName": target, "EvaluateTargetHealth": False}}

    r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        change("CREATE", rrset(t, "A", ["192.0.2.1"], ttl=60))] + [
        change("CREATE", alias(f"{n}{i}.{z}", t)) for i in range(ROUNDS) for n in "pq"]})

    def make(i):
        p, q = f"p{i}.{z}", f"q{i}.{z}"
        return [change("UPSERT", alias(p, q))], [change("UPSERT", alias(q, p))]

    def valid(sets, i):
        target = {s["Name"]: s["AliasTarget"]["DNSName"] for s in sets if "AliasTarget" in s}
        p, q = f"p{i}.{z}", f"q{i}.{z}"
        return not (target.get(p) == q and target.get(q) == p)

    run_rounds(server, r53, zone, make, valid)
