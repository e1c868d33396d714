import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('../../api/client.js', () => ({ api: { get: vi.fn() } }))

const { api } = await import('../../api/client.js')
const { default: JobProgress } = await import('./JobProgress.vue')

function job(overrides) {
  return { id: 7, kind: 'product_export', status: 'queued', progress: 0, message: '', result: null, ...overrides }
}

describe('JobProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    api.get.mockReset()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('polls every second until the job succeeds, then shows the result link', async () => {
    api.get
      .mockResolvedValueOnce({ job: job({ status: 'running', progress: 30, message: 'Collecting documents' }) })
      .mockResolvedValueOnce({ job: job({ status: 'running', progress: 70, message: 'Zipping' }) })
      .mockResolvedValueOnce({
        job: job({ status: 'succeeded', progress: 100, message: 'Done', result: { download_url: '/api/exports/7' } }),
      })
    const wrapper = mount(JobProgress, { props: { jobId: 7 } })

    await flushPromises()
    expect(api.get).toHaveBeenCalledTimes(1)
    expect(api.get).toHaveBeenLastCalledWith('/jobs/7')
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('30')
    expect(wrapper.text()).toContain('Collecting documents')
    expect(wrapper.find('a').exists()).toBe(false)

    await vi.advanceTimersByTimeAsync(1000)
    expect(api.get).toHaveBeenCalledTimes(2)
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('70')
    expect(wrapper.text()).toContain('Zipping')

    await vi.advanceTimersByTimeAsync(1000)
    expect(api.get).toHaveBeenCalledTimes(3)
    expect(wrapper.attributes('data-status')).toBe('succeeded')
    expect(wrapper.get('a').attributes('href')).toBe('/api/exports/7')
    expect(wrapper.emitted('finished')[0][0].status).toBe('succeeded')

    await vi.advanceTimersByTimeAsync(5000)
    expect(api.get).toHaveBeenCalledTimes(3)
  })

  it('stops polling when the job fails and shows its message', async () => {
    api.get
      .mockResolvedValueOnce({ job: job({ status: 'running', progress: 10 }) })
      .mockResolvedValueOnce({ job: job({ status: 'failed', progress: 10, message: 'Mail server unreachable' }) })
    const wrapper = mount(JobProgress, { props: { jobId: 7 } })

    await flushPromises()
    await vi.advanceTimersByTimeAsync(1000)

    expect(wrapper.attributes('data-status')).toBe('failed')
    expect(wrapper.text()).toContain('Mail server unreachable')
    expect(wrapper.text()).toContain('Failed')
    // A failed job is not a bar stuck at some percent: the bar is full (red) and no figure shows.
    expect(wrapper.text()).not.toContain('10%')
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuetext')).toBe('Failed')
    await vi.advanceTimersByTimeAsync(3000)
    expect(api.get).toHaveBeenCalledTimes(2)
  })

  it('shows a finished job whose result is partial as done with problems, not a green Done', async () => {
    const partial = job({ status: 'succeeded', progress: 100, result: { status: 'partial' }, message: 'ippal failed' })
    const wrapper = mount(JobProgress, { props: { jobId: 7, job: partial } })
    await flushPromises()
    expect(wrapper.attributes('data-status')).toBe('partial')
    expect(wrapper.get('.badge').text()).toBe('Done with problems')
    expect(wrapper.get('.badge').classes()).toContain('badge-warning')
  })

  it('does not poll a job that is already finished', async () => {
    mount(JobProgress, { props: { jobId: 7, job: job({ status: 'succeeded', progress: 100 }) } })
    await vi.advanceTimersByTimeAsync(3000)
    expect(api.get).not.toHaveBeenCalled()
  })

  it('keeps polling through a temporary network error', async () => {
    api.get
      .mockRejectedValueOnce(Object.assign(new Error('Could not reach the server.'), { status: 0 }))
      .mockResolvedValueOnce({ job: job({ status: 'succeeded', progress: 100 }) })
    const wrapper = mount(JobProgress, { props: { jobId: 7 } })

    await flushPromises()
    expect(wrapper.text()).toContain('Could not reach the server.')
    await vi.advanceTimersByTimeAsync(1000)
    expect(api.get).toHaveBeenCalledTimes(2)
    expect(wrapper.attributes('data-status')).toBe('succeeded')
  })

  it('stops polling when unmounted', async () => {
    api.get.mockResolvedValue({ job: job({ status: 'running', progress: 50 }) })
    const wrapper = mount(JobProgress, { props: { jobId: 7 } })
    await flushPromises()
    wrapper.unmount()
    await vi.advanceTimersByTimeAsync(5000)
    expect(api.get).toHaveBeenCalledTimes(1)
  })
})
