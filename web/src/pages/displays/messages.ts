// Messages of the big-screen terminals (大屏终端), merged into the locales under "displays".

const zhCN = {
  title: '大屏终端',
  intro:
    '大屏终端是长期保持登录、只能显示指挥大屏的浏览器，不随控制台登录每日失效：连续 {idle} 天未使用或设置满 {max} 天后需重新设置。终端不能打开控制台的其他页面。如终端丢失或不再使用，请在此吊销。',
  manage: '管理大屏终端',
  make: '设为大屏终端',
  makeTitle: '设为大屏终端',
  makeIntro:
    '本浏览器将保持登录，只显示所选区域的指挥大屏（连续 {idle} 天未使用或满 {max} 天后失效）。您在本浏览器上的控制台登录会随即退出，请勿在此处办理其他业务。',
  name: '终端名称',
  namePlaceholder: '例如：指挥中心大屏',
  region: '显示区域',
  confirm: '设为终端',
  cancel: '取消',
  created: '已设为大屏终端“{name}”',
  badge: '大屏终端 · {name}',
  leave: '退出终端',
  leaveConfirm: '退出后本浏览器不再显示大屏，需重新登录。确定退出？',
  createdBy: '设置人',
  createdAt: '设置时间',
  lastSeen: '最近在线',
  status: '状态',
  active: '在用',
  endsAt: '未使用将于 {at} 失效',
  ended: '已失效',
  revokedAt: '已吊销 {at}',
  revokedByScreen: '已在终端上退出 {at}',
  actions: '操作',
  revoke: '吊销',
  confirmRevoke: '确认吊销',
  empty: '尚无大屏终端',
}

type DisplayMessages = typeof zhCN

const en: DisplayMessages = {
  title: 'Display screens',
  intro:
    'A display screen is a browser that stays signed in and can only show the command screen; it does not sign out with the daily console sessions. It ends after {idle} days without use or {max} days after it was set up, and cannot open any other console page. Revoke a display here when it is lost or no longer used.',
  manage: 'Manage display screens',
  make: 'Keep this screen signed in',
  makeTitle: 'Keep this screen signed in as a display',
  makeIntro:
    'This browser will stay signed in and show only the command screen of the chosen region (it ends after {idle} days without use, or after {max} days). Your console session in this browser ends now: do not use the console here.',
  name: 'Display name',
  namePlaceholder: 'e.g. Command centre wall',
  region: 'Region shown',
  confirm: 'Make it a display',
  cancel: 'Cancel',
  created: 'This screen is now the display “{name}”',
  badge: 'Display · {name}',
  leave: 'Leave display mode',
  leaveConfirm: 'This browser will stop showing the screen and someone must sign in again. Leave display mode?',
  createdBy: 'Set up by',
  createdAt: 'Set up',
  lastSeen: 'Last seen',
  status: 'Status',
  active: 'In use',
  endsAt: 'ends {at} unless used',
  ended: 'Ended',
  revokedAt: 'Revoked {at}',
  revokedByScreen: 'Signed out on the screen {at}',
  actions: 'Actions',
  revoke: 'Revoke',
  confirmRevoke: 'Confirm revoke',
  empty: 'No display screens yet',
}

export const displayMessages = { 'zh-CN': zhCN, en }
