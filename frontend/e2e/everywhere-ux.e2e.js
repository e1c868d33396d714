// App-wide: dark mode (the device's preference, a header switch kept on this device, Settings to go
// back to "follow the device") and keyboard shortcuts ("/", "n", "?"), ignored while typing.
import { expect, registerMember, signIn, snap, test } from './fixtures.js'

async function seed(request, headers) {
  const made = await request.post('/api/trackers', { headers, data: { name: 'Sleep', type: 'duration' } })
  const { tracker } = await made.json()
  await request.post('/api/trackers', { headers, data: { name: 'Meditated', type: 'boolean' } })
  await request.post('/api/trackers', { headers, data: { name: 'Mood', type: 'rating' } })
  for (let day = 12; day >= 1; day -= 1) {
    const timestamp = new Date(Date.now() - day * 86400000).toISOString()
    await request.post(`/api/trackers/${tracker.id}/logs`, { headers, data: { value: 23000 + day * 400, timestamp } })
  }
  return tracker
}

const theme = (page) => page.evaluate(() => document.documentElement.dataset.theme)

const sizes = [
  { name: 'desktop', viewport: { width: 1366, height: 850 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
]

for (const size of sizes) {
  test.describe(`dark mode on ${size.name}`, () => {
    test.use({ viewport: size.viewport, colorScheme: 'dark' })

    test(`follows the device, the switch is kept, Settings goes back (${size.name})`, async ({ page, request }) => {
      const member = await registerMember(request, `dark-${size.name}`)
      const sleep = await seed(request, member.headers)
      await signIn(page, member.email, member.password)
      expect(await theme(page)).toBe('dark')
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
      expect(background).toBe('rgb(15, 18, 32)')
      await snap(page, `dark-trackers-${size.name}`)
      await page.goto(`/trackers/${sleep.id}`)
      await expect(page.locator('.tracker-trend-chart canvas')).toBeVisible()
      await snap(page, `dark-tracker-detail-${size.name}`)
      await page.goto('/settings')
      await snap(page, `dark-settings-${size.name}`)

      const toggle = page.getByRole('button', { name: 'Dark mode' })
      await expect(toggle).toHaveAttribute('aria-pressed', 'true')
      await toggle.click()
      expect(await theme(page)).toBe('light')
      await page.reload()
      await expect(page.getByRole('button', { name: 'Dark mode' })).toHaveAttribute('aria-pressed', 'false')
      expect(await theme(page)).toBe('light')

      await page.getByLabel('Theme').selectOption('system')
      expect(await theme(page)).toBe('dark')
      expect(await page.evaluate(() => localStorage.getItem('trackbase.theme'))).toBeNull()
    })
  })
}

test('keyboard shortcuts: ? lists them, n opens a new tracker, / searches; typing is left alone', async ({
  page,
  request,
}) => {
  const member = await registerMember(request, 'keys')
  await signIn(page, member.email, member.password)
  await expect(page.getByRole('heading', { name: 'Trackers', exact: true })).toBeVisible()

  await page.keyboard.press('?')
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(help).toBeVisible()
  await expect(help).toContainText('New tracker')
  await snap(page, 'shortcuts-help-desktop')
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab')
    expect(await help.evaluate((el) => el.contains(document.activeElement))).toBe(true)
  }
  await page.keyboard.press('Escape')
  await expect(help).toHaveCount(0)

  await page.keyboard.press('n')
  await expect(page).toHaveURL(/\/trackers\/new$/)
  const name = page.getByLabel('Name')
  await name.fill('')
  await name.press('n')
  await name.press('/')
  await expect(name).toHaveValue('n/')
  await expect(page).toHaveURL(/\/trackers\/new$/)

  // `/` focuses the header search from any page (the page stays where it is).
  await page.goto('/jobs')
  await page.locator('h1').click()
  await page.keyboard.press('/')
  await expect(page).toHaveURL(/\/jobs$/)
  const search = page.getByRole('combobox', { name: 'Search everything' })
  await expect(search).toBeFocused()
  await page.keyboard.type('n/')
  await expect(search).toHaveValue('n/')
})
