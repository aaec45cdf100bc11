// The bound device: its key pair (the private key never leaves IndexedDB:
// it is made non-extractable) and the signed transport to the API.
import { base64, randomToken, signatureHeader, SIGNATURE_HEADER } from './sign'
import { kvGet, kvSet, type Store } from './store'

export interface Grid {
  grid_code: string
  grid_name?: string
  primary: boolean
}

export interface Identity {
  deviceId: string
  privateKey: CryptoKey
  publicKey: string
  /** Set once the device is bound. */
  workerId?: number
  workerName?: string
  grids?: Grid[]
}

const IDENTITY = 'identity'

/** The device's identity, made on first use: a device id and an Ed25519 key pair. */
export async function identity(db: Store): Promise<Identity> {
  const stored = await kvGet<Identity>(db, IDENTITY)
  if (stored) return stored
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
  const id: Identity = {
    deviceId: randomToken('web-'),
    privateKey: pair.privateKey,
    publicKey: base64(await crypto.subtle.exportKey('raw', pair.publicKey)),
  }
  await kvSet(db, IDENTITY, id)
  return id
}

export async function saveIdentity(db: Store, id: Identity): Promise<void> {
  await kvSet(db, IDENTITY, id)
}

export interface DeviceRequest {
  method: 'GET' | 'POST'
  /** The path and query, exactly as sent and signed. */
  path: string
  body?: Uint8Array
  contentType?: string
  /** The Idempotency-Key; GET requests carry none. */
  key?: string
}

export interface DeviceResponse {
  /** 0 when the server could not be reached. */
  status: number
  body: Record<string, unknown>
}

export type Transport = (req: DeviceRequest) => Promise<DeviceResponse>

/**
 * A transport that signs each request with the device key at the moment of
 * sending. It asks for the server's words in language(), the worker's
 * language when sent: the signature covers no header, so it may change.
 */
export function signedTransport(
  getIdentity: () => Promise<Identity>,
  fetchImpl: typeof fetch = (...a) => fetch(...a),
  language: () => string = () => '',
): Transport {
  return async (req) => {
    const id = await getIdentity()
    const ts = Math.floor(Date.now() / 1000)
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      [SIGNATURE_HEADER]: await signatureHeader(id.privateKey, id.deviceId, ts, req.method, req.path, req.key ?? '', req.body),
    }
    const lang = language()
    if (lang) headers['Accept-Language'] = lang
    if (req.key) headers['Idempotency-Key'] = req.key
    if (req.body) headers['Content-Type'] = req.contentType ?? 'application/json'
    let res: Response
    try {
      res = await fetchImpl(req.path, { method: req.method, headers, body: req.body as BodyInit | undefined, credentials: 'omit' })
    } catch (err) {
      return { status: 0, body: { detail: err instanceof Error ? err.message : String(err) } }
    }
    let body: Record<string, unknown> = {}
    try {
      const parsed: unknown = await res.json()
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    return { status: res.status, body }
  }
}

/** The reason a problem body gives, field first. */
export function problemText(body: Record<string, unknown>): string {
  const errors = Array.isArray(body.errors) ? (body.errors as { field?: string; reason?: string }[]) : []
  const first = errors.find((e) => e && typeof e.reason === 'string')
  const detail = typeof body.detail === 'string' ? body.detail : ''
  if (first) return `${first.field}: ${first.reason}`
  return detail
}

/** Whether a problem names the given field. */
export function names(body: Record<string, unknown>, field: string): boolean {
  return Array.isArray(body.errors) && (body.errors as { field?: string }[]).some((e) => e && e.field === field)
}
