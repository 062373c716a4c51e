// The create forms of the admin pages, one field list each, mirroring what the API's schema accepts
// (lengths, ranges, defaults); FormDialog draws them and the API keeps the final word.

export interface FormField {
  key: string
  label: string
  type: 'text' | 'textarea' | 'int' | 'number' | 'switch' | 'datetime' | 'select' | 'community'
  required?: boolean
  min?: number
  max?: number
  step?: number
  maxlength?: number
  /** empty sends null (the API's "none", e.g. no cap) instead of leaving the field out */
  nullable?: boolean
  options?: Array<{ label: string; value: string | number }>
  placeholder?: string
  hint?: string
  /** drawn on the line of the field with this key (a unit beside its amount) */
  after?: string
}

const COMMUNITY: FormField = { key: 'community_id', label: '所属社区', type: 'community', required: true }

export const POST_FIELDS: FormField[] = [
  COMMUNITY,
  { key: 'title', label: '岗位名称', type: 'text', required: true, maxlength: 40, placeholder: '如：楼道巡查岗' },
  { key: 'duties', label: '岗位职责', type: 'textarea', required: true, maxlength: 1000 },
  { key: 'capacity', label: '名额', type: 'int', required: true, min: 1, max: 1000 },
  { key: 'monthly_points', label: '月积分', type: 'int', required: true, min: 1, max: 10_000, hint: '每月确认履职后发放' },
  { key: 'active', label: '立即启用', type: 'switch' },
]
export const POST_DEFAULTS = { capacity: 2, monthly_points: 30, active: true }

export const BOUNTY_FIELDS: FormField[] = [
  COMMUNITY,
  { key: 'title', label: '榜单标题', type: 'text', required: true, maxlength: 60 },
  { key: 'description', label: '问题描述', type: 'textarea', required: true, maxlength: 2000 },
  { key: 'points', label: '积分', type: 'int', required: true, min: 1, max: 10_000 },
  { key: 'deadline', label: '截止时间', type: 'datetime', required: true },
  { key: 'max_takers', label: '可揭榜人数', type: 'int', required: true, min: 1, max: 1000 },
]
export const BOUNTY_DEFAULTS = { points: 50, max_takers: 1 }

export const REWARD_FIELDS: FormField[] = [
  COMMUNITY,
  { key: 'name', label: '奖品名称', type: 'text', required: true, maxlength: 40 },
  { key: 'description', label: '说明', type: 'textarea', maxlength: 500, nullable: true },
  { key: 'cost', label: '所需积分', type: 'int', required: true, min: 1, max: 10_000 },
  { key: 'stock', label: '库存', type: 'int', required: true, min: 0, max: 100_000 },
  { key: 'per_user_limit', label: '每人限兑', type: 'int', min: 1, max: 100 },
  { key: 'active', label: '立即上架', type: 'switch' },
]
export const REWARD_DEFAULTS = { cost: 100, stock: 10, per_user_limit: 1, active: true }

/** What a rule's version carries; a new rule adds its code. */
const RULE_TERMS: FormField[] = [
  { key: 'name', label: '规则名称', type: 'text', required: true, maxlength: 60 },
  { key: 'description', label: '说明', type: 'textarea', maxlength: 500, nullable: true },
  { key: 'points', label: '分值', type: 'int', required: true, min: 0, max: 10_000 },
  { key: 'daily_cap', label: '日上限', type: 'int', min: 1, max: 100_000, nullable: true, hint: '留空为不限' },
  { key: 'monthly_cap', label: '月上限', type: 'int', min: 1, max: 100_000, nullable: true, hint: '留空为不限' },
  { key: 'needs_review', label: '需人工审核', type: 'switch' },
  { key: 'riders_only', label: '仅限认证骑手', type: 'switch' },
]
export const RULE_FIELDS: FormField[] = [
  { key: 'code', label: '规则代码', type: 'text', required: true, maxlength: 32, placeholder: '小写字母、数字和下划线，如 flood_patrol',
    hint: '代码创建后不可修改，积分记录以它追溯规则' },
  ...RULE_TERMS,
]
export const RULE_VERSION_FIELDS: FormField[] = RULE_TERMS
export const RULE_DEFAULTS = { points: 10, riders_only: true, needs_review: false }

export const DEADLINE_UNITS = [{ label: '小时', value: 'hours' }, { label: '个工作日', value: 'workdays' }]

export function categoryFields(departments: Array<{ id: number; name: string }>): FormField[] {
  return [
    { key: 'code', label: '类别代码', type: 'text', required: true, maxlength: 32, placeholder: '小写字母开头，如 noise', hint: '代码创建后不可修改' },
    { key: 'name', label: '类别名称', type: 'text', required: true, maxlength: 32 },
    { key: 'description', label: '说明', type: 'textarea', maxlength: 200, nullable: true },
    { key: 'accept_amount', label: '受理时限', type: 'int', required: true, min: 1, max: 1000 },
    { key: 'accept_unit', label: '受理时限单位', type: 'select', required: true, options: DEADLINE_UNITS, after: 'accept_amount' },
    { key: 'resolve_amount', label: '办结时限', type: 'int', required: true, min: 1, max: 1000 },
    { key: 'resolve_unit', label: '办结时限单位', type: 'select', required: true, options: DEADLINE_UNITS, after: 'resolve_amount' },
    { key: 'default_department_id', label: '默认部门', type: 'select', options: departments.map((d) => ({ label: d.name, value: d.id })), placeholder: '不指定' },
    { key: 'route_to_department', label: '直接转部门', type: 'switch' },
    { key: 'needs_after_photo', label: '办结须附照片', type: 'switch', after: 'route_to_department' },
    { key: 'escalate_community_factor', label: '升级倍数', type: 'number', min: 0.1, max: 100, step: 0.5,
      hint: '超过办理时限的多少倍时上报社区、上报街道（街道的须更大）' },
    { key: 'escalate_street_factor', label: '街道', type: 'number', min: 0.1, max: 100, step: 0.5, after: 'escalate_community_factor' },
    { key: 'sort_order', label: '排序', type: 'int', min: 0, max: 10_000 },
    { key: 'active', label: '立即启用', type: 'switch', after: 'sort_order' },
  ]
}
export const CATEGORY_DEFAULTS = { accept_amount: 1, accept_unit: 'workdays', resolve_amount: 5, resolve_unit: 'workdays',
  escalate_community_factor: 1, escalate_street_factor: 2, sort_order: 100, active: true }
