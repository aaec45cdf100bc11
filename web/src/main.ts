import { createApp } from 'vue'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { applyLocale, i18n } from './i18n'
import { router } from './router'
import './styles.css'

applyLocale()
createApp(App).use(i18n).use(router).mount('#app')
