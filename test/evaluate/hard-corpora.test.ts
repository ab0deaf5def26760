import { describe, expect, it } from 'vitest';
import { hardCorpora } from '../../src/evaluate/hard-corpora.ts';

/** The address of an email field, written bare or as `Name <address>`. */
const address = (email: string) => (/<([^>]+)>/.exec(email)?.[1] ?? email).trim().toLowerCase();

describe('hardCorpora()', () => {
  const corpora = hardCorpora();

  it('gives every record a true person and every person a family', () => {
    for (const corpus of corpora) {
      for (const record of corpus.records) {
        const person = corpus.truth.get(record.record_id);
        expect(person).toBeDefined();
        expect(corpus.families.has(person!)).toBe(true);
      }
    }
  });

  it('never lets two people of different families own one email address', () => {
    // A provider issues an address once; only a family shares one. A shared address between
    // strangers would make truth that no resolver could reach.
    for (const corpus of corpora) {
      const owners = new Map<string, Set<string>>();
      for (const record of corpus.records) {
        if (!record.email) continue;
        const family = corpus.families.get(corpus.truth.get(record.record_id)!)!;
        const key = address(record.email);
        owners.set(key, (owners.get(key) ?? new Set()).add(family));
      }
      const shared = [...owners].filter(([, families]) => families.size > 1).map(([email]) => email);
      expect(shared, corpus.name).toEqual([]);
    }
  });

  it('gives each member of a family an email of their own beside the family one', () => {
    const families = corpora.find((c) => c.name.startsWith('c.'))!;
    const ownersOf = new Map<string, Set<string>>();
    for (const record of families.records) {
      if (!record.email) continue;
      const key = address(record.email);
      ownersOf.set(key, (ownersOf.get(key) ?? new Set()).add(families.truth.get(record.record_id)!));
    }
    const sharedInFamily = [...ownersOf].filter(([, people]) => people.size > 1);
    expect(sharedInFamily.length).toBeGreaterThan(0);
    for (const [email] of sharedInFamily) expect(email).toMatch(/\.family\d+@/);
  });
});
