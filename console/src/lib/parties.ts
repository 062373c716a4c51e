// 双考核: the grid and a department each run on their own clock. The API may list the parties;
// otherwise they are read from the detail's handler fields and deadlines.

import type { ReportDetail } from '../api/types'
import { secondsUntil } from './time'

export interface PartyClock {
  kind: string
  label: string
  name: string
  due_at: string | null
  seconds_left: number | null
  stage: string
}

const KIND_LABELS: Record<string, string> = { grid: '网格', department: '部门', community: '社区', street: '街道', district: '区' }

export function partyClocks(r: ReportDetail, now: Date = new Date()): PartyClock[] {
  if (r.parties?.length) {
    return r.parties.map((p) => ({
      kind: p.kind,
      label: KIND_LABELS[p.kind] ?? p.kind,
      name: p.name,
      due_at: p.due_at ?? null,
      seconds_left: p.seconds_left ?? secondsUntil(p.due_at, now),
      stage: p.status ?? '',
    }))
  }
  const open = !['resolved', 'closed', 'rejected'].includes(r.status)
  const accepting = !r.accepted_at
  const due = open ? (accepting ? r.accept_due_at : r.resolve_due_at) ?? null : null
  const stage = !open ? '已完成' : accepting ? '受理时限' : '办结时限'
  const out: PartyClock[] = []
  if (r.grid || r.assignee) {
    out.push({ kind: 'grid', label: '网格', name: [r.grid?.name, r.assignee?.name].filter(Boolean).join(' · '),
      due_at: r.department ? null : due, seconds_left: r.department ? null : secondsUntil(due, now), stage: r.department ? '已转办' : stage })
  }
  if (r.department) {
    out.push({ kind: 'department', label: '部门', name: r.department.name, due_at: due, seconds_left: secondsUntil(due, now), stage })
  }
  return out
}
