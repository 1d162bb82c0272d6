#!/usr/bin/env python3
"""Check that botocore reads flowdns's Route 53 response documents as the real service's.

Usage: python check_responses.py RESPONSES_DIR   (the golden copies, tests/data/xml/responses)

For every RESPONSES_DIR/<Operation>[-variant].xml written by crates/api/tests/xml.rs:

1. the document is walked against the operation's output shape in botocore's service model:
   every element must be a member of its shape (botocore silently drops unknown ones), members
   must come in model order, required members must be present, list items must carry the
   model's item name, every element must be in the Route 53 namespace, and booleans, numbers
   and timestamps must be in the form botocore parses;
2. botocore's rest-xml ResponseParser parses it with the output shape, and the resulting dict
   must equal EXPECTED below (types included: bools, ints, floats, datetimes, lists);
3. `Error-*` files are parsed as error responses (HTTP 400/500) and their code, message and
   request ID checked; they also go through a real botocore client, to check that the code
   maps to the modeled exception class.

Exits non-zero with a list of problems if anything is off. Needs botocore.
"""
import datetime
import os
import sys
from xml.etree import ElementTree

import botocore.awsrequest
import botocore.config
import botocore.exceptions
import botocore.parsers
import botocore.session
from botocore.utils import parse_timestamp

NS = "https://route53.amazonaws.com/doc/2013-04-01/"
UTC = datetime.timezone.utc

POLICY_ID = "12345678-1234-1234-1234-123456789012"
INSTANCE_ID = "abcdef01-2345-6789-abcd-ef0123456789"
HEALTH_CHECK_ID = "abcdef11-2222-3333-4444-555555fedcba"
DOCUMENT = (
    '{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A",'
    '"Endpoints":{"e1":{"Type":"value","Value":"192.0.2.1"}},"StartEndpoint":"e1"}'
)
SUBMITTED_AT = datetime.datetime(2026, 11, 27, 6, 47, 53, tzinfo=UTC)


def policy(version, comment=None):
    p = {"Id": POLICY_ID, "Version": version, "Name": "my-policy", "Type": "A", "Document": DOCUMENT}
    if comment is not None:
        p["Comment"] = comment
    return p


def instance(state, message):
    return {
        "Id": INSTANCE_ID,
        "HostedZoneId": "Z1D633PJN98FT9",
        "Name": "www.example.com.",
        "TTL": 300,
        "State": state,
        "Message": message,
        "TrafficPolicyId": POLICY_ID,
        "TrafficPolicyVersion": 1,
        "TrafficPolicyType": "A",
    }


def change_info(status, comment=None):
    c = {"Id": "/change/C2682N5HXP0BZ4", "Status": status, "SubmittedAt": SUBMITTED_AT}
    if comment is not None:
        c["Comment"] = comment
    return c


def zone(zone_id, name, private):
    return {
        "Id": "/hostedzone/" + zone_id,
        "Name": name,
        "CallerReference": "ref-2026-11-27",
        "Config": {"Comment": "test zone", "PrivateZone": private},
        "ResourceRecordSetCount": 2,
    }


NAME_SERVERS = [
    "ns1.flowdns.example.",
    "ns2.flowdns.example.",
    "ns3.flowdns.example.",
    "ns4.flowdns.example.",
]


def values(*vs):
    return [{"Value": v} for v in vs]


