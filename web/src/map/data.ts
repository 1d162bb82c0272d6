// Offline map shapes for the coverage map: world-atlas countries (Natural Earth 1:110m) and
// us-atlas states (1:10m), converted from TopoJSON to GeoJSON and keyed by the codes Route 53
// uses (ISO 3166-1 alpha-2 for countries, USPS codes for US states).
//
// The atlas JSON is loaded with a dynamic `import()`, so the bundler puts it in its own chunk,
// fetched only when a map is first shown.

import { feature } from 'topojson-client';
import type { Feature, Geometry } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';

/**
 * ISO 3166-1 numeric code (three digits, as world-atlas spells feature ids) to alpha-2.
 * All 249 officially assigned codes; Kosovo has no numeric code and is matched by name.
 */
export const NUMERIC_TO_ALPHA2: Readonly<Record<string, string>> = Object.freeze({
  '004': 'AF', '008': 'AL', '010': 'AQ', '012': 'DZ', '016': 'AS', '020': 'AD', '024': 'AO', '028': 'AG',
  '031': 'AZ', '032': 'AR', '036': 'AU', '040': 'AT', '044': 'BS', '048': 'BH', '050': 'BD', '051': 'AM',
  '052': 'BB', '056': 'BE', '060': 'BM', '064': 'BT', '068': 'BO', '070': 'BA', '072': 'BW', '074': 'BV',
  '076': 'BR', '084': 'BZ', '086': 'IO', '090': 'SB', '092': 'VG', '096': 'BN', '100': 'BG', '104': 'MM',
  '108': 'BI', '112': 'BY', '116': 'KH', '120': 'CM', '124': 'CA', '132': 'CV', '136': 'KY', '140': 'CF',
  '144': 'LK', '148': 'TD', '152': 'CL', '156': 'CN', '158': 'TW', '162': 'CX', '166': 'CC', '170': 'CO',
  '174': 'KM', '175': 'YT', '178': 'CG', '180': 'CD', '184': 'CK', '188': 'CR', '191': 'HR', '192': 'CU',
  '196': 'CY', '203': 'CZ', '204': 'BJ', '208': 'DK', '212': 'DM', '214': 'DO', '218': 'EC', '222': 'SV',
  '226': 'GQ', '231': 'ET', '232': 'ER', '233': 'EE', '234': 'FO', '238': 'FK', '239': 'GS', '242': 'FJ',
  '246': 'FI', '248': 'AX', '250': 'FR', '254': 'GF', '258': 'PF', '260': 'TF', '262': 'DJ', '266': 'GA',
  '268': 'GE', '270': 'GM', '275': 'PS', '276': 'DE', '288': 'GH', '292': 'GI', '296': 'KI', '300': 'GR',
  '304': 'GL', '308': 'GD', '312': 'GP', '316': 'GU', '320': 'GT', '324': 'GN', '328': 'GY', '332': 'HT',
  '334': 'HM', '336': 'VA', '340': 'HN', '344': 'HK', '348': 'HU', '352': 'IS', '356': 'IN', '360': 'ID',
  '364': 'IR', '368': 'IQ', '372': 'IE', '376': 'IL', '380': 'IT', '384': 'CI', '388': 'JM', '392': 'JP',
  '398': 'KZ', '400': 'JO', '404': 'KE', '408': 'KP', '410': 'KR', '414': 'KW', '417': 'KG', '418': 'LA',
  '422': 'LB', '426': 'LS', '428': 'LV', '430': 'LR', '434': 'LY', '438': 'LI', '440': 'LT', '442': 'LU',
  '446': 'MO', '450': 'MG', '454': 'MW', '458': 'MY', '462': 'MV', '466': 'ML', '470': 'MT', '474': 'MQ',
  '478': 'MR', '480': 'MU', '484': 'MX', '492': 'MC', '496': 'MN', '498': 'MD', '499': 'ME', '500': 'MS',
  '504': 'MA', '508': 'MZ', '512': 'OM', '516': 'NA', '520': 'NR', '524': 'NP', '528': 'NL', '531': 'CW',
  '533': 'AW', '534': 'SX', '535': 'BQ', '540': 'NC', '548': 'VU', '554': 'NZ', '558': 'NI', '562': 'NE',
  '566': 'NG', '570': 'NU', '574': 'NF', '578': 'NO', '580': 'MP', '581': 'UM', '583': 'FM', '584': 'MH',
  '585': 'PW', '586': 'PK', '591': 'PA', '598': 'PG', '600': 'PY', '604': 'PE', '608': 'PH', '612': 'PN',
  '616': 'PL', '620': 'PT', '624': 'GW', '626': 'TL', '630': 'PR', '634': 'QA', '638': 'RE', '642': 'RO',
  '643': 'RU', '646': 'RW', '652': 'BL', '654': 'SH', '659': 'KN', '660': 'AI', '662': 'LC', '663': 'MF',
  '666': 'PM', '670': 'VC', '674': 'SM', '678': 'ST', '682': 'SA', '686': 'SN', '688': 'RS', '690': 'SC',
  '694': 'SL', '702': 'SG', '703': 'SK', '704': 'VN', '705': 'SI', '706': 'SO', '710': 'ZA', '716': 'ZW',
  '724': 'ES', '728': 'SS', '729': 'SD', '732': 'EH', '740': 'SR', '744': 'SJ', '748': 'SZ', '752': 'SE',
  '756': 'CH', '760': 'SY', '762': 'TJ', '764': 'TH', '768': 'TG', '772': 'TK', '776': 'TO', '780': 'TT',
  '784': 'AE', '788': 'TN', '792': 'TR', '795': 'TM', '796': 'TC', '798': 'TV', '800': 'UG', '804': 'UA',
  '807': 'MK', '818': 'EG', '826': 'GB', '831': 'GG', '832': 'JE', '833': 'IM', '834': 'TZ', '840': 'US',
  '850': 'VI', '854': 'BF', '858': 'UY', '860': 'UZ', '862': 'VE', '876': 'WF', '882': 'WS', '887': 'YE',
  '894': 'ZM',
});

