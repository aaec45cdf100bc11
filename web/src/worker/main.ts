// The grid worker's mobile app (/worker/): offline-first, every write a
// draft in IndexedDB sent by the sync queue with its own Idempotency-Key,
// every request signed with the key this device was bound with.
import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { Button, Cell, CellGroup, Field, NavBar, Tabbar, TabbarItem, Tag } from 'vant'
import 'vant/es/style/base.css'
import 'vant/es/button/style/index.mjs'
import 'vant/es/cell/style/index.mjs'
import 'vant/es/cell-group/style/index.mjs'
import 'vant/es/field/style/index.mjs'
import 'vant/es/nav-bar/style/index.mjs'
import 'vant/es/tabbar/style/index.mjs'
import 'vant/es/tabbar-item/style/index.mjs'
import 'vant/es/tag/style/index.mjs'
import App from './App.vue'
import { applyLocale, i18n } from './i18n'
import { start, state } from './lib/app'
import BindView from './views/BindView.vue'
import EventActionView from './views/EventActionView.vue'
import GridView from './views/GridView.vue'
import HomeView from './views/HomeView.vue'
import LoginView from './views/LoginView.vue'
import PatrolView from './views/PatrolView.vue'
import ReportView from './views/ReportView.vue'
import SyncView from './views/SyncView.vue'
import VisitView from './views/VisitView.vue'
import './worker.css'

// Views are imported eagerly: one bundle that the service worker can
// keep for an offline start.
const router = createRouter({
  history: createWebHistory('/worker/'),
  routes: [
    { path: '/', component: HomeView },
    { path: '/login', component: LoginView },
    { path: '/bind', component: BindView },
    { path: '/report', component: ReportView },
    { path: '/patrol', component: PatrolView },
    { path: '/visit', component: VisitView },
    { path: '/event', component: EventActionView },
    { path: '/grid', component: GridView },
    { path: '/sync', component: SyncView },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

const ready = start()
router.beforeEach(async (to) => {
  await ready
  if (!state.bound && to.path !== '/login' && to.path !== '/bind') return '/login'
  return true
})

applyLocale()
createApp(App).use(i18n).use(router).use(Button).use(Cell).use(CellGroup).use(Field).use(NavBar).use(Tabbar).use(TabbarItem).use(Tag).mount('#app')

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register('/worker/sw.js', { scope: '/worker/' })
}