HTTPS_CHECK = {
    "Id": HEALTH_CHECK_ID,
    "CallerReference": "hc-ref-1",
    "HealthCheckConfig": {
        "IPAddress": "192.0.2.44",
        "Port": 443,
        "Type": "HTTPS_STR_MATCH",
        "ResourcePath": "/health",
        "FullyQualifiedDomainName": "app.example.com",
        "SearchString": "OK",
        "RequestInterval": 30,
        "FailureThreshold": 3,
        "MeasureLatency": False,
        "Inverted": False,
        "Disabled": False,
        "EnableSNI": True,
        "Regions": ["us-east-1", "eu-west-1", "ap-southeast-2"],
    },
    "HealthCheckVersion": 1,
}
CALCULATED_CHECK = {
    "Id": "abcdef11-2222-3333-4444-555555fedcbd",
    "CallerReference": "hc-ref-2",
    "LinkedService": {"ServicePrincipal": "flowdns.example", "Description": "created by a test"},
    "HealthCheckConfig": {
        "Type": "CALCULATED",
        "Inverted": False,
        "Disabled": False,
        "HealthThreshold": 1,
        "ChildHealthChecks": [HEALTH_CHECK_ID],
    },
    "HealthCheckVersion": 4,
}
CLOUDWATCH_CHECK = {
    "Id": "abcdef11-2222-3333-4444-555555fedcbe",
    "CallerReference": "hc-ref-4",
    "HealthCheckConfig": {
        "Type": "CLOUDWATCH_METRIC",
        "AlarmIdentifier": {"Region": "us-east-1", "Name": "my-alarm"},
        "InsufficientDataHealthStatus": "LastKnownStatus",
    },
    "HealthCheckVersion": 2,
    "CloudWatchAlarmConfiguration": {
        "EvaluationPeriods": 1,
        "Threshold": 1.5,
        "ComparisonOperator": "GreaterThanThreshold",
        "Period": 60,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "Statistic": "Average",
        "Dimensions": [{"Name": "FunctionName", "Value": "api"}],
    },
}


def observations(status):
    return [
        {
            "Region": "us-east-1",
            "IPAddress": "198.51.100.10",
            "StatusReport": {
                "Status": status,
                "CheckedTime": datetime.datetime(2026, 11, 27, 6, 47, 50, 123000, tzinfo=UTC),
            },
        },
        {"Region": "eu-west-1", "IPAddress": "198.51.100.20", "StatusReport": {"Status": status}},
    ]


CIDR_COLLECTION_ID = "0f3c7a5e-1111-4222-8333-444455556666"


def cidr_collection(name, version):
    return {
        "Arn": "arn:aws:route53:::cidrcollection/" + CIDR_COLLECTION_ID,
        "Id": CIDR_COLLECTION_ID,
        "Name": name,
        "Version": version,
    }


def instance_page(truncated):
    page = {
        "TrafficPolicyInstances": [instance("Applied", ""), instance("Failed", "boom")],
        "IsTruncated": truncated,
        "MaxItems": "2",
    }
    if truncated:
        page.update(
            HostedZoneIdMarker="Z1D633PJN98FT9",
            TrafficPolicyInstanceNameMarker="z.example.com.",
            TrafficPolicyInstanceTypeMarker="A",
        )
    return page


