#!/usr/bin/env python3
"""Builds the seed corpora in fuzz/corpus/<target>/ and the dictionaries in fuzz/dict/ from the
repository's test data, plus DNS queries built here and, where dig is installed, captured from
dig itself. Run by `scripts/fuzz seeds`; its output is committed (a few hundred KB at most).
Seeds are named after what they hold, so they are told apart from the entries libFuzzer adds
(40 hex digits), which are not committed."""

import glob
import json
import os
import re
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")
DICT = os.path.join(HERE, "dict")
TARGETS = ["dns_message", "policy_document", "master_file", "xml_body", "sigv4", "json_body"]


def clear(target):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if not re.fullmatch(r"[0-9a-f]{40}", f):
            os.remove(os.path.join(d, f))
    return d


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def rel(path):
    return os.path.join(ROOT, path)


# ---------------------------------------------------------------------------------------------
# DNS queries
# ---------------------------------------------------------------------------------------------

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "DS": 43, "HTTPS": 65, "CAA": 257, "IXFR": 251, "AXFR": 252, "ANY": 255}


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt(payload=1232, options=b"", version=0, do=False, rcode_high=0):
    flags = 0x8000 if do else 0
    return (b"\0" + struct.pack(">HHBBHH", 41, payload, rcode_high, version, flags, len(options))
            + options)


def ecs(family, prefix, addr, scope=0):
    body = struct.pack(">HBB", family, prefix, scope) + addr
    return struct.pack(">HH", 8, len(body)) + body


def query(qid, name, qtype, qclass=1, flags=0x0100, edns=None, extra=b"", qd=1):
    q = wire_name(name) + struct.pack(">HH", TYPES.get(qtype, qtype) if isinstance(qtype, str)
                                      else qtype, qclass)
    ar = 1 if edns is not None else 0
    head = struct.pack(">HHHHHH", qid, flags, qd, 0, 0, ar)
    return head + q * qd + (edns or b"") + extra


