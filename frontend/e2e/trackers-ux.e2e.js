// Trackers on the dashboard and tracker page as demanding users expect: one-tap logging with Undo
// (the log is really deleted), due trackers first, equal-height cards, the calendar heat-map,
// charts in the tracker's units, stars driven by the keyboard, and the phone's compact logs list.
import { createInvitationViaApi, expect, signIn, snap, test, uniqueEmail } from './fixtures.js'

async function registerMember(request, prefix) {
  const email = uniqueEmail(prefix)
  const password = 'member-password-1'
  const invitation = await createInvitationViaApi(request, email)
  const registered = await request.post('/api/auth/register', { data: { email, password, invitation: invitation.code } })
  expect(registered.ok()).toBeTruthy()
  const login = await request.post('/api/auth/login', { data: { email, password } })
  const { token } = await login.json()
  return { email, password, headers: { 'Authentication-Token': token } }
}

async function makeTracker(request, headers, data) {
  const created = await request.post('/api/trackers', { headers, data })
  expect(created.status()).toBe(201)
  return (await created.json()).tracker
}

async function logCount(request, headers, tracker) {
  const response = await request.get(`/api/trackers/${tracker.id}/logs`, { headers })
  return (await response.json()).total
}

async function seed(request, headers) {
  const sleep = await makeTracker(request, headers, { name: 'Sleep', type: 'duration' })
  const mood = await makeTracker(request, headers, { name: 'Mood', type: 'rating', settings: { scale: 5 } })
  const meditated = await makeTracker(request, headers, { name: 'Meditated', type: 'boolean' })
  const now = Date.now()
  for (let day = 40; day >= 0; day -= 1) {
    const timestamp = new Date(now - day * 86400000 - 3600000).toISOString()
    await request.post(`/api/trackers/${sleep.id}/logs`, {
      headers, data: { value: 21600 + ((day * 1370) % 7200), timestamp, note: day % 6 ? '' : 'woke up once' },
    })
    if (day > 0 && day % 3) {
      await request.post(`/api/trackers/${meditated.id}/logs`, { headers, data: { value: day % 4 !== 0, timestamp } })
    }
  }
  return { sleep, mood, meditated }
}

const sizes = [
  { name: 'desktop', viewport: { width: 1366, height: 850 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
]

for (const size of sizes) {
  test.describe(`trackers on ${size.name}`, () => {
    test.use({ viewport: size.viewport })

    test(`one-tap logging with undo, due first, equal cards (${size.name})`, async ({ page, request }) => {
      const member = await registerMember(request, `tap-${size.name}`)
      const { sleep, mood, meditated } = await seed(request, member.headers)
      await signIn(page, member.email, member.password)

      const cards = page.locator('.tracker-card')
      await expect(cards).toHaveCount(3)
      // Sleep was logged today: it goes after the two due trackers.
      await expect(cards.last()).toHaveAttribute('data-tracker', 'Sleep')
      const heights = await cards.evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().height)))
      expect(new Set(heights).size).toBe(1)
      await expect(page.locator('[data-tracker="Meditated"] .tracker-sparkline[data-kind="ticks"] rect').first()).toBeVisible()

      const card = page.locator('[data-tracker="Meditated"]')
      await card.getByRole('button', { name: 'Log Yes' }).click()
      const toast = page.locator('.app-toast').filter({ hasText: 'Logged Yes for Meditated' })
      await expect(toast).toBeVisible()
      await expect(card.locator('.tracker-card__value')).toHaveText('Yes')
      const before = await logCount(request, member.headers, meditated)
      await snap(page, `trackers-one-tap-${size.name}`)
      await toast.getByRole('button', { name: 'Undo' }).click()
      await expect(page.locator('.app-toast').filter({ hasText: 'Removed that log of Meditated' })).toBeVisible()
      await expect.poll(() => logCount(request, member.headers, meditated)).toBe(before - 1)
      await expect(card.getByText('Due today')).toBeVisible()

      const moodCard = page.locator('[data-tracker="Mood"]')
      await moodCard.getByRole('button', { name: 'Log 4 of 5' }).click()
      await expect(moodCard.locator('.tracker-card__value')).toHaveText('★★★★☆')
      expect(await logCount(request, member.headers, mood)).toBe(1)

      // The tracker page: calendar heat-map, chart ticks in hours and minutes, locale dates.
      await page.goto(`/trackers/${sleep.id}`)
      await expect(page.locator('.tracker-trend-chart canvas')).toBeVisible()
      const heatmap = page.getByRole('img', { name: /Calendar of the last 26 weeks: \d+ of \d+ days logged/ })
      await expect(heatmap).toBeVisible()
      await expect(page.locator('.tracker-heatmap__grid .tracker-heatmap__cell.is-logged')).toHaveCount(41)
      await snap(page, `tracker-detail-sleep-${size.name}`)
      if (size.name === 'phone') {
        // Compact labelled list: every field says what it is, and a row stays short.
        const row = page.locator('.tracker-logs__table tbody tr').first()
        await expect(row.locator('[data-label="When"]')).toBeVisible()
        const height = await row.evaluate((el) => el.getBoundingClientRect().height)
        expect(height).toBeLessThan(110)
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        expect(overflow).toBeLessThanOrEqual(1)
      }
      await page.getByLabel('Group by').selectOption('month')
      await expect(page.locator('.tracker-trend-chart canvas')).toBeVisible()
      await snap(page, `tracker-detail-sleep-month-${size.name}`)
    })
  })
}

test('rating stars: one tab stop, arrow keys choose', async ({ page, request }) => {
  const member = await registerMember(request, 'stars')
  const mood = await makeTracker(request, member.headers, { name: 'Mood', type: 'rating', settings: { scale: 5 } })
  await signIn(page, member.email, member.password)
  await page.goto(`/trackers/${mood.id}`)
  const group = page.locator('.tracker-log-form').getByRole('radiogroup', { name: 'Value' })
  await group.getByRole('radio', { name: '1 of 5' }).focus()
  await page.keyboard.press('ArrowRight')
  await page.keyboard.press('ArrowRight')
  await expect(group.getByRole('radio', { name: '2 of 5' })).toBeFocused()
  await expect(group.getByRole('radio', { name: '2 of 5' })).toHaveAttribute('aria-checked', 'true')
  expect(await group.locator('[role="radio"][tabindex="0"]').count()).toBe(1)
  // Tab leaves the group in one step.
  await page.keyboard.press('Tab')
  await expect(group.locator(':focus')).toHaveCount(0)
  await page.getByRole('button', { name: 'Save log' }).click()
  await expect(page.locator('.tracker-logs__value').first()).toHaveText('★★☆☆☆')
})