EXPECTED = {
    "CreateTrafficPolicy": {"TrafficPolicy": policy(1, 'first <version> & "quotes"')},
    "CreateTrafficPolicyVersion": {"TrafficPolicy": policy(2)},
    "GetTrafficPolicy": {"TrafficPolicy": policy(1, "v1")},
    "ListTrafficPolicies": {
        "TrafficPolicySummaries": [
            {"Id": POLICY_ID, "Name": "my-policy", "Type": "A", "LatestVersion": 3, "TrafficPolicyCount": 3},
            {
                "Id": "22345678-1234-1234-1234-123456789012",
                "Name": "other",
                "Type": "AAAA",
                "LatestVersion": 1,
                "TrafficPolicyCount": 1,
            },
        ],
        "IsTruncated": True,
        "TrafficPolicyIdMarker": "32345678-1234-1234-1234-123456789012",
        "MaxItems": "2",
    },
    "ListTrafficPolicies-empty": {
        "TrafficPolicySummaries": [],
        "IsTruncated": False,
        "TrafficPolicyIdMarker": "",
        "MaxItems": "100",
    },
    "ListTrafficPolicyVersions": {
        "TrafficPolicies": [policy(1, "v1"), policy(2)],
        "IsTruncated": False,
        "TrafficPolicyVersionMarker": "2",
        "MaxItems": "100",
    },
    "UpdateTrafficPolicyComment": {"TrafficPolicy": policy(2, "renamed")},
    "DeleteTrafficPolicy": {},
    "CreateTrafficPolicyInstance": {"TrafficPolicyInstance": instance("Creating", "")},
    "GetTrafficPolicyInstance": {
        "TrafficPolicyInstance": instance("Failed", "Rejected: conflicting record")
    },
    "UpdateTrafficPolicyInstance": {"TrafficPolicyInstance": instance("Updating", "")},
    "DeleteTrafficPolicyInstance": {},
    "ListTrafficPolicyInstances": instance_page(True),
    "ListTrafficPolicyInstances-last": instance_page(False),
    "ListTrafficPolicyInstancesByHostedZone": {
        "TrafficPolicyInstances": [instance("Applied", "")],
        "TrafficPolicyInstanceNameMarker": "z.example.com.",
        "TrafficPolicyInstanceTypeMarker": "A",
        "IsTruncated": True,
        "MaxItems": "1",
    },
    "ListTrafficPolicyInstancesByPolicy": {
        "TrafficPolicyInstances": [instance("Applied", "")],
        "IsTruncated": False,
        "MaxItems": "100",
    },
    "GetTrafficPolicyInstanceCount": {"TrafficPolicyInstanceCount": 7},
    "CreateHostedZone": {
        "HostedZone": zone("Z1D633PJN98FT9", "example.com.", False),
        "ChangeInfo": change_info("PENDING"),
        "DelegationSet": {"NameServers": NAME_SERVERS},
    },
    "CreateHostedZone-private": {
        "HostedZone": zone("Z2PRIVATE00001", "internal.example.", True),
        "ChangeInfo": change_info("INSYNC"),
        "DelegationSet": {
            "Id": "/delegationset/N1PA6795SAMPLE",
            "CallerReference": "ds-ref",
            "NameServers": NAME_SERVERS,
        },
        "VPC": {"VPCRegion": "eu-west-1", "VPCId": "vpc-1a2b3c4d"},
    },
    "GetHostedZone": {
        "HostedZone": zone("Z1D633PJN98FT9", "example.com.", False),
        "DelegationSet": {"NameServers": NAME_SERVERS},
    },
    "GetHostedZone-private": {
        "HostedZone": zone("Z2PRIVATE00001", "internal.example.", True),
        "VPCs": [
            {"VPCRegion": "eu-west-1", "VPCId": "vpc-1a2b3c4d"},
            {"VPCRegion": "us-east-1", "VPCId": "vpc-5e6f7a8b"},
        ],
    },
    "ListHostedZones": {
        "HostedZones": [
            zone("Z1D633PJN98FT9", "example.com.", False),
            zone("Z2PRIVATE00001", "internal.example.", True),
        ],
        "Marker": "",
        "IsTruncated": True,
        "NextMarker": "Z3NEXT0000001",
        "MaxItems": "2",
    },
    "ListHostedZones-empty": {"HostedZones": [], "Marker": "", "IsTruncated": False, "MaxItems": "100"},
    "ListHostedZonesByName": {
        "HostedZones": [zone("Z1D633PJN98FT9", "example.com.", False)],
        "DNSName": "example.com.",
        "IsTruncated": True,
        "NextDNSName": "internal.example.",
        "NextHostedZoneId": "Z2PRIVATE00001",
        "MaxItems": "1",
    },
    "DeleteHostedZone": {"ChangeInfo": change_info("PENDING")},
    "GetHostedZoneCount": {"HostedZoneCount": 2},
    "ChangeResourceRecordSets": {
        "ChangeInfo": change_info("PENDING", "every ResourceRecordSet member")
    },
    "ListResourceRecordSets": {
        "ResourceRecordSets": [
            {
                "Name": "example.com.",
                "Type": "NS",
                "TTL": 172800,
                "ResourceRecords": values("ns1.flowdns.example.", "ns2.flowdns.example."),
            },
            {
                "Name": "w.example.com.",
                "Type": "A",
                "SetIdentifier": "weighted-1",
                "Weight": 10,
                "TTL": 60,
                "ResourceRecords": values("192.0.2.1"),
                "HealthCheckId": HEALTH_CHECK_ID,
            },
            {
                "Name": "f.example.com.",
                "Type": "A",
                "SetIdentifier": "secondary",
                "Failover": "SECONDARY",
                "AliasTarget": {
                    "HostedZoneId": "Z1D633PJN98FT9",
                    "DNSName": "backup.example.com.",
                    "EvaluateTargetHealth": False,
                },
            },
            {
                "Name": "g.example.com.",
                "Type": "TXT",
                "SetIdentifier": "default",
                "GeoLocation": {"CountryCode": "*"},
                "TTL": 300,
                "ResourceRecords": values('"default"'),
            },
            {
                "Name": "l.example.com.",
                "Type": "AAAA",
                "SetIdentifier": "eu",
                "Region": "eu-west-1",
                "TTL": 30,
                "ResourceRecords": values("2001:db8::1"),
            },
            {
                "Name": "m.example.com.",
                "Type": "A",
                "SetIdentifier": "mv-1",
                "MultiValueAnswer": True,
                "TTL": 0,
                "ResourceRecords": values("198.51.100.7"),
            },
            {
                "Name": "p.example.com.",
                "Type": "A",
                "SetIdentifier": "gp-1",
                "TTL": 60,
                "ResourceRecords": values("203.0.113.9"),
                "GeoProximityLocation": {
                    "Coordinates": {"Latitude": "49.22", "Longitude": "-74.01"},
                    "Bias": -10,
                },
            },
            {
                "Name": "c.example.com.",
                "Type": "CNAME",
                "SetIdentifier": "cidr-default",
                "TTL": 300,
                "ResourceRecords": values("office.example.net"),
                "CidrRoutingConfig": {
                    "CollectionId": "c8c02a84-aaaa-bbbb-cccc-0123456789ab",
                    "LocationName": "*",
                },
            },
            {"Name": "www.example.com.", "Type": "A", "TrafficPolicyInstanceId": INSTANCE_ID},
        ],
        "IsTruncated": True,
        "NextRecordName": "x.example.com.",
        "NextRecordType": "A",
        "NextRecordIdentifier": "weighted-2",
        "MaxItems": "9",
    },
    "GetChange": {"ChangeInfo": change_info("INSYNC")},
    "CreateHealthCheck": {"HealthCheck": HTTPS_CHECK},
    "GetHealthCheck": {"HealthCheck": CLOUDWATCH_CHECK},
    "ListHealthChecks": {
        "HealthChecks": [HTTPS_CHECK, CALCULATED_CHECK, CLOUDWATCH_CHECK],
        "Marker": "",
        "IsTruncated": False,
        "MaxItems": "100",
    },
    "UpdateHealthCheck": {"HealthCheck": CALCULATED_CHECK},
    "DeleteHealthCheck": {},
    "GetHealthCheckCount": {"HealthCheckCount": 3},
    "GetHealthCheckStatus": {"HealthCheckObservations": observations("Success: HTTP Status Code 200, OK")},
    "GetHealthCheckLastFailureReason": {
        "HealthCheckObservations": observations("Failure: Connection timed out.")
    },
    "GetCheckerIpRanges": {"CheckerIpRanges": ["198.51.100.0/24", "2001:db8:1::/48"]},
    "TestDNSAnswer": {
        "Nameserver": "ns1.flowdns.example.",
        "RecordName": "www.example.com.",
        "RecordType": "A",
        "RecordData": ["192.0.2.1", "192.0.2.2"],
        "ResponseCode": "NOERROR",
        "Protocol": "UDP",
    },
    "TestDNSAnswer-nxdomain": {
        "Nameserver": "ns1.flowdns.example.",
        "RecordName": "nope.example.com.",
        "RecordType": "A",
        "RecordData": [],
        "ResponseCode": "NXDOMAIN",
        "Protocol": "UDP",
    },
    "GetGeoLocation": {
        "GeoLocationDetails": {
            "CountryCode": "US",
            "CountryName": "United States",
            "SubdivisionCode": "WA",
            "SubdivisionName": "Washington",
        }
    },
    "ListGeoLocations": {
        "GeoLocationDetailsList": [
            {"ContinentCode": "AF", "ContinentName": "Africa"},
            {"CountryCode": "*", "CountryName": "Default"},
            {"CountryCode": "AD", "CountryName": "Andorra"},
        ],
        "IsTruncated": True,
        "NextCountryCode": "AE",
        "MaxItems": "3",
    },
    "GetAccountLimit": {
        "Limit": {"Type": "MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER", "Value": 5},
        "Count": 1,
    },
    "GetHostedZoneLimit": {"Limit": {"Type": "MAX_RRSETS_BY_ZONE", "Value": 10000}, "Count": 9},
    "ListTagsForResource": {
        "ResourceTagSet": {
            "ResourceType": "hostedzone",
            "ResourceId": "Z1D633PJN98FT9",
            "Tags": [{"Key": "Name", "Value": 'web <1> & "co"'}, {"Key": "empty", "Value": ""}],
        }
    },
    "ListTagsForResource-none": {
        "ResourceTagSet": {"ResourceType": "healthcheck", "ResourceId": HEALTH_CHECK_ID, "Tags": []}
    },
    "ListTagsForResources": {
        "ResourceTagSets": [
            {
                "ResourceType": "healthcheck",
                "ResourceId": HEALTH_CHECK_ID,
                "Tags": [{"Key": "env:prod/ü", "Value": "a b"}],
            },
            {
                "ResourceType": "healthcheck",
                "ResourceId": "abcdef11-2222-3333-4444-555555fedcbb",
                "Tags": [],
            },
        ]
    },
    "ChangeTagsForResource": {},
    "CreateCidrCollection": {"Collection": cidr_collection("offices-eu", 1)},
    "ChangeCidrCollection": {"Id": "/change/C42"},
    "ListCidrCollections": {
        "NextToken": "6f6666696365732d7573",
        "CidrCollections": [cidr_collection("offices-eu", 4)],
    },
    "ListCidrCollections-empty": {"CidrCollections": []},
    "ListCidrLocations": {
        "CidrLocations": [{"LocationName": "ams"}, {"LocationName": "fra"}],
    },
    "ListCidrBlocks": {
        "NextToken": "66726120323030313a6462383a3a2f3332",
        "CidrBlocks": [
            {"CidrBlock": "192.0.2.0/24", "LocationName": "fra"},
            {"CidrBlock": "198.51.100.0/24", "LocationName": "fra"},
        ],
    },
    "DeleteCidrCollection": {},
}