def dns_seeds():
    clear("dns_message")
    names = ["example.com", "www.example.com", "WwW.ExAmPlE.cOm", "alias.example.com",
             "out.example.com", "x.wild.example.com", "sub.example.com",
             "deep.ns.sub.example.com", "_sip._udp.example.com", "big.example.com",
             "app.example.com", "mv.example.com", "cn.example.com", "lb.example.com",
             "txt.example.com", "loop.example.com", "nope.example.com", "ns1.example.net",
             "example.org", ""]
    n = 0
    # The first byte of the ID picks the client (see fuzz/src/lib.rs), so IDs vary.
    for name in names:
        for qtype in ["A", "AAAA", "TXT", "MX", "SOA", "NS", "ANY", "CNAME", "SRV"]:
            if qtype not in ("A", "AAAA") and name not in ("example.com", "www.example.com",
                                                           "_sip._udp.example.com",
                                                           "txt.example.com",
                                                           "big.example.com"):
                continue
            qid = (n * 0x0101) & 0xFFFF
            put("dns_message", f"{name or 'root'}-{qtype}", query(qid, name, qtype))
            put("dns_message", f"{name or 'root'}-{qtype}-edns",
                query(qid + 1, name, qtype, edns=opt()))
            n += 1
    v4 = lambda *b: bytes(b)
    put("dns_message", "app-ecs-london", query(0x0001, "app.example.com", "A",
        edns=opt(options=ecs(1, 24, v4(81, 2, 69)))))
    put("dns_message", "app-ecs-seattle", query(0x0102, "app.example.com", "A",
        edns=opt(options=ecs(1, 32, v4(216, 160, 83, 56)))))
    put("dns_message", "app-ecs-zero", query(0x0203, "app.example.com", "A",
        edns=opt(options=ecs(1, 0, b""))))
    put("dns_message", "mv-ecs-v6", query(0x0304, "mv.example.com", "AAAA",
        edns=opt(options=ecs(2, 48, bytes.fromhex("200102180000")))))
    put("dns_message", "ecs-bits-past-prefix", query(0x0405, "www.example.com", "A",
        edns=opt(options=ecs(1, 20, v4(192, 0, 0x12)))))
    put("dns_message", "ecs-scope-set", query(0x0506, "www.example.com", "A",
        edns=opt(options=ecs(1, 24, v4(192, 0, 2), scope=24))))
    put("dns_message", "ecs-twice", query(0x0607, "www.example.com", "A",
        edns=opt(options=ecs(1, 24, v4(192, 0, 2)) + ecs(1, 24, v4(192, 0, 2)))))
    put("dns_message", "ecs-family-3", query(0x0708, "www.example.com", "A",
        edns=opt(options=ecs(3, 8, b"\x01"))))
    put("dns_message", "cookie", query(0x0809, "www.example.com", "A",
        edns=opt(options=struct.pack(">HH", 10, 8) + b"\x01\x02\x03\x04\x05\x06\x07\x08")))
    put("dns_message", "edns-version-1", query(0x090a, "www.example.com", "A",
        edns=opt(version=1)))
    put("dns_message", "edns-do", query(0x0a0b, "www.example.com", "A", edns=opt(do=True)))
    put("dns_message", "edns-payload-512", query(0x0b0c, "big.example.com", "TXT",
        edns=opt(payload=512)))
    put("dns_message", "edns-payload-0", query(0x0c0d, "big.example.com", "TXT",
        edns=opt(payload=0)))
    put("dns_message", "class-chaos", query(0x0d0e, "version.bind", "TXT", qclass=3))
    put("dns_message", "class-any", query(0x0e0f, "www.example.com", "A", qclass=255))
    put("dns_message", "axfr", query(0x0f10, "example.com", "AXFR"))
    put("dns_message", "ixfr", query(0x1011, "example.com", "IXFR", edns=opt()))
    put("dns_message", "two-questions", query(0x1112, "www.example.com", "A", qd=2))
    put("dns_message", "no-question", struct.pack(">HHHHHH", 0x1213, 0x0100, 0, 0, 0, 0))
    put("dns_message", "opcode-notify", query(0x1314, "example.com", "SOA", flags=0x2000))
    put("dns_message", "opcode-update", query(0x1415, "example.com", "SOA", flags=0x2800))
    put("dns_message", "response-bit", query(0x1516, "www.example.com", "A", flags=0x8100))
    put("dns_message", "cd-ad", query(0x1617, "www.example.com", "A", flags=0x0130))
    put("dns_message", "runt", b"\x17\x18\x01\x00\x00\x01")
    put("dns_message", "truncated-question", query(0x1819, "www.example.com", "A")[:-3])
    put("dns_message", "trailing-garbage", query(0x191a, "www.example.com", "A") + b"\xff\xff")
    # A compression pointer in the question (to the header, which loops nowhere useful).
    put("dns_message", "pointer-question",
        struct.pack(">HHHHHH", 0x1a1b, 0x0100, 1, 0, 0, 0) + b"\x03www\xc0\x0c"
        + struct.pack(">HH", 1, 1))
    put("dns_message", "answer-in-query",
        struct.pack(">HHHHHH", 0x1b1c, 0x0100, 1, 1, 0, 0) + wire_name("www.example.com")
        + struct.pack(">HH", 1, 1) + b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4)
        + b"\x01\x02\x03\x04")
    put("dns_message", "two-opt",
        struct.pack(">HHHHHH", 0x1c1d, 0x0100, 1, 0, 0, 2) + wire_name("www.example.com")
        + struct.pack(">HH", 1, 1) + opt() + opt())
    put("dns_message", "long-name", query(0x1d1e, ".".join(["a" * 63] * 3) + ".example.com",
        "A"))
    put("dns_message", "binary-label", query(0x1e1f, "www.example.com", "A").replace(
        b"\x03www", b"\x03w\x00w", 1))
    put("dns_message", "upper-ecs-v6-56", query(0x1f20, "APP.EXAMPLE.COM", "A",
        edns=opt(options=ecs(2, 56, bytes.fromhex("20010db8000000")))))
    dig_seeds()


