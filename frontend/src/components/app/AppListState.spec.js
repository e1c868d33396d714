import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import AppListState from './AppListState.vue'

function list({ loading = false, loaded = true, error = null, items = [] } = {}) {
  return { loading: ref(loading), loaded: ref(loaded), error: ref(error), items: ref(items), reload: vi.fn() }
}

function render(state) {
  return mount(AppListState, {
    props: { list: state, loadingLabel: 'Loading jobs…', emptyTitle: 'No jobs yet' },
    slots: { default: '<ul class="rows"><li>row</li></ul>' },
  })
}

describe('AppListState', () => {
  it('shows the loading label before the first page arrives', () => {
    expect(render(list({ loading: true, loaded: false })).text()).toContain('Loading jobs…')
  })

  it('shows the error with a retry that reloads', async () => {
    const state = list({ error: { message: 'The server is unreachable.' } })
    const wrapper = render(state)
    expect(wrapper.text()).toContain('The server is unreachable.')
    await wrapper.find('button').trigger('click')
    expect(state.reload).toHaveBeenCalled()
  })

  it('shows the empty state when there are no items', () => {
    const wrapper = render(list())
    expect(wrapper.text()).toContain('No jobs yet')
    expect(wrapper.find('.rows').exists()).toBe(false)
  })

  it('shows the list itself when there are items, also while a later page loads', () => {
    expect(
      render(list({ loading: true, items: [{ id: 1 }] }))
        .find('.rows')
        .exists(),
    ).toBe(true)
  })
})
