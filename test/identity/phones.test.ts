import { describe, expect, it } from 'vitest';
import { parsePhoneKey, phoneKey } from '../../src/identity/phones.ts';

const e164 = (raw: string) => {
  const key = phoneKey(raw);
  return key === null ? null : parsePhoneKey(key).e164;
};

describe('phones', () => {
  it('reads every way a front desk writes a US number as one E.164 number', () => {
    for (const raw of [
      '(254) 555-0134',
      '254-555-0134',
      '254.555.0134',
      '2545550134',
      '+12545550134',
      '+1 254 555 0134',
      '1 254 555 0134',
    ]) {
      expect(e164(raw), raw).toBe('+12545550134');
    }
  });

  it('keeps foreign numbers with their country code and drops extensions', () => {
    expect(e164('+44 20 7946 0958')).toBe('+442079460958');
    expect(e164('(254) 555-0134 ext. 12')).toBe('+12545550134');
  });

  it('rejects numbers the library finds invalid', () => {
    expect(e164('555-0134')).toBeNull();
    expect(e164('12345')).toBeNull();
    expect(e164('(000) 000-0000')).toBeNull();
    expect(phoneKey('n/a')).toBeNull();
  });
});
