import { errors, newSecret } from 'confab';
import { fileTooLarge } from 'confab/store';
import { UploadFileQuerySchema } from 'confab/wire';
import type { ServerContext } from '../context.js';
import { readQuery } from '../request-input.js';
import type { RouteTable } from '../route-table.js';
import { multipartUpload, rawUpload } from '../upload-body.js';

/** Default and bounds of `?ttlSeconds` (DESIGN §6). */
export const FILE_TTL_SECONDS = { default: 3600, min: 60, max: 86_400 } as const;

/** Room for multipart boundaries and part headers on top of the file, for a declared length. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * `POST /v1/files`: the raw body (its `Content-Type` is the media type, `?name` the file name) or
 * `multipart/form-data` (its first file part), streamed into the store as it arrives. Answers 201 `{ fileToken,
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
    const maxBytes = server.limits.maxFileBytes;
    const request = context.req.raw;
    const multipart = /^multipart\/form-data/i.test(request.headers.get('content-type') ?? '');
    const allowance = multipart ? MULTIPART_OVERHEAD_BYTES : 0;
    if (Number.isSafeInteger(declared) && declared > maxBytes + allowance) throw fileTooLarge(maxBytes);
    const name = query.name ?? null;
    // The body streams into the store, which refuses it past maxBytes and keeps nothing of a
    // refused or broken-off upload: the server never holds the whole file.
    const upload = multipart ? await multipartUpload(request, name) : rawUpload(request, name);
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
    const file = await server.store.putFile({
      token: `file_${newSecret(24)}`,
      appId,
      name: upload.name,
      mediaType: upload.mediaType,
      data: upload.data,
      maxBytes,
      expiresAt,
    });
    // Charged, not checked: the file is stored, and the check above already gated this upload.
    server.uploadLimiter.charge(appId, file.size);
    return context.json({ fileToken: file.token, expiresAt: file.expiresAt, size: file.size }, 201);
  });
}
