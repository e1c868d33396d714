import { listJobs } from '../api/jobs.js'
import { usePaginatedList } from './usePaginatedList.js'

/** The current user's jobs, newest first as the API returns them. */
export function useJobs() {
  return usePaginatedList((page) => listJobs({ page }))
}
