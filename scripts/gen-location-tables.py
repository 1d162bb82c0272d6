#!/usr/bin/env python3
# Regenerates crates/policy/src/tables.rs from ../shared/spec/route53-locations.md:
#   python3 scripts/gen-location-tables.py crates/policy/src/tables.rs
import re,sys
src=open(__import__('os').path.join(__import__('os').path.dirname(__file__),'..','..','shared','spec','route53-locations.md'),encoding='utf-8').read()
lines=src.splitlines()
def section(start, end):
    s=[i for i,l in enumerate(lines) if l.startswith(start)][0]
    e=[i for i,l in enumerate(lines) if i>s and l.startswith(end)][0]
    return [l for l in lines[s:e] if l.startswith('|') and not l.startswith('|---')][1:]
def cells(l): return [c.strip() for c in l.strip().strip('|').split('|')]
countries=[cells(l) for l in section('### 1.1','### 1.2')]
us=[cells(l) for l in section('### 3.1','### 3.2')]
ua=[cells(l) for l in section('### 3.2','Ukraine notes')]
regions=[cells(l) for l in section('### 4.1','Notes:')]
lz=[cells(l) for l in section('### 4.2','Latency records cannot')]
def q(s): return '"'+s.replace('\\','\\\\').replace('"','\\"')+'"'
out=[]
out.append('// Generated from the Route 53 location code tables; edit the tables, not this file by hand.\n')
out.append('#![allow(clippy::approx_constant)] // Kuala Lumpur sits at 3.14 degrees north.\n')
out.append('use crate::location::Continent;\nuse crate::codes::{CountryInfo, SubdivisionInfo, RegionInfo};\n')
out.append(f'/// The {len(countries)} country codes Route 53 geolocation accepts, sorted by code, with the continent Route 53 places each in.')
out.append('pub static COUNTRIES: &[CountryInfo] = &[')
for c in sorted(countries):
    out.append(f'    CountryInfo {{ code: {q(c[0])}, name: {q(c[1])}, continent: Continent::{c[2]} }},')
out.append('];\n')
subs=[('US',c[0],c[1]) for c in us]+[('UA',c[0],c[1]) for c in ua]
subs.sort()
out.append('/// Subdivision codes Route 53 geolocation accepts (United States and Ukraine), sorted by country then code.')
out.append('pub static SUBDIVISIONS: &[SubdivisionInfo] = &[')
for c,s,n in subs:
    out.append(f'    SubdivisionInfo {{ country: {q(c)}, code: {q(s)}, name: {q(n)} }},')
out.append('];\n')
out.append('/// The values of `ResourceRecordSetRegion`: latency rule regions and geoproximity `aws:route53:` regions, sorted by code.')
out.append('/// Coordinates are approximate city centres with two decimals; AWS does not publish the points it uses.')
out.append('pub static AWS_REGIONS: &[RegionInfo] = &[')
for r in sorted(regions):
    out.append(f'    RegionInfo {{ code: {q(r[0])}, name: {q(r[1])}, latitude: {float(r[3])}, longitude: {float(r[4])} }},')
out.append('];\n')
out.append('/// AWS Local Zones (geoproximity only, format 2023-05-09), sorted by zone name.')
out.append('pub static LOCAL_ZONES: &[RegionInfo] = &[')
for r in sorted(lz):
    out.append(f'    RegionInfo {{ code: {q(r[0])}, name: {q(r[4])}, latitude: {float(r[5])}, longitude: {float(r[6])} }},')
out.append('];')
open(sys.argv[1],'w',encoding='utf-8').write('\n'.join(out)+'\n')
print(len(countries),len(subs),len(regions),len(lz))
