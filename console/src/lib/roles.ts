export const ROLE_LABELS: Record<string, string> = {
  resident: '居民',
  rider: '骑手',
  volunteer: '志愿者',
  grid_member: '网格员',
  community_admin: '社区管理员',
  street_admin: '街道管理员',
  district_admin: '区级管理员',
  department: '职能部门',
}

export const ADMIN_ROLES = ['community_admin', 'street_admin', 'district_admin']

export function roleLabel(role: string | undefined | null): string {
  return (role && ROLE_LABELS[role]) || role || ''
}

export const DUTY_LABELS: Record<string, string> = { on_duty: '在岗', backup: '备岗' }

export function dutyLabel(duty: string | undefined | null): string {
  return (duty && DUTY_LABELS[duty]) || duty || ''
}
