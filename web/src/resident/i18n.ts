// The residents' app speaks Simplified Chinese first and English second;
// its words are its own, apart from the console's.
import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import enUS from 'vant/es/locale/lang/en-US'
import zhCN from 'vant/es/locale/lang/zh-CN'
import { ApiError, setAcceptLanguage } from '../api/client'

const zh = {
  app: { name: '随手拍 · 居民服务' },
  tabs: { report: '随手拍', mine: '我的事件', notices: '通知', me: '我的' },
  signIn: {
    title: '手机号登录',
    hint: '未注册的手机号验证后自动创建账号',
    phone: '手机号',
    phonePlaceholder: '请输入手机号',
    phoneInvalid: '请输入正确的手机号',
    code: '验证码',
    codePlaceholder: '6 位验证码',
    codeInvalid: '请输入 6 位数字验证码',
    send: '获取验证码',
    resend: '{n} 秒后重发',
    sent: '验证码已发送',
    submit: '登录',
    ended: '登录已失效，请重新登录',
    draftKept: '您正在填写的内容已保留，登录后可继续提交',
  },
  codeErrors: {
    expired: '验证码已过期，请重新获取',
    used: '验证码已使用，请重新获取',
    wrong: '验证码错误',
    tooMany: '尝试次数过多，请重新获取验证码',
    none: '请先获取验证码',
    limited: '操作太频繁，请 {n} 秒后再试',
  },
  report: {
    title: '随手拍',
    category: '问题类型',
    categoryPlaceholder: '请选择问题类型',
    description: '问题描述',
    descriptionPlaceholder: '请描述您看到的问题',
    photo: '现场照片',
    addPhoto: '拍照或选择照片',
    removePhoto: '删除照片',
    location: '位置',
    usePosition: '使用当前位置',
    positionSet: '已定位 ({lng}, {lat})',
    positionFailed: '无法获取位置，请填写地址',
    clearPosition: '清除位置',
    address: '地址',
    addressPlaceholder: '如：幸福路 8 号小区门口',
    needPlace: '请使用当前位置或填写地址',
    needGrid: '仅填写地址时，请先选择您所在的网格',
    chooseGrid: '去选择网格',
    nearbyTitle: '附近已有同类问题',
    nearbyHint: '如果是同一个问题，关注它即可，无需重复上报',
    nearbyNone: '附近 500 米内没有同类未办结问题',
    submit: '提交',
    submitted: '已提交，事件编号 {code}',
    photoUnreadable: '无法读取这张照片（可能是 HEIC 等格式），请换一张照片，或在相机设置中改用“兼容性最佳”格式',
    photoNotSentTitle: '照片未能随事件提交',
    photoNotSent: '事件 {code} 已提交，但照片没有上传成功：{reason}。可以重试上传，或不带照片继续。',
    retryPhoto: '重试上传',
    skipPhoto: '不带照片',
    photoAdded: '照片已补充到事件',
    draftRestored: '已恢复您未提交的内容',
    draftPhotoLost: '已恢复您未提交的内容，但照片未能保留，请重新添加',
    categoryRequired: '请选择问题类型',
    descriptionRequired: '请填写问题描述',
    checkFields: '请按提示修改后再提交',
  },
  event: {
    follow: '关注',
    following: '已关注',
    unfollow: '取消关注',
    followers: '{n} 人关注',
    away: '约 {n} 米',
    mine: '我上报的',
    followed: '我关注的',
    reportedAt: '上报于 {at}',
    rate: '评价处理结果',
    rated: '已评价：{r}',
    rateDone: '感谢您的评价',
    empty: '还没有上报或关注的事件',
    more: '加载更多',
    withheld: '（涉及个人的事件，不公开详情）',
  },
  states: {
    reported: '已上报', registered: '已受理', dispatched: '已派遣', handling: '处置中', handled: '已处置',
    closed: '已办结', rejected: '不予受理', duplicate: '已合并', parked: '暂缓处理', voided: '已作废',
  },
  actions: {
    report: '上报', register: '受理立案', reject: '不予受理', merge: '合并', self_handle: '网格自办', dispatch: '派遣',
    escalate: '上报上级', accept: '部门签收', return: '退回', request_extension: '申请延期', approve_extension: '同意延期',
    refuse_extension: '不同意延期', feedback: '处置反馈', verify: '核查结案', rework: '返工', rate: '评价', reopen: '重新办理',
    park: '暂缓', unpark: '恢复办理', void: '作废', supervise: '督办',
  },
  ratings: { satisfied: '满意', basic: '基本满意', unsatisfied: '不满意' },
  notices: { title: '通知公告', empty: '暂无通知', noGrid: '选择您所在的网格后，可查看社区通知', chooseGrid: '选择网格' },
  grid: {
    title: '我的网格',
    current: '当前：{name}',
    none: '尚未选择',
    byPosition: '按当前位置选择',
    byTree: '按行政区划选择',
    saved: '已设为我的网格',
    back: '返回上一级',
    pick: '选择此网格',
  },
  me: { title: '我的', phone: '手机号', grid: '我的网格', language: 'Language / 语言', signOut: '退出登录' },
  errors: {
    network: '网络不可用，请稍后重试',
    unknown: '出错了，请稍后重试',
    invalid: '输入有误',
    not_found: '未找到',
    conflict: '状态已变化，请刷新',
    unauthorized: '登录已失效，请重新登录',
    forbidden: '无权操作',
    rate_limited: '操作太频繁',
    otp_required: '需要验证码',
    internal: '服务器出错',
    unavailable: '服务暂不可用，请稍后重试',
  },
  reasons: {
    required: '此项必填',
    tooLong: '内容过长，最多 {n} 字',
    plainText: '请只填写文字，不能包含 HTML 标签',
    notText: '包含无法识别的字符，请重新输入',
    unknownCategory: '该问题类型已停用，请重新选择',
    outsideGrids: '该位置不在本市任何网格内，请填写地址并选择网格',
    other: '填写有误，请检查（{detail}）',
  },
}

