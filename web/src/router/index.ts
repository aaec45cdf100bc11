import { createRouter, createWebHistory } from 'vue-router'
import { loadSession } from '../session'
import { sessionGuard } from './guard'
import { routes } from './routes'

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
})

router.beforeEach(sessionGuard(loadSession))