# Error documents: (HTTP status, operation used for the client check, expected Error dict,
# expected request ID, expected modeled exception class name or None).
EXPECTED_ERRORS = {
    "Error-InvalidInput": (
        400,
        "ChangeResourceRecordSets",
        {
            "Type": "Sender",
            "Code": "InvalidInput",
            "Message": "Invalid XML at /ChangeBatch/Changes/Change[2]/ResourceRecordSet/TTL: "
            "invalid value 'abc' for <TTL>",
        },
        "b25f48e8-84fd-11e6-80d9-574e0c4664cb",
        "InvalidInput",
    ),
    "Error-NoSuchTrafficPolicy": (
        404,
        "GetTrafficPolicy",
        {
            "Type": "Sender",
            "Code": "NoSuchTrafficPolicy",
            "Message": "No traffic policy found with ID 12345678-1234-1234-1234-123456789012",
        },
        "c25f48e8-84fd-11e6-80d9-574e0c4664cb",
        "NoSuchTrafficPolicy",
    ),
    "Error-InvalidChangeBatch": (
        400,
        "ChangeResourceRecordSets",
        {
            "Type": "Sender",
            "Code": "InvalidChangeBatch",
            "Message": "[Tried to create resource record set [name='w.example.com.', type='A', "
            "set-identifier='weighted-1'] but it already exists, Tried to delete resource record "
            "set [name='m.example.com.', type='A', set-identifier='mv-1'] but it was not found]",
        },
        "d25f48e8-84fd-11e6-80d9-574e0c4664cb",
        "InvalidChangeBatch",
    ),
    "Error-ServiceUnavailable": (
        503,
        "GetChange",
        {"Type": "Receiver", "Code": "ServiceUnavailable", "Message": "The store is not reachable"},
        "e25f48e8-84fd-11e6-80d9-574e0c4664cb",
        None,
    ),
    # An operation flowdns does not implement: 501, which botocore does not retry.
    "Error-NotImplemented": (
        501,
        "CreateReusableDelegationSet",
        {
            "Type": "Receiver",
            "Code": "NotImplemented",
            "Message": "CreateReusableDelegationSet is not implemented by flowdns: reusable "
            "delegation sets are not supported; new zones get the name servers flowdns is "
            "configured with",
        },
        "a35f48e8-84fd-11e6-80d9-574e0c4664cb",
        None,
    ),
    # The Cidr* exceptions model their message as `Message` (the others as `message`); the
    # envelope's <Message> serves both.
    "Error-CidrCollectionVersionMismatchException": (
        409,
        "ChangeCidrCollection",
        {
            "Type": "Sender",
            "Code": "CidrCollectionVersionMismatchException",
            "Message": "CIDR collection " + CIDR_COLLECTION_ID + " is at version 4, not 3: "
            "list it again and retry",
        },
        "a35f48e8-84fd-11e6-80d9-574e0c4664cb",
        "CidrCollectionVersionMismatchException",
    ),
    "Error-NoSuchCidrCollectionException": (
        404,
        "ListCidrLocations",
        {
            "Type": "Sender",
            "Code": "NoSuchCidrCollectionException",
            "Message": "no CIDR collection has the id " + CIDR_COLLECTION_ID,
        },
        "b35f48e8-84fd-11e6-80d9-574e0c4664cb",
        "NoSuchCidrCollectionException",
    ),
    "Error-CidrBlockInUseException": (
        400,
        "ChangeCidrCollection",
        {
            "Type": "Sender",
            "Code": "CidrBlockInUseException",
            "Message": "CIDR collection offices-eu: 192.0.2.0/24 is already in location fra",
        },
        "c35f48e8-84fd-11e6-80d9-574e0c4664cb",
        "CidrBlockInUseException",
    ),
    # The old Route 53 form: botocore finds no code in it. Kept to document why it is not sent.
    "Error-InvalidChangeBatch-legacy": (
        400,
        "ChangeResourceRecordSets",
        {"Code": "", "Message": ""},
        "f25f48e8-84fd-11e6-80d9-574e0c4664cb",
        None,
    ),
}