type Schema = typeof zh

const en: Schema = {
  app: { name: 'Snap & Report · Residents' },
  tabs: { report: 'Report', mine: 'My reports', notices: 'Notices', me: 'Me' },
  signIn: {
    title: 'Sign in with your phone',
    hint: 'A new number gets an account once verified',
    phone: 'Phone',
    phonePlaceholder: 'Mobile number',
    phoneInvalid: 'Enter a mainland mobile number',
    code: 'Code',
    codePlaceholder: '6-digit code',
    codeInvalid: 'Enter the 6-digit code',
    send: 'Get code',
    resend: 'Again in {n}s',
    sent: 'Code sent',
    submit: 'Sign in',
    ended: 'Your session has ended; sign in again',
    draftKept: 'What you were writing is kept; submit it once signed in',
  },
  codeErrors: {
    expired: 'The code has expired; get a new one',
    used: 'The code was used already; get a new one',
    wrong: 'Wrong code',
    tooMany: 'Too many tries; get a new code',
    none: 'Get a code first',
    limited: 'Too many requests; try again in {n}s',
  },
  report: {
    title: 'Report a problem',
    category: 'Kind',
    categoryPlaceholder: 'Choose the kind of problem',
    description: 'Description',
    descriptionPlaceholder: 'What did you see?',
    photo: 'Photo',
    addPhoto: 'Take or choose a photo',
    removePhoto: 'Remove photo',
    location: 'Location',
    usePosition: 'Use my position',
    positionSet: 'Located ({lng}, {lat})',
    positionFailed: 'No position; enter the address',
    clearPosition: 'Clear position',
    address: 'Address',
    addressPlaceholder: 'e.g. gate of 8 Xingfu Road',
    needPlace: 'Use your position or enter an address',
    needGrid: 'With an address only, choose your grid first',
    chooseGrid: 'Choose grid',
    nearbyTitle: 'Already reported nearby',
    nearbyHint: 'If it is the same problem, follow it instead of reporting it again',
    nearbyNone: 'No open report of this kind within 500 m',
    submit: 'Submit',
    submitted: 'Reported as {code}',
    photoUnreadable: 'This photo cannot be read (HEIC or another format the browser does not open); choose another photo, or set the camera to "Most compatible"',
    photoNotSentTitle: 'The photo did not go with the report',
    photoNotSent: 'Report {code} is filed, but the photo could not be uploaded: {reason}. Try the upload again, or go on without the photo.',
    retryPhoto: 'Try again',
    skipPhoto: 'Without photo',
    photoAdded: 'The photo was added to the report',
    draftRestored: 'Your unsent report was restored',
    draftPhotoLost: 'Your unsent report was restored, but not its photo; add it again',
    categoryRequired: 'Choose the kind of problem',
    descriptionRequired: 'Describe the problem',
    checkFields: 'Correct what is marked and submit again',
  },
  event: {
    follow: 'Follow',
    following: 'Following',
    unfollow: 'Unfollow',
    followers: '{n} following',
    away: '~{n} m away',
    mine: 'Reported by me',
    followed: 'Followed',
    reportedAt: 'Reported {at}',
    rate: 'Rate the result',
    rated: 'Rated: {r}',
    rateDone: 'Thank you for rating',
    empty: 'No reports or followed events yet',
    more: 'Load more',
    withheld: '(about a person; details not public)',
  },
  states: {
    reported: 'Reported', registered: 'Registered', dispatched: 'Dispatched', handling: 'Being handled', handled: 'Handled',
    closed: 'Closed', rejected: 'Rejected', duplicate: 'Merged', parked: 'Parked', voided: 'Voided',
  },
  actions: {
    report: 'Reported', register: 'Registered', reject: 'Rejected', merge: 'Merged', self_handle: 'Handled by the grid',
    dispatch: 'Dispatched', escalate: 'Escalated', accept: 'Signed for', return: 'Returned', request_extension: 'Extension asked',
    approve_extension: 'Extension granted', refuse_extension: 'Extension refused', feedback: 'Handled', verify: 'Verified and closed',
    rework: 'Rework', rate: 'Rated', reopen: 'Reopened', park: 'Parked', unpark: 'Resumed', void: 'Voided', supervise: 'Supervised',
  },
  ratings: { satisfied: 'Satisfied', basic: 'Fairly satisfied', unsatisfied: 'Not satisfied' },
  notices: { title: 'Notices', empty: 'No notices', noGrid: 'Choose your grid to see its notices', chooseGrid: 'Choose grid' },
  grid: {
    title: 'My grid',
    current: 'Now: {name}',
    none: 'Not chosen',
    byPosition: 'Choose by my position',
    byTree: 'Choose from the regions',
    saved: 'Saved as my grid',
    back: 'Up one level',
    pick: 'Choose this grid',
  },
  me: { title: 'Me', phone: 'Phone', grid: 'My grid', language: 'Language / 语言', signOut: 'Sign out' },
  errors: {
    network: 'No network; try again later',
    unknown: 'Something went wrong',
    invalid: 'Invalid input',
    not_found: 'Not found',
    conflict: 'It changed meanwhile; reload',
    unauthorized: 'Your session has ended; sign in again',
    forbidden: 'Not allowed',
    rate_limited: 'Too many requests',
    otp_required: 'Code required',
    internal: 'Server error',
    unavailable: 'Service unavailable; try again later',
  },
  reasons: {
    required: 'Required',
    tooLong: 'Too long: at most {n} characters',
    plainText: 'Plain text only: no HTML tags',
    notText: 'Contains characters that cannot be read; type it again',
    unknownCategory: 'This kind is no longer used; choose another',
    outsideGrids: 'This place is outside every grid of the city; enter the address and choose your grid',
    other: 'Not accepted; check it ({detail})',
  },
}

