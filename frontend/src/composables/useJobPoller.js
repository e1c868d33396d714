import { onBeforeUnmount, ref, watch } from 'vue'
import { getJob } from '../api/jobs.js'

export const JOB_POLL_MS = 1000
export const FINISHED_STATUSES = ['succeeded', 'failed']

/**
 * Follow one job: fetch `GET /api/jobs/<id>` every second until it succeeded or failed.
 * `jobId` is a ref or getter; `initial` an already known job object (optional).
 */
export function useJobPoller(jobId, { initial = null, onFinished } = {}) {
  const job = ref(initial)
  const error = ref(null)
  let timer = null
  let stopped = false

  function clearTimer() {
    if (timer !== null) {
      clearTimeout(timer)
      timer = null
    }
  }

  function schedule() {
    clearTimer()
    if (!stopped) timer = setTimeout(poll, JOB_POLL_MS)
  }

  async function poll() {
    const id = typeof jobId === 'function' ? jobId() : jobId.value
    if (id === null || id === undefined) return
    try {
      const data = await getJob(id)
      if (stopped) return
      job.value = data.job
      error.value = null
      if (FINISHED_STATUSES.includes(data.job.status)) {
        onFinished?.(data.job)
        return
      }
    } catch (err) {
      if (stopped) return
      error.value = err
      // A missing job or a lost session will not come back by asking again.
      if (err.status === 404 || err.status === 401 || err.status === 403) return
    }
    schedule()
  }

  function start() {
    stopped = false
    clearTimer()
    if (job.value && FINISHED_STATUSES.includes(job.value.status)) return
    poll()
  }

  function stop() {
    stopped = true
    clearTimer()
  }

  watch(typeof jobId === 'function' ? jobId : () => jobId.value, (id, previous) => {
    if (id !== previous) {
      job.value = initial && initial.id === id ? initial : null
      start()
    }
  })
  onBeforeUnmount(stop)
  start()

  return { job, error, stop, refresh: poll }
}