def dig_seeds():
    """Queries as dig sends them, captured on a loopback socket (nothing answers them)."""
    if subprocess.run(["sh", "-c", "command -v dig"], capture_output=True).returncode != 0:
        print("dig not installed: no captured queries", file=sys.stderr)
        return
    cases = [
        ("www.example.com", "A", []),
        ("app.example.com", "A", ["+subnet=81.2.69.0/24"]),
        ("mv.example.com", "AAAA", ["+subnet=2001:218::/32"]),
        ("example.com", "SOA", ["+nocookie"]),
        ("example.com", "ANY", []),
        ("big.example.com", "TXT", ["+bufsize=512", "+dnssec"]),
        ("_sip._udp.example.com", "SRV", ["+norecurse"]),
    ]
    for i, (name, qtype, opts) in enumerate(cases):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        port = s.getsockname()[1]
        p = subprocess.Popen(["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=1",
                              *opts, name, qtype], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            data, _ = s.recvfrom(65535)
            put("dns_message", f"dig-{name}-{qtype}{''.join(o.replace('+', '-') for o in opts)}",
                data)
        except socket.timeout:
            print(f"dig sent nothing for {name} {qtype}", file=sys.stderr)
        finally:
            p.wait()
            s.close()


# ---------------------------------------------------------------------------------------------
# Text inputs from the repository's test data
# ---------------------------------------------------------------------------------------------

def policy_seeds():
    clear("policy_document")
    for f in sorted(glob.glob(rel("examples/*.json"))):
        put("policy_document", "examples-" + os.path.basename(f), open(f, "rb").read())
    for f in sorted(glob.glob(rel("tests/api/policies/*.json"))):
        put("policy_document", "api-" + os.path.basename(f), open(f, "rb").read())
    for f in sorted(glob.glob(rel("crates/policy/tests/cases/*.json"))):
        d = json.load(open(f))
        if isinstance(d.get("document"), dict):
            put("policy_document", "case-" + os.path.basename(f),
                json.dumps(d["document"], indent=1))
    put("policy_document", "duplicate-keys",
        '{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","RecordType":"AAAA",'
        '"StartEndpoint":"a","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}}}')
    put("policy_document", "cycle",
        '{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r1",'
        '"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},"Rules":{'
        '"r1":{"RuleType":"failover","Primary":{"RuleReference":"r2"},'
        '"Secondary":{"EndpointReference":"a"}},'
        '"r2":{"RuleType":"failover","Primary":{"RuleReference":"r1"},'
        '"Secondary":{"EndpointReference":"a"}}}}')


def master_seeds():
    clear("master_file")
    for f in sorted(glob.glob(rel("examples/*.zone")) + glob.glob(rel("examples/*/*.zone"))):
        put("master_file", os.path.basename(f), open(f, "rb").read())
    put("master_file", "every-type.zone", r"""$ORIGIN types.example.
$TTL 1h
@ IN SOA ns1 hostmaster ( 2026120301 ; serial
        7200 900 1209600 300 )
@ NS ns1
@ 300 IN MX 10 mail
ns1 A 192.0.2.53
ns1 AAAA 2001:db8::53
mail A 192.0.2.25
www CNAME @
txt TXT "quoted \"text\"" unquoted \065\066 "second"
spf SPF "v=spf1 -all"
caa CAA 128 issue "ca.example.net; account=1"
srv._tcp SRV 10 60 5060 sip.example.net.
naptr NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
sshfp SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789a
_443._tcp TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
smimea SMIMEA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
svc SVCB 1 svc.example.net. alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2
https HTTPS 1 . alpn=h2 ech=AEX+DQBBwwAgACB4Uw== ipv6hint=2001:db8::1
alias HTTPS 0 svc.example.net.
hinfo HINFO "PC" "Linux"
ds DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
dname DNAME other.example.
ptr PTR www
pgp OPENPGPKEY AQIDBAU=
generic TYPE65280 \# 3 010203
*.wild 60 TXT "wildcard"
sub NS ns.sub
ns.sub A 192.0.2.99
esc\.aped\032name A 192.0.2.7
\208\174 A 192.0.2.8
""")
    put("master_file", "relative-origin.zone",
        "$TTL 300\nexample.org. IN SOA ns1.example.org. h.example.org. 1 2 3 4 5\n"
        "$ORIGIN example.org.\n@ NS ns1\nns1 A 192.0.2.1\n$ORIGIN sub\nwww 1h30m A 192.0.2.2\n"
        "    AAAA 2001:db8::2\n")
    put("master_file", "errors.zone",
        "$ORIGIN bad.example.\n$INCLUDE /etc/passwd\n$TTL 1h30\n@ IN SOA ns1 h 1 2 3 4 5\n"
        "@ IN CH TXT x\nwww A 999.1.1.1\nwww 60 A 192.0.2.1\nwww 120 A 192.0.2.2\n"
        "cn CNAME a\ncn CNAME b\nother.example. A 192.0.2.3\n\"unclosed\n")
    put("master_file", "no-soa.zone", "$ORIGIN x.example.\n@ NS ns\nns A 192.0.2.1\n")


def xml_seeds():
    clear("xml_body")
    for f in sorted(glob.glob(rel("crates/api/tests/data/xml/requests/*.xml"))):
        put("xml_body", os.path.basename(f), open(f, "rb").read())
    ns = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'
    put("xml_body", "entities.xml",
        f'<?xml version="1.0"?><CreateHostedZoneRequest {ns}><Name>a&amp;b&#x41;&#66;.example'
        '</Name><CallerReference><![CDATA[r<1>]]></CallerReference><!-- c --><?pi x?>'
        '</CreateHostedZoneRequest>')
    put("xml_body", "doctype.xml",
        '<!DOCTYPE x [<!ENTITY e "boom">]><CreateCidrCollectionRequest><Name>&e;</Name>'
        '<CallerReference>r</CallerReference></CreateCidrCollectionRequest>')


def sigv4_seeds():
    clear("sigv4")
    vectors = json.load(open(rel("crates/api/tests/data/sigv4_botocore.json")))["vectors"]
    for v in vectors:
        target = v["path"] + ("?" + v["query"] if v.get("query") else "")
        lines = [f'{v["method"]} {target}']
        for name, value in v["headers"]:
            lines.append(f"{name}: {value}")
        body = v.get("body") or ""
        put("sigv4", v["name"], "\n".join(lines) + "\n\n" + body)
    put("sigv4", "no-authorization",
        "GET /2013-04-01/hostedzone\nHost: localhost\nX-Amz-Date: 20261127T064753Z\n\n")
    put("sigv4", "date-header",
        "POST /2013-04-01/hostedzone?a=1&b&c=%2F\nhost: localhost:8053\n"
        "Date: Fri, 27 Nov 2026 06:47:53 GMT\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDFUZZEXAMPLE/20261127/us-east-1/route53/"
        "aws4_request, SignedHeaders=date;host, Signature=" + "0" * 64 + "\n\n<x/>")


def json_seeds():
    clear("json_body")
    minimal = open(rel("examples/minimal.json")).read()
    geo = open(rel("examples/geo-latency-failover.json")).read()
    bodies = {
        "policy": {"name": "p", "document": minimal, "comment": "c"},
        "version": {"document": geo},
        "validate": {"document": geo},
        "explain": {"document": geo, "client": "81.2.69.142/24", "unhealthy": ["hc-1"],
                    "unhealthy_targets": ["lb.example.net"], "seed": 7},
        "explain-v6": {"document": minimal, "client": "2001:db8::1"},
        "coverage": {"document": geo, "unhealthy": [], "rule": "latency", "grid": {"step": 5},
                     "samples": 3},
        "coverage-bad": {"document": geo, "grid": {"step": 0.1}, "samples": 0},
        "explain-record": {"name": "www.example.com.", "type": "A", "client": "192.0.2.1/33"},
        "record": {"zone_id": "Z1", "name": "app.example.com.", "ttl": 60, "policy_id": "p",
                   "version": 1},
        "record-update": {"version": 2, "ttl": 30},
        "zone": {"name": "example.com.", "caller_reference": "r1", "comment": "c"},
        "changes": {"comment": "c", "changes": [
            {"action": "UPSERT", "name": "www.example.com.", "type": "A", "ttl": 300,
             "values": ["192.0.2.1"]},
            {"action": "CREATE", "name": "w.example.com.", "type": "A", "set_identifier": "eu",
             "ttl": 60, "values": ["192.0.2.2"],
             "routing": {"Weight": 10, "HealthCheckId": "hc"}},
            {"action": "DELETE", "name": "g.example.com.", "type": "A", "set_identifier": "g",
             "routing": {"GeoLocation": {"CountryCode": "US", "SubdivisionCode": "WA"}}},
            {"action": "CREATE", "name": "c.example.com.", "type": "A", "set_identifier": "c",
             "routing": {"CidrRoutingConfig": {"CollectionId": "x", "LocationName": "loc"}}},
            {"action": "CREATE", "name": "p.example.com.", "type": "A", "set_identifier": "p",
             "routing": {"GeoProximityLocation": {"AWSRegion": "us-east-1", "Bias": 10}}},
            {"action": "CREATE", "name": "a.example.com.", "type": "A",
             "routing": {"AliasTarget": {"HostedZoneId": "Z1", "DNSName": "www.example.com.",
                                         "EvaluateTargetHealth": True}}},
        ]},
        "health-check": {"caller_reference": "r", "config": {
            "Type": "HTTPS_STR_MATCH", "IPAddress": "192.0.2.1", "Port": 443,
            "ResourcePath": "/health", "FullyQualifiedDomainName": "example.com",
            "SearchString": "ok", "RequestInterval": 10, "FailureThreshold": 2,
            "Regions": ["eu", "us"], "EnableSNI": True}},
        "health-check-calculated": {"caller_reference": "r", "config": {
            "Type": "CALCULATED", "ChildHealthChecks": ["a", "b"], "HealthThreshold": 1}},
        "cidr-collection": {"name": "c", "caller_reference": "r"},
        "cidr-changes": {"version": 1, "changes": [
            {"LocationName": "office", "Action": "PUT",
             "CidrList": ["192.0.2.0/24", "2001:db8::/48", "10.0.0.1/8"]},
            {"LocationName": "old", "Action": "DELETE_IF_EXISTS", "CidrList": ["198.51.100.0/24"]}]},
        "tags": [{"key": "env", "value": "prod"}, {"key": "team"}],
    }
    for name, body in bodies.items():
        put("json_body", name + ".json", json.dumps(body, indent=1))


# ---------------------------------------------------------------------------------------------
# Dictionaries
# ---------------------------------------------------------------------------------------------

def write_dict(name, tokens):
    tokens = sorted({t for t in tokens if t and len(t) <= 64})
    with open(os.path.join(DICT, name + ".dict"), "w") as f:
        f.write(f"# {name}: tokens for libFuzzer's -dict, built by fuzz/seeds.py\n")
        for t in tokens:
            esc = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c)
                          for c in t)
            f.write(f'"{esc}"\n')


