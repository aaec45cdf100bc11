import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { RouterView } from 'vue-router'
import { jsonResponse, makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import { onUnauthorized } from '../api'
import { clearDraft, keepDraft, takeDraft } from '../draft'
import { i18n } from '../i18n'
import { downscale } from '../image'
import { router, sessionEnded } from '../router'
import { session, signedIn } from '../session'

// happy-dom has no image decoder or 2D canvas: reading a photo is faked,
// and a file named fake.jpg is one the browser cannot open.
vi.mock('../image', async (original) => ({
  ...(await original<typeof import('../image')>()),
  downscale: vi.fn(async (file: Blob) => {
    if (file instanceof File && file.name === 'fake.jpg') throw new DOMException('The source image could not be decoded.', 'InvalidStateError')
    return new Blob(['scaled'], { type: 'image/jpeg' })
  }),
}))

const ME = 3
const CATEGORY = 'city_appearance.exposed_garbage'
const categories = {
  items: [
    {
      code: 'city_appearance',
      name: '市容环境',
      name_en: 'City appearance',
      leaf: false,
      children: [{ code: CATEGORY, name: '暴露垃圾', name_en: 'Exposed garbage', leaf: true }],
    },
  ],
}
const filed = { event: { id: 41, code: 'E0041', state: 'reported', grid_code: '230602001001001' } }

let wrapper: VueWrapper | undefined
let calls: SentCall[]

function serve(routes: Record<string, unknown>): void {
  calls = routeFetch({
    'GET /api/v1/categories': categories,
    'GET /api/v1/resident/profile': { phone: '139****1111', grid: null },
    'GET /api/v1/resident/nearby': { items: [] },
    ...routes,
  }).calls
}

async function open(): Promise<void> {
  await router.push('/')
  wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

/** A report filled in earlier, as the form finds it. */
function written(photo: Blob | null = null): void {
  keepDraft(ME, { category: CATEGORY, description: '楼下垃圾三天没人收', address: '', point: { lng: 124.9, lat: 46.5 }, photo })
}

function choose(file: File): void {
  const input = $('report-photo-input') as HTMLInputElement
  Object.defineProperty(input, 'files', { value: [file], configurable: true })
  input.dispatchEvent(new Event('change'))
}

function describeAs(text: string): void {
  const box = $('report-description')?.querySelector('textarea') as HTMLTextAreaElement
  box.value = text
  box.dispatchEvent(new Event('input'))
}

const posted = (path: string) => calls.filter((c) => c.method === 'POST' && c.url === path)
const fieldError = (testid: string) => $(testid)?.querySelector('.van-field__error-message')?.textContent?.trim() ?? ''

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  signedIn(makeMe({ id: ME, role: 'resident' }))
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:photo', revokeObjectURL: () => {} }))
  onUnauthorized(() => void sessionEnded())
})

afterEach(async () => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  onUnauthorized(null)
  clearDraft()
  vi.mocked(downscale).mockClear()
})

// Vant's fixed bars measure their height again up to 300 ms after they
// mount; the last test's timers must fire while the page still exists.
afterAll(() => new Promise((done) => setTimeout(done, 400)))

