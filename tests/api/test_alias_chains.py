"""Aliases whose targets are other aliases or routed groups, as Route 53 answers them: an alias
answers with what its target answers for this query (routing and health), under the alias's
own name and with the TTL of the records at the end of the chain; EvaluateTargetHealth follows
the chain (a group is healthy while one of its members is); loops and targets that do not
exist are refused with InvalidChangeBatch and nothing is applied.

Health is driven with flowdns's overrides (`PUT /api/v1/health-checks/{id}/override`) on
checks created Disabled (so that, without an override, they report healthy and no probe runs).
"""

from __future__ import annotations

from helpers import (
    LINKOPING,
    LONDON,
    SEATTLE,
    answer_values,
    change,
    expect_error,
    json_api,
    override_health,
    poll,
    record_sets,
    rrset,
    run_dig,
    unique,
    wait_insync,
)

UNKNOWN = "192.0.2.1"  # not in the GeoIP test database
SUBNET = {"London": f"{LONDON}/32", "Seattle": f"{SEATTLE}/32", "Linkoping": f"{LINKOPING}/32",
          "unknown": f"{UNKNOWN}/32"}


def apply(r53, zone, changes) -> None:
    out = r53.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": changes})
    wait_insync(r53, out["ChangeInfo"]["Id"])


def create(r53, zone, sets) -> None:
    apply(r53, zone, [change("CREATE", s) for s in sets])


def alias(name: str, rtype: str, target: str, zone, eth: bool = False, **extra) -> dict:
    return {"Name": name, "Type": rtype, **extra,
            "AliasTarget": {"HostedZoneId": zone["id"], "DNSName": target,
                            "EvaluateTargetHealth": eth}}


def listed(r53, zone, name) -> list[dict]:
    return [r for r in record_sets(r53, zone["id"]) if r["Name"] == name]


def disabled_check(r53, cleanup) -> str:
    """A health check that reports healthy until an override says otherwise."""
    hid = r53.create_health_check(CallerReference=unique("alias-hc"), HealthCheckConfig={
        "IPAddress": "127.0.0.1", "Port": 9, "Type": "HTTP", "ResourcePath": "/",
        "RequestInterval": 30, "FailureThreshold": 3, "Disabled": True,
    })["HealthCheck"]["Id"]
    cleanup.health_checks.append(hid)
    return hid


def sample(server, name: str, client: str | None, count: int = 30) -> set[str]:
    return answer_values(run_dig(server, name, "A", SUBNET[client] if client else None,
                                 count=count))


def wait_answers(server, name: str, expected: dict, what: str) -> None:
    """Polls until each client's answers are exactly the expected set, then checks that they
    stay so over a longer run."""
    poll(lambda: {c: sample(server, name, c) for c in expected}, lambda got: got == expected,
         what, interval=0.1)
    assert {c: sample(server, name, c, 40) for c in expected} == expected, what


# ---------------------------------------------------------------------------------------------


def test_alias_chain_answers_as_its_final_target(r53, zone, dig):
    z = zone["name"]
    front, middle, back, target = (f"front.{z}", f"middle.{z}", f"back.{z}", f"target.{z}")
    written = [
        rrset(target, "A", ["192.0.2.1", "192.0.2.2"], ttl=123),
        alias(middle, "A", target, zone),
        alias(front, "A", middle, zone),
        alias(back, "A", front, zone, eth=True),  # three hops
    ]
    create(r53, zone, written)
    for s in written[1:]:
        assert listed(r53, zone, s["Name"]) == [s], "an alias lists exactly as written"

    for name in (middle, front, back):
        r = dig(name, "A")
        assert r.status == "NOERROR", r.text
        assert sorted(r.records) == [(name, 123, "A", "192.0.2.1"), (name, 123, "A", "192.0.2.2")], \
            r.text
        # An alias of type A matches A queries only.
        r = dig(name, "AAAA")
        assert (r.status, r.records) == ("NOERROR", []), r.text

    # The chain follows its target: new values and TTL at the end show at every hop.
    apply(r53, zone, [change("UPSERT", rrset(target, "A", ["192.0.2.3"], ttl=77))])
    for name in (middle, front, back):
        r = dig(name, "A")
        assert (r.status, r.records) == ("NOERROR", [(name, 77, "A", "192.0.2.3")]), r.text


