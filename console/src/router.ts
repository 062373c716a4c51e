import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { getToken, getUser, setUnauthorizedHandler } from './api/client'
import { mayOpen } from './lib/nav'

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
        { path: 'wishes/review', name: 'wish-review', component: () => import('./views/wishes/WishReviewView.vue'), meta: { title: '心愿审核' } },
        { path: 'wishes/entry', name: 'wish-entry', component: () => import('./views/wishes/WishEntryView.vue'), meta: { title: '代录心愿' } },
        { path: 'wishes/campaigns', name: 'campaigns', component: () => import('./views/wishes/CampaignsView.vue'), meta: { title: '征集活动' } },
        { path: 'wishes/volunteers', name: 'volunteers', component: () => import('./views/wishes/VolunteersView.vue'), meta: { title: '双报到登记' } },
        { path: 'points/riders', name: 'riders', component: () => import('./views/points/RidersView.vue'), meta: { title: '骑手认证' } },
        { path: 'points/adjust', name: 'points-adjust', component: () => import('./views/points/RidersView.vue'), meta: { title: '积分调整' } },
        { path: 'points/awards', name: 'awards', component: () => import('./views/points/AwardsView.vue'), meta: { title: '积分审核' } },
        { path: 'points/redemptions', name: 'redemptions', component: () => import('./views/points/RedemptionsView.vue'), meta: { title: '兑换核销' } },
        { path: 'points/rewards', name: 'rewards', component: () => import('./views/points/RewardsView.vue'), meta: { title: '奖品库存' } },
        { path: 'points/posts', name: 'posts', component: () => import('./views/points/PostsView.vue'), meta: { title: '治理岗' } },
        { path: 'points/bounties', name: 'bounties', component: () => import('./views/points/BountiesView.vue'), meta: { title: '揭榜挂帅' } },
        { path: 'points/rules', name: 'rules', component: () => import('./views/points/RulesView.vue'), meta: { title: '积分细则' } },
        { path: 'points/leaderboard', name: 'leaderboard', component: () => import('./views/points/LeaderboardView.vue'), meta: { title: '积分排行' } },
        { path: 'moderation', name: 'moderation', component: () => import('./views/ModerationView.vue'), meta: { title: '内容审核' } },
        { path: 'catalog/categories', name: 'categories', component: () => import('./views/catalog/CategoriesView.vue'), meta: { title: '案件类别' } },
        { path: 'catalog/calendar', name: 'calendar', component: () => import('./views/catalog/CalendarView.vue'), meta: { title: '工作日历' } },
        { path: 'org', name: 'org', component: () => import('./views/org/OrgView.vue'), meta: { title: '组织与网格' } },
        { path: 'inbox', name: 'inbox', component: () => import('./views/notify/InboxView.vue'), meta: { title: '我的消息' } },
        { path: 'notify/credits', name: 'notify-credits', component: () => import('./views/notify/CreditsView.vue'), meta: { title: '订阅额度' } },
        { path: 'wishes/rankings', name: 'wish-rankings', component: () => import('./views/wishes/WishRankingsView.vue'), meta: { title: '单位排行' } },
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
  // a page the role may not use is not opened by typing its address either
  if (!to.meta.public && to.name && !mayOpen(String(to.name), getUser()?.role)) return { name: 'queue' }
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
