import { describe, expect, it } from 'vitest';
import { BASE_COLOURS, NO_ANSWER, NO_DATA, TEXT, coloursById, endpointColour } from './palette';

// sRGB hex to linear RGB.
function linear(hex: string): [number, number, number] {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return c.map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = linear(hex);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a) + 0.05, luminance(b) + 0.05];
  return Math.max(x, y) / Math.min(x, y);
}

// Dichromacy simulation matrices (Machado, Oliveira and Fernandes 2009, severity 1), on linear RGB.
const SIMULATIONS: Record<string, number[][] | null> = {
  normal: null,
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
};

function lab(rgb: number[]): [number, number, number] {
  const [r, g, b] = rgb.map((v) => Math.min(1, Math.max(0, v)));
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function seen(hex: string, m: number[][] | null): [number, number, number] {
  const c = linear(hex);
  return lab(m ? m.map((row) => row[0] * c[0] + row[1] * c[1] + row[2] * c[2]) : c);
}

function deltaE(a: number[], b: number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

describe('endpoint palette', () => {
  it('is deterministic and well formed', () => {
    const first = Array.from({ length: 64 }, (_, i) => endpointColour(i));
    const second = Array.from({ length: 64 }, (_, i) => endpointColour(i));
    expect(second).toEqual(first);
    for (const c of first) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(first).size).toBe(64);
    expect(first).not.toContain(NO_ANSWER);
    expect(first).not.toContain(NO_DATA);
  });

  it('has at least twelve hand-picked colours', () => {
    expect(BASE_COLOURS).toBeGreaterThanOrEqual(12);
  });

  it('keeps dark text readable on every colour (WCAG AA, 4.5:1)', () => {
    for (let i = 0; i < 64; i++) expect([i, contrast(endpointColour(i), TEXT) >= 4.5]).toEqual([i, true]);
    expect(contrast(NO_ANSWER, TEXT)).toBeGreaterThanOrEqual(4.5);
  });

  for (const [name, m] of Object.entries(SIMULATIONS)) {
    it(`keeps the first twelve colours apart with ${name} vision`, () => {
      const cols = Array.from({ length: 12 }, (_, i) => seen(endpointColour(i), m));
      let min = Infinity;
      for (let i = 0; i < cols.length; i++) for (let j = i + 1; j < cols.length; j++) min = Math.min(min, deltaE(cols[i], cols[j]));
      expect(min).toBeGreaterThan(10);
    });
  }

  it('keeps endpoint colours away from the "no answer" grey with normal vision', () => {
    const grey = seen(NO_ANSWER, null);
    for (let i = 0; i < 12; i++) expect(deltaE(seen(endpointColour(i), null), grey)).toBeGreaterThan(15);
  });

  it('answers the "no answer" colour for indices that are not endpoints', () => {
    expect(endpointColour(-1)).toBe(NO_ANSWER);
    expect(endpointColour(1.5)).toBe(NO_ANSWER);
    expect(endpointColour(Number.NaN)).toBe(NO_ANSWER);
  });
});

describe('coloursById', () => {
  it('gives an id the same colour in every list and new ids the next slots', () => {
    const c = coloursById(['eu', 'us', 'ap'], ['us', 'sa', 'eu']);
    expect(c).toEqual({
      eu: endpointColour(0),
      us: endpointColour(1),
      ap: endpointColour(2),
      sa: endpointColour(3),
    });
  });

  it('matches the by-index colours of the first list', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const c = coloursById(ids);
    ids.forEach((id, i) => expect(c[id]).toBe(endpointColour(i)));
  });
});
