import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEmulatorsOnThread,
  type ThreadedEmulators,
} from '../../../src/sandbox/emulators/emulator-thread.ts';
import { apiNames } from '../../../src/sandbox/emulators/index.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

describe('startEmulatorsOnThread', () => {
  let running: ThreadedEmulators;
  const asOf = new Date('2026-11-18T12:00:00Z');

  beforeAll(async () => {
    running = await startEmulatorsOnThread({ size: 'tiny', asOf: asOf.toISOString(), ports: {} });
  });
  afterAll(() => running.close());

  it('serves the same gym as one generated here, at the clock it was given', async () => {
    const gym = generateGym({ size: 'tiny' });
    const env = running.env;
    const response = await fetch(`${env.CAPITAN_API_URL}customers/?page_size=1`, {
      headers: { authorization: `token ${env.CAPITAN_API_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { count: number };
    expect(page.count).toBe(gym.capitan.customers(asOf).length);
    expect(running.clock.toISOString()).toBe(asOf.toISOString());
    for (const name of apiNames) {
      const body = (await (await fetch(`${running.urls[name]}/__sandbox/clock`)).json()) as { clock: string };
      expect(body.clock, name).toBe(asOf.toISOString());
    }
  });

  it("takes the gym's own as-of date when given no clock", async () => {
    const other = await startEmulatorsOnThread({ size: 'tiny', ports: {} });
    try {
      expect(other.clock.toISOString()).toBe(generateGym({ size: 'tiny' }).asOf.toISOString());
    } finally {
      await other.close();
    }
  });

  it('rejects naming the address when a requested port is taken, and leaves no thread behind', async () => {
    const taken = Number(new URL(running.urls.stripe).port);
    await expect(startEmulatorsOnThread({ size: 'tiny', ports: { stripe: taken } })).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: expect.stringMatching(/EADDRINUSE.*127\.0\.0\.1/),
    });
  });

  it('closes every port when closed', async () => {
    const other = await startEmulatorsOnThread({ size: 'tiny', ports: {} });
    await other.close();
    for (const name of apiNames) await expect(fetch(`${other.urls[name]}/__sandbox/clock`)).rejects.toThrow();
  });
});
