import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { getToken, setUnauthorizedHandler } from './api/client'

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: '登录' } },
    {
      path: '/',
      component: () => import('./components/AppLayout.vue'),
      children: [
        { path: '', redirect: { name: 'queue' } },
        { path: 'queue', name: 'queue', component: () => import('./views/QueueView.vue'), meta: { title: '工作台' } },
        { path: 'cases/:id(\\d+)', name: 'case', component: () => import('./views/CaseView.vue'), meta: { title: '案件详情' } },
        { path: 'map', name: 'map', component: () => import('./views/MapView.vue'), meta: { title: '网格地图' } },
        { path: 'load', name: 'load', component: () => import('./views/LoadView.vue'), meta: { title: '调度' } },
        { path: 'stats', name: 'stats', component: () => import('./views/StatsView.vue'), meta: { title: '统计分析' } },
        { path: 'screens', name: 'screens', component: () => import('./views/ScreensView.vue'), meta: { title: '大屏管理' } },
      ],
    },
    // the wall screen signs in with its own screen token, never with a person's (see ScreenView)
    { path: '/screen', name: 'screen', component: () => import('./views/ScreenView.vue'), meta: { public: true, title: '指挥中心大屏' } },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { public: true, title: '页面不存在' } },
  ],
})

/** Where sign-in should send the user back to; never back to sign-in itself. */
export function redirectTarget(to: RouteLocationNormalized): string | undefined {
  return to.name === 'login' ? undefined : to.fullPath
}

router.beforeEach((to) => {
  if (!to.meta.public && !getToken()) {
    return { name: 'login', query: { redirect: redirectTarget(to) } }
  }
  return true
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) || '指挥中心'} · 随手拍指挥中心`
})

setUnauthorizedHandler(() => {
  const current = router.currentRoute.value
  if (current.name !== 'login') {
    router.push({ name: 'login', query: { redirect: redirectTarget(current), expired: '1' } })
  }
})