def test_failover_primary_aliasing_a_weighted_group(r53, zone, server, cleanup):
    """The PRIMARY is an alias (EvaluateTargetHealth true) of a weighted group whose members
    have health checks: it stays healthy while one member is, then the SECONDARY answers."""
    z = zone["name"]
    pool, svc = f"pool.{z}", f"svc.{z}"
    checks = [disabled_check(r53, cleanup) for _ in range(3)]
    values = ["192.0.2.11", "192.0.2.12", "192.0.2.13"]
    create(r53, zone, [
        rrset(pool, "A", [v], ttl=60, SetIdentifier=f"w{i}", Weight=1, HealthCheckId=hc)
        for i, (v, hc) in enumerate(zip(values, checks))
    ] + [
        alias(svc, "A", pool, zone, eth=True, SetIdentifier="primary", Failover="PRIMARY"),
        rrset(svc, "A", ["192.0.2.99"], ttl=30, SetIdentifier="secondary", Failover="SECONDARY"),
    ])
    wait_answers(server, svc, {None: set(values)}, "every weighted value")
    r = run_dig(server, svc, "A")[0]
    assert [(n, ttl) for n, ttl, _, _ in r.records] == [(svc, 60)], r.text

    try:
        for down, left in ((0, values[1:]), (1, values[2:])):
            override_health(server, checks[down], False)
            wait_answers(server, svc, {None: set(left)}, f"{values[down]} to leave the answers")
        override_health(server, checks[2], False)
        wait_answers(server, svc, {None: {"192.0.2.99"}}, "the SECONDARY once no value is healthy")
        r = run_dig(server, svc, "A")[0]
        assert [(n, ttl) for n, ttl, _, _ in r.records] == [(svc, 30)], r.text

        # Without EvaluateTargetHealth the PRIMARY stays in its branch: every value is failing,
        # so the weighted group answers as if all were healthy.
        apply(r53, zone, [change("UPSERT", alias(svc, "A", pool, zone, eth=False,
                                                  SetIdentifier="primary", Failover="PRIMARY"))])
        wait_answers(server, svc, {None: set(values)}, "the PRIMARY's branch without ETH")
        apply(r53, zone, [change("UPSERT", alias(svc, "A", pool, zone, eth=True,
                                                  SetIdentifier="primary", Failover="PRIMARY"))])
        wait_answers(server, svc, {None: {"192.0.2.99"}}, "the SECONDARY again with ETH")
        override_health(server, checks[1], None)
        wait_answers(server, svc, {None: {values[1]}}, "the PRIMARY once a value recovers")
    finally:
        for hc in checks:
            override_health(server, hc, None, missing_ok=True)


