import { computed, onBeforeUnmount, ref } from 'vue'
import { getInventoryStatus } from '../api/inventory.js'

export const STATUS_POLL_MS = 15_000
// After the countdown reaches zero the poll usually lands within seconds: look sooner.
export const DUE_RECHECK_MS = 4_000

/** "just now", "42 s ago", "3 min ago", "2 h ago", "3 days ago"; "never" without a time. */
export function formatAgo(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'never'
  const s = Math.max(0, Math.floor(seconds))
  if (s < 5) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  const days = Math.floor(s / 86_400)
  return `${days} day${days === 1 ? '' : 's'} ago`
}

/** A countdown as "m:ss" (or "h:mm:ss"); null when unknown. */
export function formatCountdown(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return null
  const s = Math.max(0, Math.ceil(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

/**
 * The inventory status (`GET /api/inventory/status`), re-read every 15 s, and a clock ticking
 * every second for "updated X ago" and the countdown. `onDataChanged(status)` runs when a poll
 * changed the data (its `data_version` moved), so lists refetch without a page reload.
 */
export function useInventoryStatus({ onDataChanged, pollMs = STATUS_POLL_MS } = {}) {
  const status = ref(null)
  const error = ref(null)
  const loading = ref(false)
  const now = ref(Date.now())
  let pollTimer = null
  let tickTimer = null
  let stopped = false
  let dueRecheckFor = null

  const lastSuccessAt = computed(() =>
    status.value?.last_success_at ? Date.parse(status.value.last_success_at) : null,
  )
  const nextPollAt = computed(() => (status.value?.next_poll_at ? Date.parse(status.value.next_poll_at) : null))
  const updatedAgo = computed(() =>
    lastSuccessAt.value === null ? 'never' : formatAgo((now.value - lastSuccessAt.value) / 1000),
  )
  const secondsToNext = computed(() => (nextPollAt.value === null ? null : (nextPollAt.value - now.value) / 1000))
  const countdown = computed(() => formatCountdown(secondsToNext.value))
  const due = computed(() => secondsToNext.value !== null && secondsToNext.value <= 0)
  const lastRunFailed = computed(() => status.value?.last_run?.status === 'failed')
  const running = computed(() => Boolean(status.value?.running))

  function schedule(ms = pollMs) {
    clearTimeout(pollTimer)
    if (!stopped) pollTimer = setTimeout(refresh, ms)
  }

  async function refresh() {
    loading.value = true
    try {
      const data = await getInventoryStatus()
      if (stopped) return
      const previous = status.value
      status.value = data
      error.value = null
      if (previous && previous.data_version !== data.data_version) onDataChanged?.(data)
    } catch (err) {
      if (stopped) return
      error.value = err
    } finally {
      loading.value = false
    }
    schedule(running.value ? DUE_RECHECK_MS : pollMs)
  }

  function tick() {
    now.value = Date.now()
    // Once the countdown hits zero, ask again shortly (once per scheduled time) instead of waiting 15 s.
    if (due.value && dueRecheckFor !== nextPollAt.value) {
      dueRecheckFor = nextPollAt.value
      schedule(DUE_RECHECK_MS)
    }
  }

  function start() {
    stopped = false
    tickTimer = setInterval(tick, 1000)
    return refresh()
  }

  function stop() {
    stopped = true
    clearTimeout(pollTimer)
    clearInterval(tickTimer)
  }

  onBeforeUnmount(stop)

  return {
    status,
    error,
    loading,
    now,
    updatedAgo,
    countdown,
    secondsToNext,
    due,
    lastRunFailed,
    running,
    start,
    stop,
    refresh,
  }
}
