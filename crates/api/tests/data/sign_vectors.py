#!/usr/bin/env python3
"""Produce ``sigv4_botocore.json``: Route 53 requests signed by the real botocore.

The Rust tests in ``crates/api/tests/sigv4.rs`` check that ``api::sigv4::verify`` accepts
every request recorded here, and that it computes the same canonical request and
string to sign as botocore did.

Regenerate (needs network access to PyPI once)::

    python3 -m venv /tmp/authvenv && /tmp/authvenv/bin/pip install -q botocore
    /tmp/authvenv/bin/python crates/api/tests/data/sign_vectors.py \
        > crates/api/tests/data/sigv4_botocore.json

Two kinds of vectors are produced:

* ``direct``: an ``AWSRequest`` signed with ``SigV4Auth`` for service ``route53``,
  region ``us-east-1`` (what the AWS CLI uses for Route 53).
* ``client``: a call made through a real botocore ``route53`` client (its own URL
  and query serialisation, its own headers), captured just before it would be sent.

The clock, and the client's invocation id, are pinned so a rerun gives the same file
(apart from the ``botocore_version`` and the ``User-Agent`` header, which is not signed).
"""

import datetime
import json
import sys
import uuid
from unittest import mock

import botocore
import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

ACCESS_KEY_ID = "FDNSTESTVECTORS00001"
SECRET = "botocore/Test+Secret/0123456789abcdefghij"
REGION = "us-east-1"
SERVICE = "route53"
# botocore's clock returns a naive UTC datetime.
FIXED_NOW = datetime.datetime(2026, 11, 27, 6, 47, 53)
TRAFFIC_POLICY_ID = "0b5a6e3c-6f7d-4c2e-9a51-3d2f1c0e8b7a"

CHANGE_BATCH_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
    "<ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet>"
    "<Name>www.example.com.</Name><Type>A</Type><TTL>300</TTL>"
    "<ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord>"
    "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
    "</ChangeResourceRecordSetsRequest>"
)


def text(value):
    # Prepared requests may carry header values as bytes.
    return value.decode("utf-8") if isinstance(value, bytes) else value


def host_of(url):
    # What the HTTP client puts in the Host header (and what botocore signs).
    return botocore.auth._host_from_url(url)


def record(name, kind, request, canonical_request, string_to_sign):
    """Turn a signed request into the JSON the Rust test reads."""
    url = request.url
    parts = botocore.compat.urlsplit(url)
    headers = [[text(k), text(v)] for k, v in request.headers.items()]
    # The User-Agent is not signed (botocore never signs it); pin it so the file does not
    # depend on the machine that ran this script.
    headers = [[k, f"Botocore/{botocore.__version__}" if k.lower() == "user-agent" else v]
               for k, v in headers]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(["Host", host_of(url)])
    body = request.body
    if body is None:
        body = b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    authorization = text(request.headers["Authorization"])
    return {
        "name": name,
        "kind": kind,
        "method": request.method,
        "url": url,
        "path": parts.path,
        "query": parts.query,
        "headers": headers,
        "body": body.decode("utf-8"),
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET,
        "region": REGION,
        "service": SERVICE,
        "now": FIXED_NOW.strftime("%Y%m%dT%H%M%SZ"),
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "authorization": authorization,
        "signature": authorization.rsplit("Signature=", 1)[1],
    }


class Recorder(SigV4Auth):
    """SigV4Auth that remembers the intermediate strings it computed."""

    def canonical_request(self, request):
        self.last_canonical_request = super().canonical_request(request)
        return self.last_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign


def sign_direct(name, method, url, headers=(), body=None):
    request = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        request.headers[k] = v  # HTTPHeaders: assignment appends, so repeats stay
    auth = Recorder(Credentials(ACCESS_KEY_ID, SECRET), SERVICE, REGION)
    auth.add_auth(request)
    return record(name, "direct", request, auth.last_canonical_request,
                  auth.last_string_to_sign)


