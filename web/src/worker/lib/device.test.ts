import { describe, expect, test } from 'vitest'
import { signedTransport, type Identity } from './device'

async function anIdentity(): Promise<Identity> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
  return { deviceId: 'web-test', privateKey: pair.privateKey, publicKey: '' }
}

/** A fetch that records the headers it was given and answers a problem. */
function recording() {
  const sent: Record<string, string>[] = []
  const fetchImpl = (async (_: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ ...(init?.headers as Record<string, string>) })
    return new Response(JSON.stringify({ code: 'invalid', detail: '输入有误' }), { status: 400, headers: { 'Content-Type': 'application/problem+json' } })
  }) as typeof fetch
  return { sent, fetchImpl }
}

describe('the signed transport', () => {
  test("asks for the server's words in the worker's language at the time of sending", async () => {
    const id = await anIdentity()
    const { sent, fetchImpl } = recording()
    let locale = 'zh-CN'
    const send = signedTransport(async () => id, fetchImpl, () => locale)
    const res = await send({ method: 'GET', path: '/api/v1/workforce/device/tasks' })
    expect(res).toEqual({ status: 400, body: { code: 'invalid', detail: '输入有误' } })
    locale = 'en'
    await send({ method: 'POST', path: '/api/v1/workforce/device/events', body: new Uint8Array([123, 125]), key: 'k-1' })
    expect(sent.map((h) => h['Accept-Language'])).toEqual(['zh-CN', 'en'])
    expect(sent[1]['Gridgov-Signature']).toMatch(/^device=web-test, ts=\d+, sig=/)
  })

  test('sends no Accept-Language when given no language', async () => {
    const { sent, fetchImpl } = recording()
    await signedTransport(anIdentity, fetchImpl)({ method: 'GET', path: '/x' })
    expect(sent[0]).not.toHaveProperty('Accept-Language')
  })
})
