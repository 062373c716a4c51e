// Each action the case file may offer, with its label, form and where it is sent. The case
// file shows only what the detail's `actions` lists; an action not known here still gets a
// button and a note field, so a new step on the API side is never hidden.

export type Field =
  | 'note'
  | 'reason'
  | 'assignee_id'
  | 'department_id'
  | 'level'
  | 'duplicate_of'
  | 'into'
  | 'media_ids'
  | 'decision'

export interface ActionSpec {
  label: string
  type: 'primary' | 'success' | 'warning' | 'danger' | 'info'
  fields: Field[]
  required: Field[]
  path: (id: number) => string
}

const step = (name: string) => (id: number) => `/reports/${id}/${name}`

export const ACTIONS: Record<string, ActionSpec> = {
  assign: { label: '派单/改派', type: 'primary', fields: ['assignee_id', 'note'], required: ['assignee_id'],
    path: (id) => `/admin/reports/${id}/reassign` },
  accept: { label: '受理', type: 'success', fields: ['note'], required: [], path: step('accept') },
  transfer: { label: '转办部门', type: 'primary', fields: ['department_id', 'note'], required: ['department_id'],
    path: step('transfer') },
  // 退回: the department hands back a case that is not its own; the API requires the reason
  return: { label: '退回', type: 'warning', fields: ['reason'], required: ['reason'], path: step('return') },
  escalate: { label: '上报', type: 'warning', fields: ['level', 'reason'], required: [], path: step('escalate') },
  resolve: { label: '办结', type: 'success', fields: ['media_ids', 'note'], required: [], path: step('resolve') },
  reject: { label: '驳回', type: 'danger', fields: ['reason', 'duplicate_of'], required: ['reason'], path: step('reject') },
  merge: { label: '合并重复', type: 'warning', fields: ['into', 'reason'], required: ['into'],
    path: (id) => `/reports/${id}/merge` },
  review_flags: { label: '核查照片', type: 'primary', fields: ['note'], required: [],
    path: (id) => `/reports/${id}/flags/review` },
  moderate: { label: '内容审核', type: 'warning', fields: ['decision', 'note'], required: ['decision'],
    path: (id) => `/reports/${id}/moderate` },
}

export const FIELD_LABELS: Record<Field, string> = {
  note: '备注',
  reason: '原因',
  assignee_id: '网格员',
  department_id: '部门',
  level: '上报层级',
  duplicate_of: '重复于案件',
  into: '并入案件',
  media_ids: '办结照片',
  decision: '审核结论',
}

export function specFor(action: string): ActionSpec {
  return ACTIONS[action] ?? { label: action, type: 'info', fields: ['note'], required: [], path: step(action) }
}

/** The request body for a submitted form: only the action's own fields, empty ones left out. */
export function bodyFor(action: string, form: Partial<Record<Field, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const f of specFor(action).fields) {
    const v = form[f]
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue
    body[f] = v
  }
  return body
}

/** The first required field left empty, for a message before anything is sent. */
export function missingField(action: string, form: Partial<Record<Field, unknown>>): Field | null {
  const body = bodyFor(action, form)
  return specFor(action).required.find((f) => !(f in body)) ?? null
}
