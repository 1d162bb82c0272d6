import { describe, expect, it } from 'vitest';
import { deriveToken } from './api';

describe('bearer token', () => {
  // The value the server computes (crates/api/src/keys.rs, `bearer_token`) for this pair, as
  // HMAC-SHA256 gives it: echo -n 'flowdns-bearer-v1:AKIDEXAMPLE' | openssl dgst -sha256 -hmac 'secret'.
  it('is the access key id and the hex HMAC of the context string', () => {
    expect(deriveToken('AKIDEXAMPLE', 'secret')).toBe('AKIDEXAMPLE.' + EXPECTED);
  });
  it('differs with the secret and with the key id', () => {
    expect(deriveToken('AKIDEXAMPLE', 'secret2')).not.toBe(deriveToken('AKIDEXAMPLE', 'secret'));
    expect(deriveToken('AKIDOTHER', 'secret').split('.')[1]).not.toBe(EXPECTED);
  });
  it('takes non-ASCII secrets as UTF-8', () => {
    expect(deriveToken('k', 'sécret')).toMatch(/^k\.[0-9a-f]{64}$/);
  });
});

const EXPECTED = '3b54ef9e92e7f0d13014d12ab5420d578801a4a87a2865189f0fcd62aff860f4';