def json_keys(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(f'"{k}"')
            json_keys(v, out)
    elif isinstance(value, list):
        for v in value:
            json_keys(v, out)
    elif isinstance(value, str) and len(value) < 32:
        out.add(f'"{value}"')


def dictionaries():
    os.makedirs(DICT, exist_ok=True)
    tokens = set()
    for f in glob.glob(os.path.join(CORPUS, "policy_document", "*")):
        try:
            json_keys(json.load(open(f)), tokens)
        except ValueError:
            pass
    write_dict("policy_document", tokens | {"true", "false", "null", "\"2015-10-01\"",
                                            "\"2023-05-09\""})
    tokens = set()
    for f in glob.glob(os.path.join(CORPUS, "json_body", "*")):
        json_keys(json.load(open(f)), tokens)
    write_dict("json_body", tokens | {"true", "false", "null"})
    tokens = set()
    for f in glob.glob(os.path.join(CORPUS, "xml_body", "*")):
        for m in re.findall(rb"</?([A-Za-z][A-Za-z0-9]*)", open(f, "rb").read()):
            tag = m.decode()
            tokens |= {f"<{tag}>", f"</{tag}>"}
    write_dict("xml_body", tokens | {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "&amp;",
                                      "&lt;", "&#x", "<![CDATA[", "]]>", "<!--", "-->",
                                      'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'})
    write_dict("master_file", {"$ORIGIN ", "$TTL ", "$INCLUDE ", " IN ", " CH ", "(", ")", ";",
                               "@", "\\#", "\\032", "\\.", '"', "1h", "2w", "30m"}
               | {f" {t} " for t in ["A", "AAAA", "NS", "SOA", "CNAME", "MX", "TXT", "SRV",
                                     "CAA", "PTR", "DS", "DNAME", "SPF", "HINFO", "NAPTR",
                                     "SSHFP", "TLSA", "SMIMEA", "SVCB", "HTTPS", "OPENPGPKEY",
                                     "TYPE65280", "RRSIG", "ANY"]}
               | {"alpn=", "port=", "ipv4hint=", "ipv6hint=", "ech=", "mandatory=",
                  "no-default-alpn", "key65000="})
    write_dict("sigv4", {"AWS4-HMAC-SHA256", "Credential=", "SignedHeaders=", "Signature=",
                         "/aws4_request", "/us-east-1/", "/route53/", "Authorization: ",
                         "Host: ", "X-Amz-Date: ", "Date: ", "X-Amz-Content-Sha256: ",
                         "UNSIGNED-PAYLOAD", "20261127T064753Z", "20261127", "host;x-amz-date",
                         "%2F", "%20", "+", "/./", "/../", "//", "GMT", "Fri, 27 Nov 2026 "})


def main():
    dns_seeds()
    policy_seeds()
    master_seeds()
    xml_seeds()
    sigv4_seeds()
    json_seeds()
    dictionaries()
    total = 0
    for t in TARGETS:
        files = [f for f in os.listdir(os.path.join(CORPUS, t))
                 if not re.fullmatch(r"[0-9a-f]{40}", f)]
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        total += size
        print(f"{t}: {len(files)} seeds, {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
