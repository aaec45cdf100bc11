// The residents' mobile app (/resident/): sign in by phone, report a
// problem with a photo, follow reports nearby, rate the result, read the
// notices for one's grid. Vant components are imported one by one where
// they are used, and their styles once in vant-styles.ts.
import { createApp } from 'vue'
import App from './App.vue'
import { applyLocale, i18n } from './i18n'
import { onUnauthorized } from './api'
import { router, sessionEnded } from './router'
import { installIconFont } from './vant-styles'
import './resident.css'

installIconFont()
applyLocale()
onUnauthorized(() => void sessionEnded())
createApp(App).use(i18n).use(router).mount('#app')
