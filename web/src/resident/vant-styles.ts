// Vant's styles for the components this app uses, listed once. Vant's own
// per-component style entries also pull in its icon font, whose fallback
// is a font on a public CDN: a government network may not reach it and the
// content security policy refuses it. So the icon CSS is taken as text,
// that fallback cut, and the rest (the embedded WOFF2 and the glyph
// classes) added as a style element.
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/loading/index.css'
import 'vant/es/button/index.css'
import 'vant/es/cell/index.css'
import 'vant/es/cell-group/index.css'
import 'vant/es/field/index.css'
import 'vant/es/nav-bar/index.css'
import 'vant/es/overlay/index.css'
import 'vant/es/popup/index.css'
import 'vant/es/toast/index.css'
import 'vant/es/dialog/index.css'
import 'vant/es/tabbar/index.css'
import 'vant/es/tabbar-item/index.css'
import 'vant/es/sticky/index.css'
import 'vant/es/swipe/index.css'
import 'vant/es/swipe-item/index.css'
import 'vant/es/tabs/index.css'
import 'vant/es/tab/index.css'
import 'vant/es/cascader/index.css'
import 'vant/es/notice-bar/index.css'
import 'vant/es/steps/index.css'
import 'vant/es/step/index.css'
import 'vant/es/empty/index.css'
import 'vant/es/pull-refresh/index.css'
import 'vant/es/tag/index.css'
import 'vant/es/collapse-item/index.css'
import iconCSS from 'vant/es/icon/index.css?inline'

/** The icon CSS with every font source outside the page's own origin removed. */
export function localIconCSS(css: string): string {
  return css.replace(/,\s*url\((?:https?:)?\/\/[^)]*\)\s*format\("[^"]*"\)/g, '')
}

export function installIconFont(): void {
  const style = document.createElement('style')
  style.dataset.vantIcons = ''
  style.textContent = localIconCSS(iconCSS)
  document.head.prepend(style)
}
