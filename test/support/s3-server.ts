import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { LakeLocation } from '../../src/config.ts';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  location(prefix: string, cacheDir: string): Extract<LakeLocation, { kind: 's3' }>;
  stop(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on 127.0.0.1 at a random port, with one bucket. */
export async function startS3(bucket = 'basin-test'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'basin-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    location: (prefix, cacheDir) => ({
      kind: 's3',
      bucket,
      prefix,
      cacheDir,
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy in front of a server that can be told to cut every connection after a number of
 * request bytes, so an upload dies half-way as it would on a flaky network.
 */
export async function startCuttingProxy(
  target: string,
): Promise<{ endpoint: string; cutAfter(bytes: number | undefined): void; stop(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let cutAfter: number | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = new Socket();
    sockets.add(upstream);
    let forwarded = 0;
    upstream.connect(Number(port), hostname);
    client.on('data', (chunk: Buffer) => {
      if (cutAfter !== undefined && forwarded + chunk.length > cutAfter) {
        upstream.write(chunk.subarray(0, Math.max(cutAfter - forwarded, 0)));
        client.destroy();
        upstream.destroy();
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    cutAfter(bytes) {
      cutAfter = bytes;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
