import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ensureSession, session, signedOut } from './session'

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
  return { name: 'login', query: nextQuery(to.fullPath) }
})

/** Where a page goes back to after signing in: kept unless it is the start page. */
function nextQuery(fullPath: string): Record<string, string> {
  return fullPath !== '/' ? { next: fullPath } : {}
}

/**
 * The server said the session has ended (signed out elsewhere, or idle too
 * long): the resident signs in again and comes back to the page they were
 * on; what they were writing is kept as a draft.
 */
export async function sessionEnded(): Promise<void> {
  if (!session.me) return
  signedOut()
  const here = router.currentRoute.value
  if (here.meta.public) return
  await router.replace({ name: 'login', query: { ...nextQuery(here.fullPath), ended: '1' } })
}
