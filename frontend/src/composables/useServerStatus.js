import { onBeforeUnmount, readonly, ref, watch } from 'vue'
import { probeServer } from '../api/accounts.js'
import { isServerTroubled, onServerTroubleChange } from '../api/client.js'

export const PROBE_MS = 10_000

/**
 * Whether the server is having trouble (it answered 503 or did not answer). While it lasts, a cheap
 * public read is sent every `probeMs` so the state ends as soon as the server answers again, even
 * when the page itself sends nothing more. One caller probes (the banner); others pass `probeMs: 0`.
 */
export function useServerStatus({ probeMs = PROBE_MS } = {}) {
  const troubled = ref(isServerTroubled())
  const stopListening = onServerTroubleChange((value) => {
    troubled.value = value
  })
  let timer = null

  function stopProbing() {
    clearInterval(timer)
    timer = null
  }

  watch(
    troubled,
    (value) => {
      stopProbing()
      // A failed probe changes nothing: the next one goes out on schedule.
      if (value && probeMs > 0) timer = setInterval(() => probeServer().catch(() => {}), probeMs)
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    stopListening()
    stopProbing()
  })

  return { troubled: readonly(troubled) }
}

/** An error that AppServerBanner already reports (503 or no answer): pages show no second banner for it. */
export function isTroubleError(error) {
  return Boolean(error) && (error.status === 0 || error.status === 503)
}
