import { reactive } from 'vue'

// Short confirmations ("Link copied") shown by AppToastHost, shared by every page. A toast may carry
// one action (`{ label: 'Undo', run }`): the button runs it once and closes the toast.
const toasts = reactive([])
let nextId = 1

export function useToasts() {
  function dismiss(id) {
    const index = toasts.findIndex((toast) => toast.id === id)
    if (index !== -1) toasts.splice(index, 1)
  }

  function show(message, { kind = 'success', timeout = 3500, action = null } = {}) {
    const id = nextId++
    toasts.push({ id, message, kind, action })
    if (timeout) setTimeout(() => dismiss(id), timeout)
    return id
  }

  async function runAction(id) {
    const toast = toasts.find((t) => t.id === id)
    if (!toast?.action || toast.busy) return
    toast.busy = true
    try {
      await toast.action.run()
      dismiss(id)
    } catch (err) {
      dismiss(id)
      show(err?.message || 'That did not work.', { kind: 'error', timeout: 6000 })
    }
  }

  return { toasts, show, dismiss, runAction }
}
