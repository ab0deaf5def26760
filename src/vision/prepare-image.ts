import sharp from 'sharp';

/** The media types the Messages API takes, and its published limits for one base64 image. */
const MEDIA_TYPES = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' } as const;
export type ImageMediaType = (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES];
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGE_SIDE_PX = 8000;

export type PreparedImage =
  | { ok: true; bytes: Buffer; mediaType: ImageMediaType; resized: boolean }
  | { ok: false; reason: string };

/**
 * An image ready for the API: its media type read from the bytes (never from the header the server
 * sent), and, when over 5 MB or 8000 px on a side, scaled down and re-encoded as JPEG with sharp.
 * An image that is not one of the API's formats, or still too large, is skipped with the reason.
 */
export async function prepareImage(bytes: Buffer): Promise<PreparedImage> {
  const metadata = await sharp(bytes)
    .metadata()
    .catch(() => undefined);
  const format = metadata?.format;
  if (!format || !(format in MEDIA_TYPES))
    return { ok: false, reason: `not an image the API takes (${format ?? 'unrecognised bytes'})` };
  const mediaType = MEDIA_TYPES[format as keyof typeof MEDIA_TYPES];
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (bytes.length <= MAX_IMAGE_BYTES && width <= MAX_IMAGE_SIDE_PX && height <= MAX_IMAGE_SIDE_PX)
    return { ok: true, bytes, mediaType, resized: false };
  for (
    let side = Math.min(MAX_IMAGE_SIDE_PX, Math.max(width, height));
    side >= 500;
    side = Math.floor(side / 2)
  ) {
    const smaller = await sharp(bytes)
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
    if (smaller.length <= MAX_IMAGE_BYTES)
      return { ok: true, bytes: smaller, mediaType: 'image/jpeg', resized: true };
  }
  return {
    ok: false,
    reason: `image of ${bytes.length} bytes, ${width}×${height} px, could not be brought under 5 MB`,
  };
}
