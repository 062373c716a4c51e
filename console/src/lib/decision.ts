// A staff decision on one row of a list: decide (at once, or after a reason typed in a dialog),
// send it to the API, tell the outcome in a toast with the API's own Chinese message, reload.
import { reactive, ref } from 'vue'
import { ElMessage } from 'element-plus'
import { messageOf } from './paged'

export interface Toast {
  success: (message: string) => unknown
  error: (message: string) => unknown
}

export interface DecisionOptions<T extends { id: number }, D extends string, R> {
  /** The API call; `reason` is the trimmed text of the dialog, undefined when left empty or not asked. */
  send: (row: T, decision: D, reason: string | undefined) => Promise<R>
  /** The success toast's text. */
  done: (row: T, decision: D, out: R) => string
  /** Called after a decision the API accepted, with its answer (a list's reload, a detail's refresh). */
  after?: (out: R, row: T, decision: D) => unknown
  toast?: Toast
}

export function useDecision<T extends { id: number }, D extends string, R = unknown>(opts: DecisionOptions<T, D, R>) {
  const toast = opts.toast ?? ElMessage
  /** The id of the row a decision without dialog is being sent for. */
  const busy = ref<number | null>(null)
  const dialog = reactive({ open: false, row: null as T | null, decision: null as D | null, reason: '', error: '', sending: false })

  async function run(row: T, decision: D, reason: string | undefined): Promise<R> {
    const out = await opts.send(row, decision, reason)
    toast.success(opts.done(row, decision, out))
    await opts.after?.(out, row, decision)
    return out
  }

  /** A decision that needs no reason: a refusal is a toast with the API's message. */
  async function decide(row: T, decision: D): Promise<boolean> {
    busy.value = row.id
    try {
      await run(row, decision, undefined)
      return true
    } catch (e) {
      toast.error(messageOf(e))
      return false
    } finally {
      busy.value = null
    }
  }

  /** Opens the reason dialog for a decision. */
  function ask(row: T, decision: D) {
    Object.assign(dialog, { open: true, row, decision, reason: '', error: '', sending: false })
  }

  /** Sends the dialog's decision; a refusal keeps the dialog open with the API's message in it. */
  async function submit(): Promise<boolean> {
    const { row, decision } = dialog
    if (!row || !decision) return false
    dialog.sending = true
    dialog.error = ''
    try {
      await run(row as T, decision as D, dialog.reason.trim() || undefined)
      dialog.open = false
      return true
    } catch (e) {
      dialog.error = messageOf(e)
      return false
    } finally {
      dialog.sending = false
    }
  }

  // one reactive object, so a template reads `d.busy` and a child component can take it whole
  return reactive({ busy, dialog, decide, ask, submit })
}

/** What the reason dialog needs of a decision, whatever its row and answer types. */
export interface DecisionDialog {
  dialog: { open: boolean; reason: string; error: string; sending: boolean }
  submit: () => Promise<boolean>
}