# Lists whose items the model leaves unnamed (botocore reads any item name) and the item name
# the API reference documents, which flowdns writes.
DOCUMENTED_ITEMS = {
    "CollectionSummaries": "CollectionSummary",
    "LocationSummaries": "LocationSummary",
    "CidrBlockSummaries": "CidrBlockSummary",
}

SESSION = botocore.session.get_session()
MODEL = SESSION.get_service_model("route53")
PARSER = botocore.parsers.create_parser("rest-xml")


def local(tag):
    if not tag.startswith("{" + NS + "}"):
        return None
    return tag[len(NS) + 2 :]


def walk(shape, elem, path, problems):
    """Check `elem` against `shape` the way the service would write it."""
    name = local(elem.tag)
    if name is None:
        problems.append(f"{path}: element {elem.tag} is not in the Route 53 namespace")
        return
    text = (elem.text or "").strip()
    kind = shape.type_name
    if kind == "structure":
        if text:
            problems.append(f"{path}: unexpected text {text!r}")
        members = [
            (m, shape.members[m].serialization.get("name", m))
            for m in shape.members
            if shape.members[m].serialization.get("location") is None
        ]
        order = [xml_name for _, xml_name in members]
        seen = []
        for child in elem:
            tag = local(child.tag) or child.tag
            if tag not in order:
                problems.append(f"{path}/{tag}: not a member of {shape.name} (botocore ignores it)")
                continue
            if tag in seen:
                problems.append(f"{path}/{tag}: repeated")
            seen.append(tag)
            member = members[order.index(tag)][0]
            walk(shape.members[member], child, f"{path}/{tag}", problems)
        if seen != sorted(seen, key=order.index):
            problems.append(f"{path}: members out of model order: {seen} (model: {order})")
        for required in shape.required_members:
            member_shape = shape.members[required]
            if member_shape.serialization.get("location") is None:
                xml_name = member_shape.serialization.get("name", required)
                if xml_name not in seen:
                    problems.append(f"{path}: required member {xml_name} missing")
    elif kind == "list":
        if text:
            problems.append(f"{path}: unexpected text {text!r}")
        item = shape.member.serialization.get("name", "member")
        # Where the model leaves items unnamed, the API reference shows the member shape's name.
        documented = DOCUMENTED_ITEMS.get(shape.name)
        for i, child in enumerate(elem, 1):
            tag = local(child.tag) or child.tag
            if tag != item and tag != documented:
                problems.append(f"{path}/{tag}: list items must be <{item}>")
            walk(shape.member, child, f"{path}/{tag}[{i}]", problems)
    else:
        if len(elem):
            problems.append(f"{path}: a {kind} cannot have child elements")
        raw = elem.text or ""
        if kind == "boolean" and raw not in ("true", "false"):
            problems.append(f"{path}: boolean {raw!r} (botocore reads anything but 'true' as False)")
        elif kind in ("integer", "long"):
            try:
                int(raw)
            except ValueError:
                problems.append(f"{path}: {kind} {raw!r} does not parse")
        elif kind in ("double", "float"):
            try:
                float(raw)
            except ValueError:
                problems.append(f"{path}: {kind} {raw!r} does not parse")
        elif kind == "timestamp":
            if not (len(raw) == 24 and raw.endswith("Z") and raw[10] == "T"):
                problems.append(f"{path}: timestamp {raw!r} is not YYYY-MM-DDTHH:MM:SS.sssZ")
            else:
                parse_timestamp(raw)


