// Which pages a role may open: the side menu and the router guard read this one list, so a page
// hidden from the menu is also refused by address. The roles mirror what the API lets each do.
import { ADMIN_ROLES } from './roles'

export interface NavItem {
  name: string
  title: string
  roles?: string[]
}

export interface NavGroup {
  title: string
  items: NavItem[]
}

const ADMINS = ADMIN_ROLES
const WISH_STAFF = ['grid_member', ...ADMINS]

export const NAV: NavGroup[] = [
  {
    title: '案件',
    items: [
      { name: 'queue', title: '工作台' },
      { name: 'map', title: '网格地图' },
      { name: 'load', title: '调度' },
    ],
  },
  {
    // the stats API serves grid members and admins; screen tokens are the admins'
    title: '统计',
    items: [
      { name: 'stats', title: '统计分析', roles: WISH_STAFF },
      { name: 'screens', title: '大屏管理', roles: ADMINS },
    ],
  },
  {
    title: '微心愿',
    items: [
      { name: 'wish-review', title: '心愿审核', roles: WISH_STAFF },
      { name: 'wish-entry', title: '代录心愿', roles: ['grid_member'] },
      { name: 'campaigns', title: '征集活动', roles: ADMINS },
      { name: 'volunteers', title: '双报到登记', roles: ADMINS },
      { name: 'wish-rankings', title: '单位排行', roles: WISH_STAFF },
    ],
  },
  {
    title: '新就业群体',
    items: [
      { name: 'riders', title: '骑手认证', roles: ADMINS },
      { name: 'awards', title: '积分审核', roles: ADMINS },
      { name: 'points-adjust', title: '积分调整', roles: ADMINS },
      { name: 'posts', title: '治理岗', roles: ADMINS },
      { name: 'bounties', title: '揭榜挂帅', roles: ADMINS },
      { name: 'redemptions', title: '兑换核销', roles: ADMINS },
      { name: 'rewards', title: '奖品库存', roles: ADMINS },
      { name: 'rules', title: '积分细则', roles: ADMINS },
      { name: 'leaderboard', title: '积分排行', roles: ADMINS },
    ],
  },
  {
    title: '内容安全',
    items: [{ name: 'moderation', title: '内容审核', roles: ADMINS }],
  },
  {
    // the catalog and calendar are the district's, shared by every community
    title: '目录',
    items: [
      { name: 'categories', title: '案件类别', roles: ['district_admin'] },
      { name: 'calendar', title: '工作日历', roles: ['district_admin'] },
    ],
  },
  {
    title: '组织',
    items: [{ name: 'org', title: '组织与网格', roles: ADMINS }],
  },
  {
    title: '通知',
    items: [
      { name: 'inbox', title: '我的消息' },
      { name: 'notify-credits', title: '订阅额度', roles: ADMINS },
    ],
  },
]

export function mayOpen(name: string, role: string | null | undefined): boolean {
  for (const g of NAV) {
    const item = g.items.find((i) => i.name === name)
    if (item) return !item.roles || (!!role && item.roles.includes(role))
  }
  return true
}

/** The menu for a role: groups with at least one page it may open. */
export function navFor(role: string | null | undefined): NavGroup[] {
  return NAV.map((g) => ({ ...g, items: g.items.filter((i) => mayOpen(i.name, role)) })).filter((g) => g.items.length)
}
