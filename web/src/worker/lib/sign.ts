// Device request signing, exactly as internal/workforce/signature.go
// specifies: an Ed25519 signature over seven lines, sent as
//   Gridgov-Signature: device=<id>, ts=<unix seconds>, sig=<base64url>

export const SIGNATURE_HEADER = 'Gridgov-Signature'
const VERSION = 'gridgov-device-v1'

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Lowercase hex SHA-256 of the body (of nothing when there is none). */
export async function bodyDigest(body: Uint8Array | undefined): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', (body ?? new Uint8Array()) as BufferSource))
}

/**
 * The string a device signs: version, method, request target (path and query
 * exactly as sent), ts, device id, Idempotency-Key (or empty) and the body's
 * digest, joined by newlines with none at the end.
 */
export async function stringToSign(
  method: string,
  target: string,
  ts: number,
  device: string,
  idempotencyKey: string,
  body: Uint8Array | undefined,
): Promise<string> {
  return [VERSION, method.toUpperCase(), target, String(ts), device, idempotencyKey, await bodyDigest(body)].join('\n')
}

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let s = ''
  for (const b of u8) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function base64(bytes: ArrayBuffer): string {
  let s = ''
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b)
  return btoa(s)
}

/** The Gridgov-Signature header value for a request. */
export async function signatureHeader(
  key: CryptoKey,
  device: string,
  ts: number,
  method: string,
  target: string,
  idempotencyKey: string,
  body: Uint8Array | undefined,
): Promise<string> {
  const message = new TextEncoder().encode(await stringToSign(method, target, ts, device, idempotencyKey, body))
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, key, message)
  return `device=${device}, ts=${ts}, sig=${base64url(sig)}`
}

/** A fresh random token of A–Z a–z 0–9 . _ : - (for device ids and Idempotency-Keys). */
export function randomToken(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