def direct_vectors():
    base = "https://route53.amazonaws.com"
    zone = "/2013-04-01/hostedzone/Z1PA6795UKMFR9"
    odd_id = percent_encode("Z1/odd id", safe="-._~")  # a label with '/' and ' '
    query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}"
        for k, v in [
            ("name", "*.exämple.com."),
            ("type", "TXT"),
            ("identifier", "a b+c/d=e&f"),
            ("maxitems", "10"),
        ]
    )
    return [
        sign_direct("list-rrsets-query", "GET",
                    f"{base}{zone}/rrset?type=A&name=www.example.com.&maxitems=10"),
        sign_direct("change-rrsets-post-xml", "POST", f"{base}{zone}/rrset/",
                    headers=[("Content-Type", "text/xml")],
                    body=CHANGE_BATCH_XML.encode("utf-8")),
        sign_direct("delete-traffic-policy-version", "DELETE",
                    f"{base}/2013-04-01/trafficpolicy/{TRAFFIC_POLICY_ID}/2"),
        sign_direct("path-with-encoded-slash-and-space", "GET",
                    f"{base}/2013-04-01/hostedzone/{odd_id}/rrset"),
        sign_direct("query-needing-encoding", "GET", f"{base}{zone}/rrset?{query}"),
        sign_direct("query-key-without-value", "GET", f"{base}/2013-04-01/hostedzone?marker"),
        sign_direct("header-with-repeated-spaces", "GET", f"{base}/2013-04-01/hostedzone",
                    headers=[("X-Flowdns-Note", "  several    spaces   here  ")]),
        sign_direct("header-repeated", "GET", f"{base}/2013-04-01/hostedzone",
                    headers=[("X-Flowdns-Multi", "first"), ("X-Flowdns-Multi", "second")]),
        sign_direct("date-header-instead-of-x-amz-date", "GET",
                    f"{base}/2013-04-01/hostedzone", headers=[("Date", "placeholder")]),
        sign_direct("http-endpoint-with-port", "GET",
                    "http://127.0.0.1:8053/2013-04-01/hostedzone?maxitems=1"),
        sign_direct("dot-segments-and-double-slashes", "GET",
                    f"{base}/2013-04-01//hostedzone/./Z1/../Z1PA6795UKMFR9/rrset"),
    ]


class Captured(Exception):
    pass


def client_vectors():
    session = botocore.session.get_session()
    out = []
    for endpoint in [None, "http://127.0.0.1:8053"]:
        client = session.create_client(
            "route53",
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET,
            endpoint_url=endpoint,
        )
        suffix = "" if endpoint is None else "-local-endpoint"
        recorder = {}
        original_cr = SigV4Auth.canonical_request
        original_sts = SigV4Auth.string_to_sign

        def cr(self, request):
            recorder["cr"] = original_cr(self, request)
            return recorder["cr"]

        def sts(self, request, canonical_request):
            recorder["sts"] = original_sts(self, request, canonical_request)
            return recorder["sts"]

        def capture(request, **kwargs):
            recorder["request"] = request
            raise Captured()

        client.meta.events.register("before-send", capture)
        calls = [
            ("client-list-hosted-zones", lambda: client.list_hosted_zones()),
            ("client-list-rrsets", lambda: client.list_resource_record_sets(
                HostedZoneId="/hostedzone/Z1PA6795UKMFR9", StartRecordName="www.example.com.",
                StartRecordType="A", MaxItems="5")),
            ("client-change-rrsets", lambda: client.change_resource_record_sets(
                HostedZoneId="Z1PA6795UKMFR9",
                ChangeBatch={"Comment": "flowdns   test & <escape>", "Changes": [{
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "www.example.com.", "Type": "A", "TTL": 300,
                        "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})),
            ("client-create-traffic-policy", lambda: client.create_traffic_policy(
                Name="geo policy", Document=json.dumps({
                    "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A",
                    "Endpoints": {"e": {"Type": "value", "Value": "192.0.2.1"}},
                    "StartEndpoint": "e"}))),
            ("client-delete-traffic-policy", lambda: client.delete_traffic_policy(
                Id=TRAFFIC_POLICY_ID, Version=2)),
        ]
        with mock.patch.object(SigV4Auth, "canonical_request", cr), \
                mock.patch.object(SigV4Auth, "string_to_sign", sts):
            for name, call in calls:
                recorder.clear()
                try:
                    call()
                except Captured:
                    pass
                prepared = recorder["request"]
                out.append(record(name + suffix, "client", prepared,
                                  recorder["cr"], recorder["sts"]))
    return out


def main():
    pinned_uuid = uuid.UUID("00000000-0000-4000-8000-000000000000")
    with mock.patch("botocore.auth.get_current_datetime", lambda *a, **k: FIXED_NOW), \
            mock.patch("botocore.endpoint.uuid.uuid4", lambda: pinned_uuid):
        vectors = direct_vectors() + client_vectors()
    json.dump({
        "generator": "crates/api/tests/data/sign_vectors.py",
        "botocore_version": botocore.__version__,
        "vectors": vectors,
    }, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
