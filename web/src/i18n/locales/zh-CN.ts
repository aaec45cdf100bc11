const zhCN = {
  app: {
    name: '网格化服务管理平台',
  },
  common: {
    required: '请填写此项',
    retry: '重试',
    loading: '加载中…',
  },
  locale: {
    switch: '切换语言',
  },
  header: {
    logout: '退出登录',
  },
  nav: {
    menu: '导航菜单',
    home: '首页',
    me: '我的',
  },
  roles: {
    admin: '系统管理员',
    center: '综治中心',
    department: '职能部门',
    worker: '网格员',
    leader: '领导',
    resident: '居民',
  },
  scope: {
    all: '全部辖区',
    region: '行政区域',
    department: '职能部门',
  },
  errors: {
    invalid: '输入有误',
    not_found: '请求的内容不存在',
    conflict: '与现有数据冲突',
    unauthorized: '未登录或登录已失效',
    forbidden: '没有权限执行此操作',
    rate_limited: '操作过于频繁，请稍后再试',
    otp_required: '需要动态验证码',
    internal: '服务器内部错误',
    network: '无法连接服务器，请检查网络',
    unknown: '请求失败',
  },
  login: {
    title: '账号登录',
    username: '用户名',
    password: '密码',
    otp: '动态验证码',
    otpHint: '此账号已启用两步验证，请输入身份验证器中的 6 位动态码。',
    otpWrong: '动态验证码不正确，请重新输入',
    submit: '登录',
    invalidCredentials: '用户名或密码错误',
    rateLimited: '登录失败次数过多，请在 {wait}后重试',
  },
  duration: {
    seconds: '{n} 秒',
    minutes: '{n} 分钟',
  },
  home: {
    welcome: '您好，{name}',
    identity: '当前身份',
  },
  me: {
    title: '我的',
    profile: '账号信息',
    username: '用户名',
    displayName: '姓名',
    role: '角色',
    scope: '管辖范围',
    scopeCode: '代码',
    totp: '两步验证',
    totpOn: '已启用',
    totpOff: '未启用',
    enrolTotp: '启用两步验证',
  },
  password: {
    title: '修改密码',
    mustChange: '首次登录或密码已被重置，请先设置新密码。',
    current: '当前密码',
    new: '新密码',
    confirm: '确认新密码',
    mismatch: '两次输入的新密码不一致',
    submit: '确认修改',
    changed: '密码已修改',
  },
  totp: {
    title: '启用两步验证',
    required: '您的角色要求启用两步验证，绑定完成后才能继续使用平台。',
    instructions: '请在身份验证器应用中手动添加下面的密钥（或导入 otpauth 链接），然后输入应用显示的 6 位动态码完成绑定。',
    secret: '密钥',
    url: 'otpauth 链接',
    code: '动态验证码',
    codeFormat: '请输入 6 位数字',
    confirm: '完成绑定',
    enabled: '两步验证已启用',
  },
  notFound: {
    title: '页面不存在',
    back: '返回首页',
  },
}

export type MessageSchema = typeof zhCN

export default zhCN