export const LOCALES = [
  { code: 'zh-CN', label: '简体中文' },
  { code: 'en', label: 'English' },
] as const

export type Locale = (typeof LOCALES)[number]['code']

const STORAGE_KEY = 'gridgov.resident.locale'

function stored(): Locale {
  const v = localStorage.getItem(STORAGE_KEY)
  return v === 'en' ? 'en' : 'zh-CN'
}

export const messages = { 'zh-CN': zh, en }

export const i18n = createI18n({ legacy: false, locale: stored(), fallbackLocale: 'zh-CN', messages })

export function applyLocale(): void {
  const locale = i18n.global.locale.value as Locale
  document.documentElement.lang = locale
  document.title = i18n.global.t('app.name')
  setAcceptLanguage(locale)
  if (locale === 'en') VantLocale.use('en-US', enUS)
  else VantLocale.use('zh-CN', zhCN)
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(STORAGE_KEY, locale)
  applyLocale()
}

/** How reasons are joined, and a title put before them. */
function punctuation(): { sep: string; colon: string } {
  return i18n.global.locale.value === 'en' ? { sep: '; ', colon: ': ' } : { sep: '；', colon: '：' }
}

/**
 * The server's reasons the app can say in the user's words, as the server
 * words them in English and in Chinese (the app asks for its reader's
 * language; internal/zhreason holds the Chinese wording).
 */