def test_geolocation_sets_aliasing_failover_sets(r53, zone, server, cleanup):
    """Geolocation members alias failover groups (one of which aliases a weighted group). A
    member whose failover group has no healthy record is unhealthy with EvaluateTargetHealth,
    so the client falls to the next larger location that matches: here the default."""
    z = zone["name"]
    geo, eu, us, usw = f"geo.{z}", f"eu.{z}", f"us.{z}", f"us-west.{z}"
    primary_hc, secondary_hc = disabled_check(r53, cleanup), disabled_check(r53, cleanup)
    gb = alias(geo, "A", eu, zone, eth=True, SetIdentifier="gb",
               GeoLocation={"CountryCode": "GB"})
    create(r53, zone, [
        rrset(eu, "A", ["192.0.2.21"], ttl=60, SetIdentifier="p", Failover="PRIMARY",
              HealthCheckId=primary_hc),
        rrset(eu, "A", ["192.0.2.22"], ttl=60, SetIdentifier="s", Failover="SECONDARY",
              HealthCheckId=secondary_hc),
        rrset(usw, "A", ["192.0.2.31"], ttl=60, SetIdentifier="a", Weight=1),
        rrset(usw, "A", ["192.0.2.32"], ttl=60, SetIdentifier="b", Weight=1),
        alias(us, "A", usw, zone, eth=True, SetIdentifier="p", Failover="PRIMARY"),
        rrset(us, "A", ["192.0.2.33"], ttl=60, SetIdentifier="s", Failover="SECONDARY"),
        gb,
        alias(geo, "A", us, zone, eth=True, SetIdentifier="us", GeoLocation={"CountryCode": "US"}),
        rrset(geo, "A", ["192.0.2.40"], ttl=60, SetIdentifier="default",
              GeoLocation={"CountryCode": "*"}),
    ])
    assert [s for s in listed(r53, zone, geo) if s["SetIdentifier"] == "gb"] == [gb]
    steady = {"Seattle": {"192.0.2.31", "192.0.2.32"}, "Linkoping": {"192.0.2.40"},
              "unknown": {"192.0.2.40"}}
    wait_answers(server, geo, {"London": {"192.0.2.21"}, **steady}, "each client's group")
    try:
        override_health(server, primary_hc, False)
        wait_answers(server, geo, {"London": {"192.0.2.22"}, **steady},
                     "London on the SECONDARY of its failover group")
        override_health(server, secondary_hc, False)
        wait_answers(server, geo, {"London": {"192.0.2.40"}, **steady},
                     "London on the default location once its group has nothing healthy")
        # Without EvaluateTargetHealth on the GB member, London stays in its failover group,
        # which answers its PRIMARY when both are unhealthy.
        apply(r53, zone, [change("UPSERT", {**gb, "AliasTarget": {**gb["AliasTarget"],
                                                                  "EvaluateTargetHealth": False}})])
        wait_answers(server, geo, {"London": {"192.0.2.21"}, **steady},
                     "London on its group's PRIMARY without ETH")
    finally:
        override_health(server, primary_hc, None)
        override_health(server, secondary_hc, None)


def test_alias_loops_are_refused(r53, zone, dig):
    z = zone["name"]
    t, a, b, f, g = (f"{n}.{z}" for n in ("t", "a", "b", "f", "g"))
    create(r53, zone, [
        rrset(t, "A", ["192.0.2.1"], ttl=60),
        alias(b, "A", t, zone),
        alias(a, "A", b, zone),
        alias(g, "A", t, zone),
        alias(f, "A", g, zone, SetIdentifier="p", Failover="PRIMARY"),
        rrset(f, "A", ["192.0.2.2"], ttl=60, SetIdentifier="s", Failover="SECONDARY"),
    ])
    before = record_sets(r53, zone["id"])
    s = f"self.{z}"
    for what, changes, names in [
        ("an alias of itself", [change("CREATE", alias(s, "A", s, zone))], [s]),
        ("a -> b -> a", [change("UPSERT", alias(b, "A", a, zone))], [a, b]),
        ("f -> g -> f through a failover member",
         [change("UPSERT", alias(g, "A", f, zone))], [f, g]),
        ("a loop among other changes", [
            change("CREATE", rrset(f"fine.{z}", "A", ["192.0.2.9"], ttl=60)),
            change("UPSERT", alias(b, "A", a, zone)),
        ], [a, b]),
    ]:
        message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                               HostedZoneId=zone["id"], ChangeBatch={"Changes": changes})
        assert "loop" in message.lower(), (what, message)
        for name in names:
            assert name.rstrip(".") in message, (what, name, message)
        assert record_sets(r53, zone["id"]) == before, f"{what}: nothing applied"

    # What is stored still answers.
    for name in (a, b, g):
        r = dig(name, "A")
        assert (r.status, r.values("A")) == ("NOERROR", ["192.0.2.1"]), r.text
    r = dig(f, "A")
    assert (r.status, r.values("A")) == ("NOERROR", ["192.0.2.1"]), r.text