describe('resident ReportPage', () => {
  it('refuses a photo the browser cannot read when it is chosen, and says why', async () => {
    serve({})
    written()
    await open()
    choose(new File(['not a picture'], 'fake.jpg', { type: 'image/jpeg' }))
    await settle()
    expect(fieldError('report-photo')).toContain('无法读取这张照片')
    expect($('report-photo-preview')).toBeNull()
    expect($('report-add-photo')).not.toBeNull()
  })

  it('keeps a readable photo as it will be uploaded, scaled when chosen', async () => {
    serve({ 'POST /api/v1/events': jsonResponse(201, filed), 'POST /api/v1/events/41/attachments': jsonResponse(201, {}) })
    written()
    await open()
    choose(new File(['jpeg'], 'photo.jpg', { type: 'image/jpeg' }))
    await settle()
    expect(downscale).toHaveBeenCalledTimes(1)
    expect($('report-photo-preview')).not.toBeNull()
    ;($('report-submit') as HTMLElement).click()
    await settle()
    expect(posted('/api/v1/events')).toHaveLength(1)
    expect(posted('/api/v1/events/41/attachments')).toHaveLength(1)
    expect(downscale).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('events'), { timeout: 5000 })
    expect(takeDraft(ME)).toBeNull()
  })

  it('says in a dialog that stays that the report went without its photo, and uploads it again when asked', async () => {
    serve({
      'POST /api/v1/events': jsonResponse(201, filed),
      'POST /api/v1/events/41/attachments': [
        problemResponse(503, { code: 'unavailable', title: 'Service Unavailable' }),
        jsonResponse(201, {}),
      ],
    })
    written(new Blob(['scaled'], { type: 'image/jpeg' }))
    await open()
    ;($('report-submit') as HTMLElement).click()
    await settle()
    const dialog = document.body.querySelector('.photo-not-sent') as HTMLElement
    expect(dialog).not.toBeNull()
    expect(dialog.textContent).toContain('E0041')
    expect(dialog.textContent).toContain('照片没有上传成功')
    expect(router.currentRoute.value.name).toBe('report')
    ;(dialog.querySelector('.van-dialog__confirm') as HTMLElement).click()
    await settle()
    expect(posted('/api/v1/events')).toHaveLength(1)
    expect(posted('/api/v1/events/41/attachments')).toHaveLength(2)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('events'), { timeout: 5000 })
  })

  it('puts the server’s reasons under the description, in the resident’s words, never naming API fields', async () => {
    serve({
      'POST /api/v1/events': problemResponse(400, {
        code: 'invalid',
        title: 'Bad Request',
        detail: 'invalid input',
        errors: [
          { field: 'title', reason: 'must be plain text; HTML tags are not accepted' },
          { field: 'description', reason: 'must be plain text; HTML tags are not accepted' },
        ],
      }),
    })
    written()
    await open()
    describeAs('<b>垃圾</b>')
    ;($('report-submit') as HTMLElement).click()
    await settle()
    expect(fieldError('report-description')).toBe('请只填写文字，不能包含 HTML 标签')
    expect(document.body.textContent).not.toMatch(/title|description|HTML tags are not accepted/)
  })

  it('sends the resident to sign in when the session has ended, and gives the report back afterwards', async () => {
    serve({ 'POST /api/v1/events': problemResponse(401, { code: 'unauthorized', title: 'Unauthorized', detail: 'session expired or logged out' }) })
    written(new Blob(['scaled'], { type: 'image/jpeg' }))
    await open()
    describeAs('楼下垃圾三天没人收，味道很大')
    await settle()
    ;($('report-submit') as HTMLElement).click()
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'), { timeout: 5000 })
    await settle()
    expect(router.currentRoute.value.query.ended).toBe('1')
    expect(session.me).toBeNull()
    expect($('signin-ended')?.textContent).toContain('您正在填写的内容已保留')
    expect(document.body.textContent).not.toContain('session expired')

    signedIn(makeMe({ id: ME, role: 'resident' }))
    await router.replace('/')
    await settle()
    await vi.waitFor(() => expect($('report-description')).not.toBeNull(), { timeout: 5000 })
    const box = $('report-description')?.querySelector('textarea') as HTMLTextAreaElement
    expect(box.value).toBe('楼下垃圾三天没人收，味道很大')
    expect($('report-photo-preview')).not.toBeNull()
    expect($('report-restored')?.textContent).toContain('已恢复')
  })

  it('gives a draft only to the resident who wrote it, and says when a reload lost its photo', async () => {
    written(new Blob(['scaled'], { type: 'image/jpeg' }))
    expect(takeDraft(ME + 1)).toBeNull()
    expect(takeDraft(ME)?.photoLost).toBe(false)
    vi.resetModules()
    const reloaded = await import('../draft')
    const kept = reloaded.takeDraft(ME)
    expect(kept?.draft).toMatchObject({ category: CATEGORY, description: '楼下垃圾三天没人收', photo: null })
    expect(kept?.photoLost).toBe(true)
    expect(reloaded.takeDraft(ME + 1)).toBeNull()
  })
})
