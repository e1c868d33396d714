// Emails and the tracker dashboard: the Settings test email (a job, then the message in the sink),
// cards put in a manual order with the keyboard (kept after a reload), and a reminder's Yes link
// that lands on a period already answered No: it says so and offers to change it.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, registerMember, signIn, snap, test, waitForMail } from './fixtures.js'

const backendDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'backend')
const python = join(process.env.E2E_VENV_BIN || join(backendDir, '..', '.venv', 'bin'), 'python')

async function makeTracker(request, headers, data) {
  const created = await request.post('/api/trackers', { headers, data })
  expect(created.status()).toBe(201)
  return (await created.json()).tracker
}

/** What beat does every few minutes: scan for due reminders (the worker then sends the digests). */
function scanReminders() {
  const result = spawnSync(
    python,
    [
      '-c',
      'from datetime import UTC, datetime\n' +
        'from trackbase import create_app\n' +
        'from trackbase.services.tracking import reminders\n' +
        'with create_app().app_context():\n' +
        '    print(reminders.scan(datetime.now(UTC))["claimed"])\n',
    ],
    { cwd: backendDir, env: { ...process.env, ...JSON.parse(process.env.E2E_BACKEND_ENV || '{}') }, encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(`reminder scan failed: ${result.stderr}`)
  return Number(result.stdout.trim().split('\n').pop())
}

const sizes = [
  { name: 'desktop', viewport: { width: 1366, height: 850 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
]

for (const size of sizes) {
  test.describe(`emails and trackers on ${size.name}`, () => {
    test.use({ viewport: size.viewport })

    test(`Settings sends a test email (${size.name})`, async ({ page, request }) => {
      const member = await registerMember(request, `testmail-${size.name}`)
      await signIn(page, member.email, member.password)
      await page.goto('/settings')
      const button = page.getByRole('button', { name: 'Send me a test email' })
      await button.scrollIntoViewIfNeeded()
      await button.click()
      const job = page.locator('.settings-page__job')
      await expect(job).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 })
      await expect(job).toContainText('Test email')
      const mail = await waitForMail(member.email, /Subject: Trackbase test email/)
      expect(mail).toMatch(/<html lang="[a-zA-Z-]+">/)
      expect(mail).toContain('<title>Trackbase test email</title>')
      await job.scrollIntoViewIfNeeded()
      await snap(page, `settings-test-email-${size.name}`)
      // The browser's locale reached the API (emails format dates with it).
      const me = await (await request.get('/api/me', { headers: member.headers })).json()
      expect(me.user.locale).toBeTruthy()
    })

    test(`tracker cards keep a manual order set with the keyboard (${size.name})`, async ({ page, request }) => {
      const member = await registerMember(request, `order-${size.name}`)
      for (const name of ['Alpha', 'Beta', 'Gamma']) {
        await makeTracker(request, member.headers, { name, type: 'numeric' })
      }
      await signIn(page, member.email, member.password)
      await page.goto('/trackers')
      const cards = page.locator('.tracker-card')
      await expect(cards).toHaveCount(3)
      await expect(page.getByText('Due trackers first.')).toBeVisible()
      const names = () => cards.evaluateAll((els) => els.map((el) => el.dataset.tracker))
      expect(await names()).toEqual(['Alpha', 'Beta', 'Gamma'])

      // Keyboard only: focus Gamma's "up" button and press Enter twice; focus stays on it.
      const up = page.getByRole('button', { name: 'Move Gamma up' })
      await up.focus()
      await page.keyboard.press('Enter')
      await expect.poll(names).toEqual(['Alpha', 'Gamma', 'Beta'])
      await expect(page.getByRole('button', { name: 'Move Gamma up' })).toBeFocused()
      await page.keyboard.press('Enter')
      await expect.poll(names).toEqual(['Gamma', 'Alpha', 'Beta'])
      await expect(page.getByRole('button', { name: 'Move Gamma up' })).toBeDisabled()
      await expect(page.getByRole('button', { name: 'Move Gamma down' })).toBeFocused()
      await expect(page.getByRole('status').filter({ hasText: 'Gamma moved to place 1 of 3.' })).toHaveCount(1)
      const heights = await cards.evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().height)))
      expect(new Set(heights).size).toBe(1)
      await snap(page, `trackers-manual-order-${size.name}`)

      await page.reload()
      await expect.poll(names).toEqual(['Gamma', 'Alpha', 'Beta'])
      await expect(page.getByText('In your order')).toBeVisible()
      await page.getByRole('button', { name: 'Due first instead' }).click()
      await expect.poll(names).toEqual(['Alpha', 'Beta', 'Gamma'])
    })

    test(`a reminder's Yes link on a period answered No offers to change it (${size.name})`, async ({
      page,
      request,
    }) => {
      const member = await registerMember(request, `quick-${size.name}`)
      const patched = await request.patch('/api/me', {
        headers: member.headers,
        data: { timezone: 'UTC', reminder_hour: 0, quiet_hours_start: null, quiet_hours_end: null },
      })
      expect(patched.ok()).toBeTruthy()
      await makeTracker(request, member.headers, { name: 'Stretched', type: 'boolean' })
      expect(scanReminders()).toBeGreaterThanOrEqual(1)
      const mail = await waitForMail(member.email, /Subject: Reminder: Stretched is due/)
      expect(mail).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/)
      const links = [...mail.matchAll(/(Yes|No): (http\S+\/trackers\/quick-log\?token=[\w.-]+)/g)]
      const yes = new URL(links.find((m) => m[1] === 'Yes')[2])
      const no = new URL(links.find((m) => m[1] === 'No')[2])

      await page.goto(no.pathname + no.search)
      await expect(page.getByRole('status').filter({ hasText: 'Logged No for Stretched' })).toBeVisible()

      await page.goto(yes.pathname + yes.search)
      const already = page.getByTestId('already-logged')
      await expect(already).toContainText('Stretched is already logged for this period: No')
      const change = page.getByRole('button', { name: 'Change to Yes' })
      await expect(change).toBeVisible()
      await snap(page, `quick-log-already-logged-${size.name}`)
      await change.click()
      await expect(page.getByRole('status').filter({ hasText: 'Changed to Yes for Stretched' })).toBeVisible()
      await snap(page, `quick-log-changed-${size.name}`)

      // Opening the Yes link again: already Yes, nothing to change.
      await page.goto(yes.pathname + yes.search)
      await expect(page.getByTestId('already-logged')).toContainText('already logged for this period: Yes')
      await expect(page.getByTestId('already-logged')).toContainText('Nothing was changed.')
      await expect(page.getByRole('button', { name: /Change to/ })).toHaveCount(0)
    })
  })
}
