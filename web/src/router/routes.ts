import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import {
  Bell,
  Calendar,
  Collection,
  DataAnalysis,
  House,
  Key,
  MapLocation,
  OfficeBuilding,
  Tickets,
  User,
  UserFilled,
} from '@element-plus/icons-vue'
import { APIKEY_ROLES } from '../api/apikeys'
import { CALENDAR_ROLES } from '../api/calendar'
import { CATALOG_ROLES } from '../api/catalog'
import { DASHBOARD_ROLES } from '../dashboard/api'
import { DISPLAY_MANAGE_ROLES } from '../api/displays'
import { EVENT_ROLES } from '../api/events'
import { REGISTRY_ROLES, STAFF_ROLES, type Role } from '../api/types'
import { WORKFORCE_ROLES } from '../api/workforce'
import { NOTICE_ROLES } from '../pages/notices/api'
import { ROUTE } from './guard'

declare module 'vue-router' {
  interface RouteMeta {
    /** Open to visitors who are not signed in. */
    public?: boolean
    /** Puts the route in the side menu: an i18n key for its label, and an icon. */
    nav?: { label: string; icon: Component }
    /** Only these roles may open the route (and see it in the menu); every role when absent. */
    roles?: readonly Role[]
  }
}

/** The pages inside the console layout; those with meta.nav appear in the menu, in this order. */
export const consoleRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: ROUTE.home,
    component: () => import('../pages/HomePage.vue'),
    meta: { nav: { label: 'nav.home', icon: House } },
  },
  {
    // 指挥看板: the three indicator panels (人房 / 事件 / 运行) of a region, as tabs.
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('../pages/dashboard/DashboardPage.vue'),
    redirect: { name: 'dashboard-people' },
    meta: { nav: { label: 'dashboard.nav', icon: DataAnalysis }, roles: DASHBOARD_ROLES },
    // The page draws the tab itself; the child routes only name it.
    children: [
      { path: 'people', name: 'dashboard-people', component: () => import('../pages/dashboard/DashboardTab.vue') },
      { path: 'events', name: 'dashboard-events', component: () => import('../pages/dashboard/DashboardTab.vue') },
      { path: 'operations', name: 'dashboard-operations', component: () => import('../pages/dashboard/DashboardTab.vue') },
    ],
  },
  {
    // 事件: the dispatch workbench (a department's inbox), one event, and the report form.
    path: 'events',
    name: 'events',
    component: () => import('../pages/events/EventsPage.vue'),
    redirect: { name: 'events-workbench' },
    meta: { nav: { label: 'events.nav', icon: Tickets }, roles: EVENT_ROLES },
    children: [
      { path: 'workbench', name: 'events-workbench', component: () => import('../pages/events/WorkbenchPage.vue') },
      { path: 'report', name: 'events-report', component: () => import('../pages/events/ReportPage.vue') },
      {
        path: ':id(\\d+)',
        name: 'event',
        component: () => import('../pages/events/EventPage.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
      },
    ],
  },
  {
    // 通知公告: notices for a region, read by its residents in the resident app.
    path: 'notices',
    name: 'notices',
    component: () => import('../pages/notices/NoticesPage.vue'),
    meta: { nav: { label: 'noticeDesk.nav', icon: Bell }, roles: NOTICE_ROLES },
  },
  {
    path: 'map',
    name: 'map',
    component: () => import('../pages/MapPage.vue'),
    meta: { nav: { label: 'nav.map', icon: MapLocation }, roles: STAFF_ROLES },
  },
  {
    // 人口房屋: persons and houses, under tabs; the section opens on the persons.
    path: 'registry',
    name: 'registry',
    component: () => import('../pages/registry/RegistryPage.vue'),
    redirect: { name: 'registry-persons' },
    meta: { nav: { label: 'nav.registry', icon: OfficeBuilding }, roles: REGISTRY_ROLES },
    children: [
      {
        path: 'persons',
        name: 'registry-persons',
        component: () => import('../pages/registry/PersonsPage.vue'),
      },
      {
        path: 'persons/:id(\\d+)',
        name: 'registry-person',
        component: () => import('../pages/registry/PersonPage.vue'),
        props: true,
      },
      {
        path: 'houses',
        name: 'registry-houses',
        component: () => import('../pages/registry/HousesPage.vue'),
      },
      {
        path: 'houses/:code',
        name: 'registry-house',
        component: () => import('../pages/registry/HousePage.vue'),
        props: true,
      },
      {
        // 抽检: the monthly sampling checks of the records above.
        path: 'sampling',
        name: 'registry-sampling',
        component: () => import('../pages/registry/SamplingPage.vue'),
      },
    ],
  },
  {
    // 网格力量: grid workers, the 1+1+N teams of the grids, staffing and attendance, under tabs.
    path: 'workforce',
    name: 'workforce',
    component: () => import('../pages/workforce/WorkforcePage.vue'),
    redirect: { name: 'workforce-workers' },
    meta: { nav: { label: 'workforce.nav', icon: UserFilled }, roles: WORKFORCE_ROLES },
    children: [
      { path: 'workers', name: 'workforce-workers', component: () => import('../pages/workforce/WorkersPage.vue') },
      { path: 'teams', name: 'workforce-teams', component: () => import('../pages/workforce/TeamsPage.vue') },
      { path: 'staffing', name: 'workforce-staffing', component: () => import('../pages/workforce/StaffingPage.vue') },
    ],
  },
  {
    // 事件目录: event categories, departments and routing rules, under tabs.
    path: 'catalog',
    name: 'catalog',
    component: () => import('../pages/catalog/CatalogPage.vue'),
    redirect: { name: 'catalog-categories' },
    meta: { nav: { label: 'catalog.nav', icon: Collection }, roles: CATALOG_ROLES },
    children: [
      { path: 'categories', name: 'catalog-categories', component: () => import('../pages/catalog/CategoriesPage.vue') },
      { path: 'departments', name: 'catalog-departments', component: () => import('../pages/catalog/DepartmentsPage.vue') },
      { path: 'rules', name: 'catalog-rules', component: () => import('../pages/catalog/RoutingRulesPage.vue') },
    ],
  },
  {
    // 工作日历: the holidays, make-up working days and working hours that deadlines are counted with.
    path: 'calendar',
    name: 'calendar',
    component: () => import('../pages/calendar/CalendarPage.vue'),
    meta: { nav: { label: 'calendar.nav', icon: Calendar }, roles: CALENDAR_ROLES },
  },
  {
    // 接口密钥: keys of API clients such as Open311 apps; deployment-wide admins only.
    path: 'admin/api-keys',
    name: 'admin-api-keys',
    component: () => import('../pages/admin/ApiKeysPage.vue'),
    meta: { nav: { label: 'apiKeys.nav', icon: Key }, roles: APIKEY_ROLES },
  },
  {
    // 大屏终端: the wall screens that stay signed in to show the big screen; reached from 我的.
    path: 'displays',
    name: 'displays',
    component: () => import('../pages/displays/DisplaysPage.vue'),
    meta: { roles: DISPLAY_MANAGE_ROLES },
  },
  {
    path: 'me',
    name: 'me',
    component: () => import('../pages/MePage.vue'),
    meta: { nav: { label: 'nav.me', icon: User } },
  },
  {
    path: ':pathMatch(.*)*',
    name: 'not-found',
    component: () => import('../pages/NotFoundPage.vue'),
  },
]

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: ROUTE.login,
    component: () => import('../pages/LoginPage.vue'),
    meta: { public: true },
  },
  {
    path: '/password',
    name: ROUTE.changePassword,
    component: () => import('../pages/ChangePasswordPage.vue'),
  },
  {
    path: '/totp',
    name: ROUTE.totpEnroll,
    component: () => import('../pages/TotpEnrollPage.vue'),
  },
  {
    // 指挥大屏: the 1920×1080 big screen, outside the console layout.
    path: '/screen',
    name: 'screen',
    component: () => import('../pages/screen/ScreenPage.vue'),
    meta: { roles: DASHBOARD_ROLES },
  },
  {
    path: '/',
    component: () => import('../components/AppLayout.vue'),
    children: consoleRoutes,
  },
]
