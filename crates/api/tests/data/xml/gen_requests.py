#!/usr/bin/env python3
"""Generate Route 53 request bodies exactly as botocore's rest-xml serializer writes them.

Usage: python gen_requests.py [OUTPUT_DIR]   (default: ./requests beside this script)

Each operation's body is written to OUTPUT_DIR/<Operation>[-<variant>].xml. The Rust test
crates/api/tests/xml.rs parses these files and checks the values given below, so a change
here must be mirrored there. Needs botocore (pip install botocore).
"""
import os
import sys

import botocore.serialize
import botocore.session

TRAFFIC_POLICY_DOCUMENT = (
    '{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A",'
    '"Endpoints":{"e1":{"Type":"value","Value":"192.0.2.1"}},"StartEndpoint":"e1"}'
)

REQUESTS = {
    "CreateTrafficPolicy": {
        "Name": "my-policy",
        "Document": TRAFFIC_POLICY_DOCUMENT,
        "Comment": "first <version> & \"quotes\"",
    },
    "CreateTrafficPolicyVersion": {
        "Id": "12345678-1234-1234-1234-123456789012",
        "Document": TRAFFIC_POLICY_DOCUMENT,
        "Comment": "second version",
    },
    "UpdateTrafficPolicyComment": {
        "Id": "12345678-1234-1234-1234-123456789012",
        "Version": 2,
        "Comment": "renamed",
    },
    "CreateTrafficPolicyInstance": {
        "HostedZoneId": "Z1D633PJN98FT9",
        "Name": "www.example.com",
        "TTL": 300,
        "TrafficPolicyId": "12345678-1234-1234-1234-123456789012",
        "TrafficPolicyVersion": 1,
    },
    "UpdateTrafficPolicyInstance": {
        "Id": "abcdef01-2345-6789-abcd-ef0123456789",
        "TTL": 60,
        "TrafficPolicyId": "12345678-1234-1234-1234-123456789012",
        "TrafficPolicyVersion": 3,
    },
    "CreateHostedZone": {
        "Name": "example.com",
        "CallerReference": "ref-2026-11-27",
        "HostedZoneConfig": {"Comment": "test zone", "PrivateZone": False},
        "DelegationSetId": "N1PA6795SAMPLE",
    },
    "CreateHostedZone-private": {
        "Name": "internal.example.",
        "VPC": {"VPCRegion": "eu-west-1", "VPCId": "vpc-1a2b3c4d"},
        "CallerReference": "ref-private",
        "HostedZoneConfig": {"PrivateZone": True},
    },
    "ChangeResourceRecordSets": {
        "HostedZoneId": "Z1D633PJN98FT9",
        "ChangeBatch": {
            "Comment": "every ResourceRecordSet member",
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "w.example.com.",
                        "Type": "A",
                        "SetIdentifier": "weighted-1",
                        "Weight": 10,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "192.0.2.1"}, {"Value": "192.0.2.2"}],
                        "HealthCheckId": "abcdef11-2222-3333-4444-555555fedcba",
                    },
                },
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "f.example.com.",
                        "Type": "A",
                        "SetIdentifier": "primary",
                        "Failover": "PRIMARY",
                        "AliasTarget": {
                            "HostedZoneId": "Z2FDTNDATAQYW2",
                            "DNSName": "d111111abcdef8.cloudfront.net.",
                            "EvaluateTargetHealth": True,
                        },
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "g.example.com.",
                        "Type": "TXT",
                        "SetIdentifier": "us-wa",
                        "GeoLocation": {"CountryCode": "US", "SubdivisionCode": "WA"},
                        "TTL": 300,
                        "ResourceRecords": [{"Value": '"v=spf1 -all"'}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "g.example.com.",
                        "Type": "TXT",
                        "SetIdentifier": "europe",
                        "GeoLocation": {"ContinentCode": "EU"},
                        "TTL": 300,
                        "ResourceRecords": [{"Value": '"eu"'}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "l.example.com.",
                        "Type": "AAAA",
                        "SetIdentifier": "eu-west-1",
                        "Region": "eu-west-1",
                        "TTL": 30,
                        "ResourceRecords": [{"Value": "2001:db8::1"}],
                    },
                },
                {
                    "Action": "DELETE",
                    "ResourceRecordSet": {
                        "Name": "m.example.com.",
                        "Type": "A",
                        "SetIdentifier": "mv-1",
                        "MultiValueAnswer": True,
                        "TTL": 0,
                        "ResourceRecords": [{"Value": "198.51.100.7"}],
                        "HealthCheckId": "abcdef11-2222-3333-4444-555555fedcba",
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "p.example.com.",
                        "Type": "A",
                        "SetIdentifier": "gp-1",
                        "GeoProximityLocation": {
                            "Coordinates": {"Latitude": "49.22", "Longitude": "-74.01"},
                            "Bias": -10,
                        },
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "203.0.113.9"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "p.example.com.",
                        "Type": "A",
                        "SetIdentifier": "gp-2",
                        "GeoProximityLocation": {
                            "AWSRegion": "us-east-1",
                            "Bias": 25,
                        },
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "203.0.113.10"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "p.example.com.",
                        "Type": "A",
                        "SetIdentifier": "gp-3",
                        "GeoProximityLocation": {"LocalZoneGroup": "us-west-2-lax-1"},
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "203.0.113.11"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "c.example.com.",
                        "Type": "CNAME",
                        "SetIdentifier": "cidr-1",
                        "CidrRoutingConfig": {
                            "CollectionId": "c8c02a84-aaaa-bbbb-cccc-0123456789ab",
                            "LocationName": "office",
                        },
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "office.example.net"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "tp.example.com.",
                        "Type": "A",
                        "TrafficPolicyInstanceId": "abcdef01-2345-6789-abcd-ef0123456789",
                    },
                },
            ],
        },
    },
    # botocore writes members in the caller's dict order, not the model's: the parser must
    # accept any order.
    "ChangeResourceRecordSets-reordered": {
        "ChangeBatch": {
            "Changes": [
                {
                    "ResourceRecordSet": {
                        "ResourceRecords": [{"Value": "192.0.2.9"}],
                        "TTL": 120,
                        "Type": "A",
                        "Name": "r.example.com.",
                    },
                    "Action": "UPSERT",
                },
            ],
            "Comment": "members out of model order",
        },
        "HostedZoneId": "Z1D633PJN98FT9",
    },
    "CreateHealthCheck": {
        "CallerReference": "hc-ref-1",
        "HealthCheckConfig": {
            "IPAddress": "192.0.2.44",
            "Port": 8443,
            "Type": "HTTPS_STR_MATCH",
            "ResourcePath": "/health?full=1",
            "FullyQualifiedDomainName": "app.example.com",
            "SearchString": "OK",
            "RequestInterval": 10,
            "FailureThreshold": 2,
            "MeasureLatency": True,
            "Inverted": False,
            "Disabled": False,
            "EnableSNI": True,
            "Regions": ["us-east-1", "eu-west-1", "ap-southeast-2"],
        },
    },
    "CreateHealthCheck-http": {
        "CallerReference": "hc-ref-3",
        "HealthCheckConfig": {
            "Type": "HTTP_STR_MATCH",
            "FullyQualifiedDomainName": "www.example.com",
            "ResourcePath": "/",
            "SearchString": "welcome",
        },
    },
    "CreateHealthCheck-calculated": {
        "CallerReference": "hc-ref-2",
        "HealthCheckConfig": {
            "Type": "CALCULATED",
            "HealthThreshold": 1,
            "ChildHealthChecks": [
                "abcdef11-2222-3333-4444-555555fedcba",
                "abcdef11-2222-3333-4444-555555fedcbb",
            ],
            "Inverted": True,
        },
    },
    "CreateHealthCheck-cloudwatch": {
        "CallerReference": "hc-ref-4",
        "HealthCheckConfig": {
            "Type": "CLOUDWATCH_METRIC",
            "AlarmIdentifier": {"Region": "us-east-1", "Name": "my-alarm"},
            "InsufficientDataHealthStatus": "LastKnownStatus",
        },
    },
    "CreateHealthCheck-recovery": {
        "CallerReference": "hc-ref-5",
        "HealthCheckConfig": {
            "Type": "RECOVERY_CONTROL",
            "RoutingControlArn": "arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/def",
        },
    },
    "UpdateHealthCheck": {
        "HealthCheckId": "abcdef11-2222-3333-4444-555555fedcba",
        "HealthCheckVersion": 3,
        "IPAddress": "192.0.2.45",
        "Port": 80,
        "SearchString": "healthy",
        "FailureThreshold": 5,
        "Inverted": True,
        "Disabled": True,
        "HealthThreshold": 2,
        "ChildHealthChecks": ["abcdef11-2222-3333-4444-555555fedcbc"],
        "EnableSNI": False,
        "AlarmIdentifier": {"Region": "eu-west-1", "Name": "other-alarm"},
        "InsufficientDataHealthStatus": "Unhealthy",
        "ResetElements": ["FullyQualifiedDomainName", "Regions", "ResourcePath"],
    },
    "ChangeTagsForResource": {
        "ResourceType": "hostedzone",
        "ResourceId": "Z1D633PJN98FT9",
        "AddTags": [
            {"Key": "Name", "Value": "web <1> & \"co\""},
            {"Key": "env:prod/ü", "Value": ""},
            {"Key": "flag"},
        ],
        "RemoveTagKeys": ["old", "Old"],
    },
    "ChangeTagsForResource-remove": {
        "ResourceType": "healthcheck",
        "ResourceId": "abcdef11-2222-3333-4444-555555fedcba",
        "RemoveTagKeys": ["Name"],
    },
    "ListTagsForResources": {
        "ResourceType": "healthcheck",
        "ResourceIds": [
            "abcdef11-2222-3333-4444-555555fedcba",
            "abcdef11-2222-3333-4444-555555fedcbb",
        ],
    },
    "CreateCidrCollection": {
        "Name": "offices-eu",
        "CallerReference": "cidr-ref-1",
    },
    # botocore writes the unnamed items of Changes as <member>, those of CidrList as <Cidr>.
    "ChangeCidrCollection": {
        "Id": "0f3c7a5e-1111-4222-8333-444455556666",
        "CollectionVersion": 3,
        "Changes": [
            {
                "LocationName": "fra",
                "Action": "PUT",
                "CidrList": ["192.0.2.0/24", "2001:db8::/32"],
            },
            {
                "LocationName": "ams",
                "Action": "DELETE_IF_EXISTS",
                "CidrList": ["192.0.2.0/24"],
            },
        ],
    },
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "requests")
    os.makedirs(out, exist_ok=True)
    model = botocore.session.get_session().get_service_model("route53")
    serializer = botocore.serialize.create_serializer("rest-xml")
    for key, params in REQUESTS.items():
        operation = key.split("-")[0]
        request = serializer.serialize_to_request(params, model.operation_model(operation))
        body = request["body"]
        if isinstance(body, str):
            body = body.encode("utf-8")
        with open(os.path.join(out, key + ".xml"), "wb") as f:
            f.write(body)
        print(f"{key}: {request['method']} {request['url_path']} ({len(body)} bytes)")


if __name__ == "__main__":
    main()
