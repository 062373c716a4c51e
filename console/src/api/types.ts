export interface Ref {
  id: number
  name: string
}

export interface QueueItem {
  id: number
  description?: string
  category?: { code: string; name: string } | null
  status: string
  status_label: string
  grid?: Ref | null
  community?: Ref | null
  address?: string | null
  overdue?: boolean
  assignee?: { id?: number; user_id?: number; name: string } | null
  department?: Ref | null
  created_at: string
  due_at?: string | null
  seconds_left?: number | null
  late_factor?: number | null
  urgency?: 'green' | 'yellow' | 'red'
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export type Counts = Record<'dispatch' | 'accept' | 'in_progress' | 'overdue' | 'flagged' | 'moderation', number>

export interface UnitNode {
  id: number
  name: string
  level?: string
  kind?: string
  children?: UnitNode[]
}

export interface Photo {
  id: number
  url: string
  thumb_url: string
}

export interface TimelineEntry {
  action: string
  label: string
  actor: string
  actor_role: string
  from_status: string | null
  to_status: string
  note: string | null
  photos: Photo[]
  at: string
}

export interface Flag {
  id: number
  kind: string
  label: string
  photo: Photo
  matched_photo?: Photo | null
  reviewed_at?: string | null
}

export interface ReportDetail {
  id: number
  category: { code: string; name: string }
  description: string
  status: string
  status_label: string
  location: { lat: number; lng: number; coord_type: string }
  address?: string | null
  grid?: Ref | null
  community?: Ref | null
  department?: Ref | null
  assignee?: { id?: number; name: string; phone?: string | null } | null
  escalation_level?: number
  accept_due_at?: string | null
  resolve_due_at?: string | null
  overdue?: boolean
  urgency?: string
  accepted_at?: string | null
  resolved_at?: string | null
  rating?: number | null
  rating_comment?: string | null
  duplicate_of?: number | null
  reject_reason?: string | null
  created_at: string
  follower_count?: number
  moderation?: string
  photos: Photo[]
  actions: string[]
  timeline: TimelineEntry[]
  flags?: Flag[]
  /** 双考核: each party's own clock, when the API gives them */
  parties?: Array<{ kind: string; name: string; due_at?: string | null; seconds_left?: number | null; status?: string }>
}

export interface Suspect {
  id: number
  description: string
  status_label: string
  category?: { name: string }
  distance_m?: number
  reasons?: string[]
  created_at: string
}

export interface GridOut {
  id: number
  name: string
  community_id?: number | null
  geometry?: { type: string; coordinates: unknown } | null
  members?: Array<{ user_id: number; duty: string; name: string }>
}

export interface MapData {
  grids: Array<{ id: number; name: string; open: number; overdue: number }>
  reports: Array<{ id: number; lat: number; lng: number; status: string; urgency: string }>
  truncated?: boolean
}

export interface LoadBoard {
  members: Array<{ user_id: number; name: string; grid?: Ref | string | null; open: number; overdue: number }>
  departments: Array<{ id: number; name: string; open: number; overdue: number }>
}
