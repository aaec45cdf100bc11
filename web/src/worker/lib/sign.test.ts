import { describe, expect, test } from 'vitest'
import { base64url, signatureHeader, stringToSign } from './sign'

// A vector made with internal/workforce (StringToSign and Sign) for a key
// whose seed is 32 bytes of 0x01; Ed25519 signatures are deterministic.
const PKCS8 = 'MC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB'
const PUBLIC = 'iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w='
const BODY = new TextEncoder().encode('{"title":"路边垃圾","lng":124.9}')
const TARGET = '/api/v1/workforce/device/events?x=1'
const HEADER =
  'device=android-5f3a9c01, ts=1780448400, sig=ofkjp1lFQZ7N9y2v1keQ_rDAf3aw2Jz3kSFow2YIOr02gWU2Ou7s_lYhfEA1F6lBgbUiS0R4jnMINmgoJDm2CA'

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))

describe('the string to sign', () => {
  test('matches the server for a write with a body and key', async () => {
    expect(await stringToSign('post', TARGET, 1780448400, 'android-5f3a9c01', 'r-1', BODY)).toBe(
      'gridgov-device-v1\nPOST\n/api/v1/workforce/device/events?x=1\n1780448400\nandroid-5f3a9c01\nr-1\n' +
        'ab1e01f71112b8370bcb4369d7550db93a8dcaf9cf69088fa9802009de97b6bc',
    )
  })
  test('matches the server for a GET without body or key', async () => {
    expect(await stringToSign('GET', '/api/v1/workforce/device/tasks', 1780448400, 'android-5f3a9c01', '', undefined)).toBe(
      'gridgov-device-v1\nGET\n/api/v1/workforce/device/tasks\n1780448400\nandroid-5f3a9c01\n\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })
  test('a different byte in the body changes it', async () => {
    const other = new TextEncoder().encode('{"title":"路边垃圾","lng":124.8}')
    expect(await stringToSign('POST', TARGET, 1, 'd', 'k', other)).not.toBe(await stringToSign('POST', TARGET, 1, 'd', 'k', BODY))
  })
})

describe('the signature header', () => {
  test('is the one the server computes with the same key', async () => {
    const key = await crypto.subtle.importKey('pkcs8', bytes(PKCS8), { name: 'Ed25519' }, false, ['sign'])
    expect(await signatureHeader(key, 'android-5f3a9c01', 1780448400, 'POST', TARGET, 'r-1', BODY)).toBe(HEADER)
  })
  test('verifies with the public key sent at binding', async () => {
    const pub = await crypto.subtle.importKey('raw', bytes(PUBLIC), { name: 'Ed25519' }, false, ['verify'])
    const sig = HEADER.split('sig=')[1].replace(/-/g, '+').replace(/_/g, '/')
    const msg = new TextEncoder().encode(await stringToSign('POST', TARGET, 1780448400, 'android-5f3a9c01', 'r-1', BODY))
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, pub, bytes(sig + '=='), msg)).toBe(true)
  })
  test('base64url has no padding or + /', () => {
    expect(base64url(new Uint8Array([251, 255, 191]))).toBe('-_-_')
  })
})
