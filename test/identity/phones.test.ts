import { describe, expect, it } from 'vitest';
import { parsePhoneKeysInParallel } from '../../src/identity/phone-workers.ts';
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

  it('validates on worker threads exactly as parsePhoneKey does, in order', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const national = `${200 + (i % 800)}555${String(i).padStart(4, '0')}`;
      keys.push(i % 3 === 0 ? `+1${national}` : i % 3 === 1 ? national : national.slice(3));
    }
    keys.push('+442079460958', '0000000000', '12345');
    const inThread = keys.map((key) => parsePhoneKey(key, 'US').e164);
    expect(await parsePhoneKeysInParallel(keys, 'US')).toEqual(inThread);
    expect(inThread.filter((e) => e === null).length).toBeGreaterThan(1000);
    expect(inThread.filter((e) => e !== null).length).toBeGreaterThan(1000);
  });
});
