import type { RunArtifact } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { ArtifactOut } from './schema.js';

/** An artifact as the API lists it, with the path to download it. */
export function artifactOut(artifact: RunArtifact): z.output<typeof ArtifactOut> {
  return {
    id: artifact.id,
    kind: artifact.kind,
    name: artifact.name,
    content_type: artifact.contentType,
    size_bytes: artifact.sizeBytes,
    shard_index: artifact.shardIndex,
    created_at: iso(artifact.createdAt),
    download_url: `/api/v1/runs/${artifact.run}/artifacts/${artifact.id}/download`,
  };
}

/**
 * `Content-Disposition: attachment` for a file name that may be any Unicode text (RFC 6266):
 * `filename=` carries an ASCII stand-in for old clients, `filename*=` the exact name in UTF-8
 * (RFC 8187, formerly 5987). Clients that understand both take `filename*`.
 */
export function contentDisposition(name: string): string {
  return `attachment; filename="${asciiFileName(name)}"; filename*=UTF-8''${encodeExtValue(name)}`;
}

/**
 * The name reduced to printable ASCII for a quoted string: accents dropped (é → e), anything else
 * outside ASCII, quotes, backslashes, path separators and `%` (which some browsers decode) made `_`.
 */
export function asciiFileName(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\/%]/g, '_')
    .trim();
  // A name with nothing readable left (all CJK, say) keeps its extension, so the file still opens.
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(ascii)?.[0] ?? '';
  return /[A-Za-z0-9]/.test(ascii.slice(0, ascii.length - extension.length)) ? ascii : `artifact${extension}`;
}

/** RFC 8187 `value-chars`: percent-encoded UTF-8 of everything outside `attr-char`. */
function encodeExtValue(name: string): string {
  // A lone surrogate would make encodeURIComponent throw; it becomes U+FFFD as in any UTF-8 encoder.
  const wellFormed = name.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return encodeURIComponent(wellFormed).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