/** Atlas features that have no ISO numeric id but do have a Route 53 country code, by atlas name. */
const ALPHA2_BY_NAME: Readonly<Record<string, string>> = Object.freeze({ Kosovo: 'XK' });

/**
 * US state FIPS code (two digits, as us-atlas spells feature ids) to USPS code. The five
 * inhabited territories are included; Route 53 treats them as countries, not US subdivisions.
 */
export const FIPS_TO_USPS: Readonly<Record<string, string>> = Object.freeze({
  '01': 'AL', '02': 'AK', '04': 'AZ', '05': 'AR', '06': 'CA', '08': 'CO', '09': 'CT', '10': 'DE',
  '11': 'DC', '12': 'FL', '13': 'GA', '15': 'HI', '16': 'ID', '17': 'IL', '18': 'IN', '19': 'IA',
  '20': 'KS', '21': 'KY', '22': 'LA', '23': 'ME', '24': 'MD', '25': 'MA', '26': 'MI', '27': 'MN',
  '28': 'MS', '29': 'MO', '30': 'MT', '31': 'NE', '32': 'NV', '33': 'NH', '34': 'NJ', '35': 'NM',
  '36': 'NY', '37': 'NC', '38': 'ND', '39': 'OH', '40': 'OK', '41': 'OR', '42': 'PA', '44': 'RI',
  '45': 'SC', '46': 'SD', '47': 'TN', '48': 'TX', '49': 'UT', '50': 'VT', '51': 'VA', '53': 'WA',
  '54': 'WV', '55': 'WI', '56': 'WY', '60': 'AS', '66': 'GU', '69': 'MP', '72': 'PR', '78': 'VI',
});

/** USPS codes of US territories, which Route 53 handles as countries with the same alpha-2 code. */
export const US_TERRITORIES: ReadonlySet<string> = new Set(['AS', 'GU', 'MP', 'PR', 'VI']);

interface AtlasFeatureLike {
  id?: string | number;
  properties?: { name?: string } | null;
}

/** The alpha-2 code of a world-atlas feature, or null (N. Cyprus, Somaliland, unknown ids). */
export function alpha2ForFeature(f: AtlasFeatureLike): string | null {
  if (f.id !== undefined && f.id !== null) {
    const id = String(f.id).padStart(3, '0');
    return NUMERIC_TO_ALPHA2[id] ?? null;
  }
  const name = f.properties?.name;
  return name ? (ALPHA2_BY_NAME[name] ?? null) : null;
}

/** The USPS code of a us-atlas state feature id, or null. */
export function uspsForFips(id: string | number | undefined | null): string | null {
  if (id === undefined || id === null) return null;
  return FIPS_TO_USPS[String(id).padStart(2, '0')] ?? null;
}

/** One drawable shape. */
export interface Shape {
  /** Alpha-2 country code (or the USPS code for a US state), null when Route 53 has no code. */
  code: string | null;
  /** Name as the atlas spells it, used when the coverage has no entry for the shape. */
  name: string;
  feature: Feature<Geometry, { name?: string }>;
}

export interface MapShapes {
  /** world-atlas countries, one per feature (177 at 1:110m). */
  countries: Shape[];
  /** 50 states and DC, `code` = USPS code. */
  states: Shape[];
  /** us-atlas territories (Puerto Rico, Guam, ...), `code` = their Route 53 country code. */
  territories: Shape[];
}

type NamedTopology = Topology<{ [k: string]: GeometryCollection<{ name?: string }> }>;

function features(topo: NamedTopology, object: string): Feature<Geometry, { name?: string }>[] {
  const o = topo.objects[object];
  if (!o) throw new Error(`the map data has no "${object}" object`);
  const fc = feature(topo, o);
  return 'features' in fc ? fc.features : [fc];
}

/** Converts the two atlases into shapes. Pure: exported for tests. */
export function buildShapes(world: unknown, us: unknown): MapShapes {
  const countries = features(world as NamedTopology, 'countries').map((f) => ({
    code: alpha2ForFeature(f),
    name: f.properties?.name ?? '',
    feature: f,
  }));
  const drawn = new Set(countries.map((c) => c.code));
  const states: Shape[] = [];
  const territories: Shape[] = [];
  for (const f of features(us as NamedTopology, 'states')) {
    const code = uspsForFips(f.id);
    const shape = { code, name: f.properties?.name ?? '', feature: f };
    if (code && US_TERRITORIES.has(code)) {
      // Puerto Rico is also a world-atlas country: draw it once.
      if (!drawn.has(code)) territories.push(shape);
    } else {
      states.push(shape);
    }
  }
  return { countries, states, territories };
}

let pending: Promise<MapShapes> | null = null;

/** Loads the atlases once (a separate chunk) and caches the result; a failed load can be retried. */
export function loadShapes(): Promise<MapShapes> {
  if (!pending) {
    pending = Promise.all([import('world-atlas/countries-110m.json'), import('us-atlas/states-10m.json')])
      .then(([w, u]) => buildShapes(w.default, u.default))
      .catch((e: unknown) => {
        pending = null;
        throw e;
      });
  }
  return pending;
}
