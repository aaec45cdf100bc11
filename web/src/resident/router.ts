import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ensureSession } from './session'

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./pages/SignInPage.vue'), meta: { public: true } },
  { path: '/', name: 'report', component: () => import('./pages/ReportPage.vue'), meta: { tab: true } },
  { path: '/events', name: 'events', component: () => import('./pages/EventsPage.vue'), meta: { tab: true } },
  { path: '/notices', name: 'notices', component: () => import('./pages/NoticesPage.vue'), meta: { tab: true } },
  { path: '/me', name: 'me', component: () => import('./pages/MePage.vue'), meta: { tab: true } },
  { path: '/grid', name: 'grid', component: () => import('./pages/GridPage.vue') },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/resident/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (await ensureSession()) return true
  return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
})