const REASONS: { match: RegExp; key: string }[] = [
  { match: /^(?:is required|必填)/, key: 'reasons.required' },
  { match: /^(?:must be at most (\d+) characters|最多 (\d+) 个字)/, key: 'reasons.tooLong' },
  { match: /HTML tags are not accepted|不能包含 HTML 标签/, key: 'reasons.plainText' },
  { match: /^(?:must be|须为) UTF-8/, key: 'reasons.notText' },
  { match: /^(?:unknown category|未知的类别)/, key: 'reasons.unknownCategory' },
  { match: /not inside any grid|不在(?:本市)?任何网格内/, key: 'reasons.outsideGrids' },
]

/** The refusals of a sign-in code, in English and Chinese, first match wins. */
const CODE_REASONS: { match: RegExp; key: string }[] = [
  { match: /expired|已过期/, key: 'codeErrors.expired' },
  { match: /used already|已使用过/, key: 'codeErrors.used' },
  { match: /too many|last try|次数过多|最后一次/, key: 'codeErrors.tooMany' },
  { match: /no code|未向该手机发送过/, key: 'codeErrors.none' },
  { match: /wrong|不正确/, key: 'codeErrors.wrong' },
]

/** One reason of the server in the user's words; one not known here is a generic sentence with the server's words after it. */
export function reasonText(reason: string): string {
  const { t } = i18n.global
  for (const r of REASONS) {
    const m = r.match.exec(reason)
    if (m) return t(r.key, { n: m[1] ?? m[2] ?? '' })
  }
  return t('reasons.other', { detail: reason })
}

/**
 * The errors of a refused form, each under the form's own field: fields
 * maps the API's field names to the form's (several may share one, as the
 * title and the description both come from the description box). Reasons
 * for API fields the form does not have are left out: errorText says them.
 */
export function fieldErrors(err: unknown, fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  if (!(err instanceof ApiError)) return out
  for (const e of err.errors) {
    const field = fields[e.field]
    if (!field) continue
    const text = reasonText(e.reason)
    const { sep } = punctuation()
    if (!out[field]) out[field] = text
    else if (!out[field].split(sep).includes(text)) out[field] = `${out[field]}${sep}${text}`
  }
  return out
}

/** A message for a failed call: the code's reasons in the user's words where known, else the server's words; never an API field name. */
export function errorText(err: unknown): string {
  const { t } = i18n.global
  if (!(err instanceof ApiError)) return t('errors.unknown')
  if (err.status === 0) return t('errors.network')
  if (err.status === 401) return t('errors.unauthorized')
  if (err.is('rate_limited') && err.retryAfterSeconds) return t('codeErrors.limited', { n: err.retryAfterSeconds })
  const code = err.fieldReason('code')
  const known = code && CODE_REASONS.find((r) => r.match.test(code))
  if (known) return t(known.key)
  const title = err.knownCode ? t(`errors.${err.knownCode}`) : t('errors.unknown')
  const { sep, colon } = punctuation()
  const reasons = [...new Set(err.errors.map((e) => reasonText(e.reason)))].join(sep)
  return reasons ? `${title}${colon}${reasons}` : err.detail && err.detail !== title ? `${title}（${err.detail}）` : title
}