def test_alias_to_a_missing_target_is_refused(r53, zone):
    z, zid = zone["name"], zone["id"]
    create(r53, zone, [rrset(f"v6only.{z}", "AAAA", ["2001:db8::1"], ttl=60),
                       rrset(f"t.{z}", "A", ["192.0.2.1"], ttl=60)])
    before = record_sets(r53, zid)
    for target, changes in [
        (f"nothere.{z}", [change("CREATE", alias(f"a.{z}", "A", f"nothere.{z}", zone))]),
        # A name that exists, but not with this type.
        (f"v6only.{z}", [change("CREATE", alias(f"a.{z}", "A", f"v6only.{z}", zone))]),
        # A good alias in the same batch is not applied either.
        (f"gone.{z}", [change("CREATE", alias(f"ok.{z}", "A", f"t.{z}", zone)),
                       change("CREATE", alias(f"b.{z}", "A", f"gone.{z}", zone,
                                              SetIdentifier="x", Weight=1))]),
    ]:
        message = expect_error("InvalidChangeBatch", 400, r53.change_resource_record_sets,
                               HostedZoneId=zid, ChangeBatch={"Changes": changes})
        assert (f"Tried to create an alias that targets {target}, type A in zone {zid}, "
                "but that target was not found") in message, message
        assert record_sets(r53, zid) == before, "nothing applied"
    # A target created earlier in the same batch exists for the alias after it.
    create(r53, zone, [rrset(f"new.{z}", "A", ["192.0.2.5"], ttl=60),
                       alias(f"to-new.{z}", "A", f"new.{z}", zone)])
    assert len(listed(r53, zone, f"to-new.{z}")) == 1


def _chain_to_geolocation(r53, zone) -> tuple[str, str, str]:
    """front -> middle -> geo, a geolocation group (GB and a default)."""
    z = zone["name"]
    front, middle, geo = f"front.{z}", f"middle.{z}", f"geo.{z}"
    create(r53, zone, [
        rrset(geo, "A", ["192.0.2.1"], ttl=60, SetIdentifier="gb",
              GeoLocation={"CountryCode": "GB"}),
        rrset(geo, "A", ["192.0.2.2"], ttl=60, SetIdentifier="default",
              GeoLocation={"CountryCode": "*"}),
        alias(middle, "A", geo, zone),
        alias(front, "A", middle, zone),
    ])
    return front, middle, geo


def test_test_dns_answer_agrees_with_dig_for_a_chain(r53, zone, dig):
    front, _, _ = _chain_to_geolocation(r53, zone)
    for client, want in (("London", ["192.0.2.1"]), ("Seattle", ["192.0.2.2"]), (None, ["192.0.2.2"])):
        r = dig(front, "A", subnet=SUBNET[client] if client else None)
        kwargs = {"EDNS0ClientSubnetIP": SUBNET[client].split("/")[0],
                  "EDNS0ClientSubnetMask": "32"} if client else {}
        t = r53.test_dns_answer(HostedZoneId=zone["id"], RecordName=front, RecordType="A",
                                **kwargs)
        assert (r.status, r.values("A")) == ("NOERROR", want), (client, r.text)
        assert (t["ResponseCode"], t["RecordData"]) == (r.status, r.values("A")), (client, t)


def test_explain_shows_each_hop_of_a_chain(r53, zone, server):
    """Assumed shape (the explain of a policy document, for a name of a zone):
    `POST /api/v1/zones/{id}/explain {name, type, client}` answers like `POST /api/v1/explain`:
    {answer: [...], trace: [{depth, event, pointer, detail}...]}, and the trace names each hop
    of the chain in order."""
    front, middle, geo = _chain_to_geolocation(r53, zone)
    r = json_api(server, "POST", f"zones/{zone['id']}/explain",
                 {"name": front, "type": "A", "client": LONDON})
    assert r.status == 200, (r.status, r.body)
    body = r.json()
    assert body["answer"] == ["192.0.2.1"], body
    text = "\n".join(f"{s.get('pointer', '')} {s.get('detail', '')}" for s in body["trace"])
    # Each hop named, in chain order (by position in the whole trace, so that one line naming
    # the chain counts only when it names it in order), and the geolocation rule entered.
    first = {}
    for name in (front, middle, geo):
        at = text.find(f"{name.rstrip('.')}. A")
        assert at >= 0, f"the trace does not mention {name}: {body['trace']}"
        first[name] = at
    assert first[front] < first[middle] < first[geo], body["trace"]
    assert f"rule {geo.rstrip('.')}. A (geo)" in text, body["trace"]