def diff(expected, actual, path, problems):
    if type(expected) is not type(actual):
        problems.append(f"{path}: expected {expected!r} ({type(expected).__name__}), got {actual!r} ({type(actual).__name__})")
    elif isinstance(expected, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                problems.append(f"{path}.{key}: missing (expected {expected[key]!r})")
            elif key not in expected:
                problems.append(f"{path}.{key}: unexpected {actual[key]!r}")
            else:
                diff(expected[key], actual[key], f"{path}.{key}", problems)
    elif isinstance(expected, list):
        if len(expected) != len(actual):
            problems.append(f"{path}: expected {len(expected)} items, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            diff(e, a, f"{path}[{i}]", problems)
    elif expected != actual:
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")


def check_response(stem, body, problems):
    operation = stem.split("-")[0]
    output = MODEL.operation_model(operation).output_shape
    root = ElementTree.fromstring(body)
    if root.tag != "{" + NS + "}" + output.name:
        problems.append(f"{stem}: root is {root.tag}, expected {{{NS}}}{output.name}")
    walk(output, root, stem, problems)
    parsed = PARSER.parse({"status_code": 200, "headers": {}, "body": body}, output)
    parsed.pop("ResponseMetadata", None)
    if stem not in EXPECTED:
        problems.append(f"{stem}: no expected value in check_responses.py")
        return
    diff(EXPECTED[stem], parsed, stem, problems)


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def client_error(operation, status, body, retries=None):
    """Run one call through a real botocore client whose HTTP layer returns `body`; returns
    the client, the ClientError and how many requests were sent."""
    client = SESSION.create_client(
        "route53",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(
            retries=retries or {"max_attempts": 0, "mode": "standard"}
        ),
    )
    sent = []

    def respond(request, **kwargs):
        sent.append(request.url)
        return botocore.awsrequest.AWSResponse(request.url, status, {}, _Raw(body))

    client.meta.events.register("before-send", respond)
    params = {
        "ChangeResourceRecordSets": {
            "HostedZoneId": "Z1",
            "ChangeBatch": {
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": "a.example.",
                            "Type": "A",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "192.0.2.1"}],
                        },
                    }
                ]
            },
        },
        "GetTrafficPolicy": {"Id": POLICY_ID, "Version": 1},
        "ChangeCidrCollection": {
            "Id": CIDR_COLLECTION_ID,
            "Changes": [{"LocationName": "fra", "Action": "PUT", "CidrList": ["192.0.2.0/24"]}],
        },
        "ListCidrLocations": {"CollectionId": CIDR_COLLECTION_ID},
        "GetChange": {"Id": "C1"},
        "CreateReusableDelegationSet": {"CallerReference": "ref-1"},
    }[operation]
    method = getattr(client, botocore.xform_name(operation))
    try:
        method(**params)
    except botocore.exceptions.ClientError as e:
        return client, e, len(sent)
    raise AssertionError(f"{operation} did not fail")


