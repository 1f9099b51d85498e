import { ConfabError, errors, newSecret } from 'confab';
import { UploadFileQuerySchema } from 'confab/wire';
import type { Context } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { readBodyBytes, readQuery } from '../request-input.js';
import type { RouteTable } from '../route-table.js';

/** Default and bounds of `?ttlSeconds` (DESIGN §6). */
export const FILE_TTL_SECONDS = { default: 3600, min: 60, max: 86_400 } as const;

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

interface Upload {
  data: Uint8Array;
  mediaType: string;
  name: string | null;
}

/**
 * `POST /v1/files`: the raw body (its `Content-Type` is the media type, `?name` the file name) or
 * `multipart/form-data` (the `file` field, else the first file). Answers 201 `{ fileToken,
 * expiresAt, size }`; the token is an unguessable secret valid for `?ttlSeconds` (60–86 400,
 * default 3600) within the uploading app only.
 */
export function registerFileRoutes(routes: RouteTable, server: ServerContext): void {
  routes.add('POST', '/v1/files', async (context) => {
    const query = readQuery(context, UploadFileQuerySchema);
    const ttlSeconds = query.ttlSeconds === undefined ? FILE_TTL_SECONDS.default : Number(query.ttlSeconds);
    if (ttlSeconds < FILE_TTL_SECONDS.min || ttlSeconds > FILE_TTL_SECONDS.max) {
      throw errors.invalidArgument(`ttlSeconds must be between ${FILE_TTL_SECONDS.min} and ${FILE_TTL_SECONDS.max}`);
    }
    const appId = context.get('appId');
    // A declared length is checked before reading; the bytes read are charged once they are known.
    const declared = Number(context.req.header('content-length'));
    server.uploadLimiter.check(
      appId,
      Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, server.limits.maxFileBytes) : 1,
    );
    const upload = await readUpload(context, server, query.name ?? null);
    if (upload.data.byteLength === 0) throw errors.invalidArgument('the file is empty');
    server.uploadLimiter.take(appId, upload.data.byteLength);
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
    const file = await server.store.putFile({
      token: `file_${newSecret(24)}`,
      appId,
      name: upload.name,
      mediaType: upload.mediaType,
      data: upload.data,
      expiresAt,
    });
    return context.json({ fileToken: file.token, expiresAt: file.expiresAt, size: file.size }, 201);
  });
}

async function readUpload(context: Context<ServerEnv>, server: ServerContext, name: string | null): Promise<Upload> {
  const contentType = context.req.header('content-type') ?? '';
  const maxBytes = server.limits.maxFileBytes;
  if (!/^multipart\/form-data/i.test(contentType)) {
    const data = await readBodyBytes(context.req.raw, maxBytes);
    return { data, mediaType: mediaTypeOf(contentType), name };
  }
  const bytes = await readBodyBytes(context.req.raw, maxBytes + MULTIPART_OVERHEAD_BYTES);
  let form: FormData;
  try {
    // The bytes are already bounded; parsing them through a Request reuses the platform's parser.
    form = await new Request('http://upload.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: bytes as Uint8Array<ArrayBuffer>,
    }).formData();
  } catch (error) {
    throw errors.invalidArgument('the multipart body could not be parsed', { cause: error });
  }
  let field = form.get('file');
  form.forEach((value) => {
    if (!field && typeof value !== 'string') field = value;
  });
  if (!field || typeof field === 'string') throw errors.invalidArgument('the multipart body has no file part');
  const data = new Uint8Array(await field.arrayBuffer());
  if (data.byteLength > maxBytes) {
    throw new ConfabError('payload_too_large', `the file is over the limit of ${maxBytes} bytes`);
  }
  return { data, mediaType: mediaTypeOf(field.type), name: name ?? (field.name ? field.name.slice(0, 256) : null) };
}

/** The media type of a `Content-Type` value without parameters; unusable ones become octet-stream. */
function mediaTypeOf(contentType: string): string {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return MEDIA_TYPE.test(type) ? type : 'application/octet-stream';
}
