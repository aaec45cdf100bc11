import type { MessageSchema } from './zh-CN'

const en: MessageSchema = {
  app: {
    name: 'gridgov',
  },
  common: {
    required: 'This field is required',
    retry: 'Retry',
    loading: 'Loading…',
  },
  locale: {
    switch: 'Change language',
  },
  header: {
    logout: 'Log out',
  },
  nav: {
    menu: 'Navigation',
    home: 'Home',
    me: 'My account',
  },
  roles: {
    admin: 'Administrator',
    center: 'Governance center',
    department: 'Department',
    worker: 'Grid worker',
    leader: 'Leader',
    resident: 'Resident',
  },
  scope: {
    all: 'All areas',
    region: 'Region',
    department: 'Department',
  },
  errors: {
    invalid: 'Some input is not valid',
    not_found: 'Not found',
    conflict: 'Conflicts with existing data',
    unauthorized: 'Not signed in, or the session has expired',
    forbidden: 'You are not allowed to do this',
    rate_limited: 'Too many requests, please try again later',
    otp_required: 'A one-time code is required',
    internal: 'Internal server error',
    network: 'Cannot reach the server; check your network',
    unknown: 'The request failed',
  },
  login: {
    title: 'Sign in',
    username: 'Username',
    password: 'Password',
    otp: 'One-time code',
    otpHint: 'Two-step verification is on for this account. Enter the 6-digit code from your authenticator app.',
    otpWrong: 'The one-time code is not correct; try again',
    submit: 'Sign in',
    invalidCredentials: 'Wrong username or password',
    rateLimited: 'Too many failed attempts. Try again in {wait}',
  },
  duration: {
    seconds: '{n} second | {n} seconds',
    minutes: '{n} minute | {n} minutes',
  },
  home: {
    welcome: 'Hello, {name}',
    identity: 'Signed in as',
  },
  me: {
    title: 'My account',
    profile: 'Account',
    username: 'Username',
    displayName: 'Name',
    role: 'Role',
    scope: 'Scope',
    scopeCode: 'Code',
    totp: 'Two-step verification',
    totpOn: 'On',
    totpOff: 'Off',
    enrolTotp: 'Turn on two-step verification',
  },
  password: {
    title: 'Change password',
    mustChange: 'This is a first sign-in or the password was reset. Please set a new password.',
    current: 'Current password',
    new: 'New password',
    confirm: 'Confirm new password',
    mismatch: 'The two new passwords do not match',
    submit: 'Change password',
    changed: 'Password changed',
  },
  totp: {
    title: 'Turn on two-step verification',
    required: 'Your role requires two-step verification. Finish setting it up to continue.',
    instructions: 'Add the key below to your authenticator app by hand (or import the otpauth link), then enter the 6-digit code the app shows.',
    secret: 'Key',
    url: 'otpauth link',
    code: 'One-time code',
    codeFormat: 'Enter 6 digits',
    confirm: 'Confirm',
    enabled: 'Two-step verification is on',
  },
  notFound: {
    title: 'Page not found',
    back: 'Back to home',
  },
}

export default en
