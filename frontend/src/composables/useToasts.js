import { reactive } from 'vue'

// Short confirmations ("Link copied") shown by AppToastHost, shared by every page.
const toasts = reactive([])
let nextId = 1

export function useToasts() {
  function dismiss(id) {
    const index = toasts.findIndex((toast) => toast.id === id)
    if (index !== -1) toasts.splice(index, 1)
  }

  function show(message, { kind = 'success', timeout = 3500 } = {}) {
    const id = nextId++
    toasts.push({ id, message, kind })
    if (timeout) setTimeout(() => dismiss(id), timeout)
    return id
  }

  return { toasts, show, dismiss }
}
