import { ConfabClientError } from './errors.js';
import type { HttpClient } from './http.js';
import type { CallOptions } from './options.js';
import type { UploadedFile } from './types.js';

/** What {@link FilesApi.upload} accepts: bytes, a `Blob`/`File`, or text. */
export type FileData = Blob | ArrayBuffer | ArrayBufferView | string;

/** Options of {@link FilesApi.upload}. */
export interface UploadOptions extends CallOptions {
  /** The media type, e.g. `image/png`. Default: a Blob's own type, else `application/octet-stream`. */
  mediaType?: string;
  /** How long the token stays valid, 60–86 400 s. Server default 3 600 s. */
  ttlSeconds?: number;
  /** A file name for the model's benefit. Default: a File's own name. */
  name?: string;
}

/** `client.files`: uploads whose tokens go into a turn's `files`. */
export class FilesApi {
  /** @internal Created by the client. */
  constructor(private readonly http: HttpClient) {}

  /**
   * Uploads a file (raw body) and answers `{ fileToken, expiresAt, size }`. Not retried: a repeat
   * would store the file twice under two tokens.
   */
  async upload(data: FileData, options: UploadOptions = {}): Promise<UploadedFile> {
    const blobType = typeof Blob !== 'undefined' && data instanceof Blob ? data.type : '';
    const fileName = typeof File !== 'undefined' && data instanceof File ? data.name : undefined;
    const mediaType = options.mediaType ?? (blobType || 'application/octet-stream');
    if (!/^[^\s/]+\/[^\s/]+$/.test(mediaType)) {
      throw new ConfabClientError(`"${mediaType}" is not a media type (type/subtype)`);
    }
    return this.http.json<UploadedFile>({
      method: 'POST',
      path: '/v1/files',
      query: { ttlSeconds: options.ttlSeconds, name: options.name ?? fileName },
      raw: { body: toBody(data), contentType: mediaType },
      retrySafe: false,
      signal: options.signal,
    });
  }
}

function toBody(data: FileData): BodyInit {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as BodyInit;
  return data;
}
