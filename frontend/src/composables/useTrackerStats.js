import { ref } from 'vue'
import { getTrackerStats } from '../api/trackers.js'

/** Stats of one tracker for a bucket size (day/week/month) and optional range. */
export function useTrackerStats() {
  const stats = ref(null)
  const loading = ref(false)
  const error = ref(null)

  async function load(trackerId, { bucket = 'day', from, to } = {}) {
    loading.value = true
    error.value = null
    try {
      stats.value = (await getTrackerStats(trackerId, { bucket, from, to })).stats
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
    return stats.value
  }

  return { stats, loading, error, load }
}
