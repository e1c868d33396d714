import { ref } from 'vue'
import { exportTrackersCsv, importTrackersCsv, requestReport as postReport } from '../api/trackers.js'

/** CSV import (immediate), CSV export and emailed reports (jobs followed with JobProgress). */
export function useTrackerJobs() {
  const importing = ref(false)
  const importResult = ref(null)
  const importError = ref(null)
  const jobs = ref([])

  async function importCsv(file) {
    importing.value = true
    importResult.value = null
    importError.value = null
    try {
      const form = new FormData()
      form.append('file', file)
      importResult.value = await importTrackersCsv(form)
    } catch (err) {
      importError.value = err
    } finally {
      importing.value = false
    }
    return importResult.value
  }

  async function exportCsv(body = {}) {
    const { job } = await exportTrackersCsv(body)
    jobs.value = [{ job, title: 'CSV export' }, ...jobs.value]
    return job
  }

  async function requestReport(body) {
    const { job } = await postReport(body)
    jobs.value = [{ job, title: 'Report by email' }, ...jobs.value]
    return job
  }

  return { importing, importResult, importError, jobs, importCsv, exportCsv, requestReport }
}
