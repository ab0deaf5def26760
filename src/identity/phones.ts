import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneStatus = 'ok' | 'invalid';

export interface ParsedPhone {
  /** E.164, e.g. `+15125550134`. */
  e164: string | null;
  status: PhoneStatus;
}

/**
 * The text a phone number is parsed from: digits, with a leading `+` kept and an extension cut off.
 * Formatting (`(512) 555-0134`, `512.555.0134`) is noise, so numbers that differ only in it are
 * parsed once.
 */
export function phoneKey(raw: string | null | undefined): string | null {
  const text = (raw ?? '')
    .trim()
    .toLowerCase()
    .replace(/\s*(?:ext\.?|extension|x|#)\s*\d+$/, '');
  const digits = text.replace(/[^0-9]/g, '');
  if (digits === '') return null;
  if (text.startsWith('+')) return `+${digits}`;
  // 00 is the international call prefix outside North America: 0044 20 7946 0958 is +44 20 7946 0958.
  return digits.startsWith('00') && digits.length > 10 ? `+${digits.slice(2)}` : digits;
}

/** Validates a phone key with the full libphonenumber metadata; numbers without a `+` are in `region`. */
export function parsePhoneKey(key: string, region: CountryCode = 'US'): ParsedPhone {
  const parsed = parsePhoneNumberFromString(key, region);
  return parsed?.isValid() ? { e164: parsed.number, status: 'ok' } : { e164: null, status: 'invalid' };
}