def check_error(stem, body, problems):
    status, operation, error, request_id, exception = EXPECTED_ERRORS[stem]
    output = MODEL.operation_model(operation).output_shape
    parsed = PARSER.parse({"status_code": status, "headers": {}, "body": body}, output)
    diff(error, parsed.get("Error"), stem + ".Error", problems)
    got_id = parsed.get("ResponseMetadata", {}).get("RequestId")
    if exception is not None and got_id != request_id:
        problems.append(f"{stem}: RequestId {got_id!r}, expected {request_id!r}")
    if status in (500, 502, 503, 504):
        return  # botocore would retry; the parse above is what matters
    if status == 501:
        # Not retried, whatever the retry mode, so a caller learns at once.
        for mode in ("legacy", "standard", "adaptive"):
            _, _, sent = client_error(operation, status, body, {"mode": mode, "max_attempts": 5})
            if sent != 1:
                problems.append(f"{stem}: {mode} retry mode sent {sent} requests, expected 1")
    client, e, _ = client_error(operation, status, body)
    code = e.response["Error"]["Code"]
    if code != error["Code"]:
        problems.append(f"{stem}: client saw code {code!r}, expected {error['Code']!r}")
    if exception is not None:
        cls = getattr(client.exceptions, exception)
        if not isinstance(e, cls):
            problems.append(f"{stem}: client raised {type(e).__name__}, expected {exception}")
        if e.response["ResponseMetadata"].get("RequestId") != request_id:
            problems.append(f"{stem}: client saw request ID {e.response['ResponseMetadata']!r}")


def main():
    directory = sys.argv[1]
    problems = []
    seen = set()
    for filename in sorted(os.listdir(directory)):
        if not filename.endswith(".xml"):
            continue
        stem = filename[:-4]
        seen.add(stem)
        with open(os.path.join(directory, filename), "rb") as f:
            body = f.read()
        if stem.startswith("Error-"):
            check_error(stem, body, problems)
        else:
            check_response(stem, body, problems)
    for stem in sorted((set(EXPECTED) | set(EXPECTED_ERRORS)) - seen):
        problems.append(f"{stem}: expected a golden file {stem}.xml")

    # Operations without members: botocore accepts the empty root and an empty body alike.
    for operation in (
        "DeleteTrafficPolicy",
        "DeleteTrafficPolicyInstance",
        "DeleteHealthCheck",
        "DeleteCidrCollection",
    ):
        output = MODEL.operation_model(operation).output_shape
        parsed = PARSER.parse({"status_code": 200, "headers": {}, "body": b""}, output)
        parsed.pop("ResponseMetadata", None)
        if parsed != {}:
            problems.append(f"{operation}: empty body parsed as {parsed!r}")

    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print(f"botocore {botocore.__version__}: {len(seen)} response documents OK")


if __name__ == "__main__":
    main()
