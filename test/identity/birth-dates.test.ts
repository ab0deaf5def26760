import { describe, expect, it } from 'vitest';
import { parseBirthDate } from '../../src/identity/birth-dates.ts';

const asOf = new Date('2026-11-20T12:00:00Z');

describe('parseBirthDate()', () => {
  it('reads the formats the sources write', () => {
    for (const text of [
      '1990-03-14',
      '1990/03/14',
      '1990.3.14',
      '19900314',
      '03/14/1990',
      '3/14/90',
      'March 14, 1990',
      '14 Mar 1990',
      '1990-03-14T05:00:00.000Z',
      '1990-03-14 00:00:00',
    ]) {
      expect(parseBirthDate(text, asOf), text).toEqual({ date: '1990-03-14', alt: null, status: 'ok' });
    }
  });

  it('keeps both readings of a date whose day and month could be either way round', () => {
    expect(parseBirthDate('03/04/1990', asOf)).toEqual({
      date: '1990-03-04',
      alt: '1990-04-03',
      status: 'ambiguous',
    });
    expect(parseBirthDate('4/5/07', asOf)).toEqual({
      date: '2007-04-05',
      alt: '2007-05-04',
      status: 'ambiguous',
    });
  });

  it('reads day first when the first number cannot be a month, and once when both readings agree', () => {
    expect(parseBirthDate('25/12/1985', asOf)).toEqual({ date: '1985-12-25', alt: null, status: 'ok' });
    expect(parseBirthDate('06/06/1985', asOf)).toEqual({ date: '1985-06-06', alt: null, status: 'ok' });
  });

  it('puts a two-digit year in the latest century that is not in the future', () => {
    expect(parseBirthDate('12/25/26', asOf).date).toBe('1926-12-25');
    expect(parseBirthDate('11/01/26', asOf).date).toBe('2026-11-01');
    expect(parseBirthDate('12/25/19', asOf).date).toBe('2019-12-25');
  });

  it('reads historical dates from 1800 on as evidence', () => {
    expect(parseBirthDate('1856-07-03', asOf)).toEqual({ date: '1856-07-03', alt: null, status: 'ok' });
    expect(parseBirthDate('18990214', asOf).date).toBe('1899-02-14');
    expect(parseBirthDate('1900-01-02', asOf).date).toBe('1900-01-02');
  });

  it('rejects impossible dates, placeholders, future dates and text', () => {
    for (const text of [
      '02/30/1990',
      '1900-01-01',
      '1901-01-01',
      '1899-12-31',
      '0001-01-01',
      '1799-05-02',
      '2030-01-01',
      'unknown',
      '13/13/1990',
    ]) {
      expect(parseBirthDate(text, asOf).status, text).toBe('invalid');
    }
    expect(parseBirthDate('  ', asOf).status).toBe('empty');
    expect(parseBirthDate(null, asOf).status).toBe('empty');
  });

  it('keeps a date written to the month or the year only as a partial date, never given a day', () => {
    for (const text of [
      'Jan 1894',
      'January 1894',
      'jan. 1894',
      'Jan, 1894',
      'Jan-1894',
      '1894-01',
      '1894/1',
      '01/1894',
      '1/1894',
    ]) {
      expect(parseBirthDate(text, asOf), text).toEqual({
        date: null,
        alt: null,
        status: 'partial',
        partial: '1894-01',
      });
    }
    expect(parseBirthDate('Sept 1990', asOf).partial).toBe('1990-09');
    expect(parseBirthDate('1894', asOf)).toEqual({
      date: null,
      alt: null,
      status: 'partial',
      partial: '1894',
    });
  });

  it('rejects partial dates that are impossible, in the future or a placeholder year', () => {
    for (const text of [
      '13/1894',
      '1894-13',
      'Foo 1894',
      'Jan 1799',
      'Dec 2026',
      '2027',
      '1900',
      '1901',
      'Jan 94',
    ]) {
      expect(parseBirthDate(text, asOf).status, text).toBe('invalid');
    }
    expect(parseBirthDate('Nov 2026', asOf).partial).toBe('2026-11');
  });
});
