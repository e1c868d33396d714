import { computed, onBeforeUnmount, ref } from 'vue'

/** A countdown of the seconds a 429 asked to wait (Retry-After): `start(error)`, `seconds`, `waiting`. */
export function useRetryWait() {
  const seconds = ref(0)
  let timer = null

  function stop() {
    if (timer) clearInterval(timer)
    timer = null
  }

  function start(error) {
    if (error?.status !== 429) return false
    stop()
    seconds.value = Math.max(1, error.retryAfter ?? 5)
    timer = setInterval(() => {
      seconds.value -= 1
      if (seconds.value <= 0) stop()
    }, 1000)
    return true
  }

  onBeforeUnmount(stop)
  return { seconds, waiting: computed(() => seconds.value > 0), start }
}
