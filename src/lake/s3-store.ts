import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { LakeLocation } from '../config.ts';

export interface RemoteObject {
  /** Key relative to the lake prefix, e.g. `core/customer_master.parquet`. */
  key: string;
  etag: string;
  size: number;
}

type S3Location = Extract<LakeLocation, { kind: 's3' }>;

/** S3's minimum part size; a file smaller than this goes up as a single part. */
const partSize = 8 * 1024 * 1024;

/** The S3 side of a lake: whole-object puts, ETag listings, downloads and server-side copies. */
export class S3Store {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(location: S3Location) {
    this.bucket = location.bucket;
    this.prefix = location.prefix ? `${location.prefix.replace(/\/+$/, '')}/` : '';
    this.client = new S3Client({
      region: location.region,
      ...(location.endpoint ? { endpoint: location.endpoint, forcePathStyle: true } : {}),
      ...(location.credentials ? { credentials: location.credentials } : {}),
      // Default checksums stream the body with aws-chunked framing, which some S3-compatible stores
      // keep inside the object; whole-object puts with a length stay byte-exact everywhere.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  /**
   * Uploads a whole file as a multipart upload, which the store publishes only on completion. A
   * plain PUT is atomic on AWS but not on every S3-compatible store (s3rver truncates the old object
   * as soon as a PUT starts), so a failed upload must never be able to touch the current object.
   */
  async putFile(key: string, file: string, contentType = 'application/vnd.apache.parquet'): Promise<string> {
    const Key = this.prefix + key;
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key,
        ContentType: contentType,
      }),
    );
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(partSize);
        for (let PartNumber = 1; ; PartNumber++) {
          const { bytesRead } = await handle.read(buffer, 0, partSize, null);
          if (bytesRead === 0 && PartNumber > 1) break;
          const result = await this.client.send(
            new UploadPartCommand({
              Bucket: this.bucket,
              Key,
              UploadId,
              PartNumber,
              Body: buffer.subarray(0, bytesRead),
            }),
          );
          parts.push({ ETag: result.ETag ?? '', PartNumber });
          if (bytesRead < partSize) break;
        }
      } finally {
        await handle.close();
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }))
        .catch(() => {});
      throw error;
    }
    // The listing's ETag is what sync compares against, so record that one.
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
    return normaliseEtag(head.ETag);
  }

  async downloadTo(key: string, file: string): Promise<void> {
    const result = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
    );
    if (!(result.Body instanceof Readable)) throw new Error(`${this.describe(key)} returned no body`);
    await pipeline(result.Body, createWriteStream(file));
  }

  async list(under = ''): Promise<RemoteObject[]> {
    const objects: RemoteObject[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + under,
          ContinuationToken: continuationToken,
        }),
      );
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        objects.push({
          key: item.Key.slice(this.prefix.length),
          etag: normaliseEtag(item.ETag),
          size: item.Size ?? 0,
        });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return objects;
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        CopySource: encodeURI(`${this.bucket}/${this.prefix}${fromKey}`),
        Key: this.prefix + toKey,
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  destroy(): void {
    this.client.destroy();
  }
}

function normaliseEtag(etag: string | undefined): string {
  return (etag ?? '').replaceAll('"', '');
}
