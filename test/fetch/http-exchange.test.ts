import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { exchange } from '../../src/fetch/http-exchange.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = { method: 'GET' as const, headers: { authorization: 'token secret' }, timeoutMs: 2_000 };

describe('exchange', () => {
  it('asks for a compressed answer and inflates it, a byte order mark dropped', async () => {
    const origin = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'x-asked': String(req.headers['accept-encoding']) });
      res.end(gzipSync(Buffer.from('\uFEFF{"name":"Zoë"}', 'utf8')));
    });
    const answer = await exchange(new URL(`${origin}/a`), get);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-asked']).toBe('gzip, deflate, br');
    expect(answer.text).toBe('{"name":"Zoë"}');
  });

  it('follows redirects, sending credentials to the same origin only', async () => {
    const seen: (string | undefined)[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.end('{"at":"other"}');
    });
    const origin = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/first') res.writeHead(301, { location: '/second' }).end();
      else res.writeHead(307, { location: `${other}/third` }).end();
    });
    const answer = await exchange(new URL(`${origin}/first`), get);
    expect(answer.text).toBe('{"at":"other"}');
    expect(seen).toEqual(['token secret', 'token secret', undefined]);
  });

  it('aborts an answer slower than the timeout, and a body cut short fails', async () => {
    const slow = await serve((_req, res) => {
      setTimeout(() => res.end('{}'), 1_000);
    });
    await expect(exchange(new URL(slow), { ...get, timeoutMs: 100 })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const cut = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(exchange(new URL(cut), get)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
