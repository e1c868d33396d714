// axe-core on every page of the SPA, at desktop and phone sizes and in dark mode: any serious or
// critical violation fails the test, listed with the rule, the help text and the elements.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { admin, createInvitationViaApi, expect, registerMember, signIn, snap, test, uniqueEmail } from './fixtures.js'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Serious and critical axe violations on the page as it is now. */
async function seriousViolations(page) {
  await page.evaluate(axeSource)
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  )
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
}

async function expectAccessible(page, label) {
  await expect(page.locator('.app-loading')).toHaveCount(0)
  const found = await seriousViolations(page)
  expect(found, `${label}:\n  ${found.join('\n  ')}`).toEqual([])
}

async function seedTrackers(request, headers) {
  const ids = {}
  for (const data of [
    { name: 'Weight', type: 'numeric', settings: { unit: 'kg' } },
    { name: 'Meditated', type: 'boolean' },
    { name: 'Mood', type: 'rating' },
    { name: 'Drink', type: 'choice', settings: { options: ['Tea', 'Coffee'] } },
    { name: 'Sleep', type: 'duration' },
    { name: 'Journal', type: 'text' },
  ]) {
    const response = await request.post('/api/trackers', { headers, data })
    ids[data.name] = (await response.json()).tracker.id
  }
  for (let day = 8; day >= 1; day -= 1) {
    const timestamp = new Date(Date.now() - day * 86400000).toISOString()
    await request.post(`/api/trackers/${ids.Weight}/logs`, { headers, data: { value: 80 - day / 4, timestamp } })
    await request.post(`/api/trackers/${ids.Meditated}/logs`, { headers, data: { value: day % 2 === 0, timestamp } })
    await request.post(`/api/trackers/${ids.Mood}/logs`, { headers, data: { value: 1 + (day % 5), timestamp } })
  }
  return ids
}

const runs = [
  { name: 'desktop', use: { viewport: { width: 1366, height: 850 } } },
  { name: 'phone', use: { viewport: { width: 390, height: 844 } } },
  { name: 'dark desktop', use: { viewport: { width: 1366, height: 850 }, colorScheme: 'dark' } },
]

for (const run of runs) {
  test.describe(`axe on ${run.name}`, () => {
    test.use({ ...run.use, bypassCSP: true })

    test(`signed-out pages (${run.name})`, async ({ page, request }) => {
      const invitation = await createInvitationViaApi(request, uniqueEmail(`axe-invited-${run.name.replace(' ', '-')}`))
      for (const [path, heading] of [
        [`/register?code=${invitation.code}`, 'Create your account'],
        ['/login', 'Sign in'],
        ['/register?code=EXAMPLE', 'Create your account'],
        ['/forgot', null],
        ['/reset?token=not-a-real-token', null],
        ['/trackers/quick-log?token=forged', null],
        ['/trackers/unsubscribe?token=forged', null],
        ['/no-such-page', 'Page not found'],
      ]) {
        await page.goto(path)
        if (heading) await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible()
        else await expect(page.locator('h1').first()).toBeVisible()
        await expectAccessible(page, path)
      }
      // The register form with every field error shown (the unknown code above shows no form).
      await page.goto(`/register?code=${invitation.code}`)
      await page.getByRole('button', { name: 'Create account' }).click()
      await expect(page.getByText('Choose a password.')).toBeVisible()
      await expectAccessible(page, 'register with errors')
    })

    test(`member pages (${run.name})`, async ({ page, request }) => {
      const member = await registerMember(request, `axe-${run.name.replace(' ', '-')}`)
      const ids = await seedTrackers(request, member.headers)
      await signIn(page, member.email, member.password)

      await expect(page.locator('.tracker-card')).toHaveCount(6)
      await expectAccessible(page, '/trackers')
      await page.getByRole('button', { name: 'Import / export' }).click()
      await expectAccessible(page, '/trackers with import/export')
      await snap(page, `trackers-import-panel-${run.name.replace(' ', '-')}`)
      await page.keyboard.press('?')
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible()
      await expectAccessible(page, 'shortcuts dialog')
      await page.keyboard.press('Escape')

      for (const name of ['Weight', 'Meditated', 'Mood', 'Drink', 'Sleep', 'Journal']) {
        await page.goto(`/trackers/${ids[name]}`)
        await expect(page.getByRole('heading', { name, exact: true })).toBeVisible()
        await expectAccessible(page, `/trackers/${ids[name]} (${name})`)
      }
      await page.goto(`/trackers/${ids.Weight}/edit`)
      await expect(page.getByLabel('Name')).toBeVisible()
      await expectAccessible(page, 'edit tracker')
      await page.goto('/trackers/new')
      await expect(page.getByLabel('Name')).toBeVisible()
      await expectAccessible(page, '/trackers/new')
      await page.goto('/trackers/987654')
      await expect(page.getByRole('heading', { name: 'Tracker not found' })).toBeVisible()
      await expectAccessible(page, 'tracker not found')

      for (const [path, heading] of [
        ['/products', null],
        ['/shop', null],
        ['/jobs', 'Jobs'],
        ['/settings', null],
        ['/admin/users', 'Admins only'],
        ['/no-such-page', 'Page not found'],
      ]) {
        await page.goto(path)
        if (heading) await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible()
        else await expect(page.locator('h1').first()).toBeVisible()
        await expectAccessible(page, path)
      }
    })

    test(`admin and inventory pages (${run.name})`, async ({ page }) => {
      await signIn(page, admin.email, admin.password)
      await page.goto('/inventory')
      await expect(page.locator('.inventory-table tbody tr').first()).toBeVisible({ timeout: 60_000 })
      await expectAccessible(page, '/inventory')
      await page.locator('.inventory-table tbody tr').first().getByRole('button', { name: /Availability history/ }).click()
      await expect(page.getByRole('dialog')).toBeVisible()
      await expect(page.locator('.inventory-drawer .app-loading')).toHaveCount(0)
      await expectAccessible(page, 'inventory history drawer')
      await page.keyboard.press('Escape')

      for (const [path, heading] of [
        ['/admin/invitations', 'Admin'],
        ['/admin/users', 'Admin'],
        ['/admin/orders', 'Admin'],
        ['/admin/outbox', 'Admin'],
        ['/jobs', 'Jobs'],
      ]) {
        await page.goto(path)
        await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible()
        await expectAccessible(page, path)
      }
    })

    test(`research and shop pages (${run.name})`, async ({ page, request }) => {
      const member = await registerMember(request, `axe-research-${run.name.replace(' ', '-')}`)
      const headers = member.headers
      const tag = Date.now().toString(36)
      const created = await request.post('/api/products', {
        headers,
        data: {
          name: `Axe${tag} Bond`,
          category: 'Bonds',
          price: 99.5,
          tags: ['fixed income'],
          description: '## Thesis\n\nA **senior** note; see [the prospectus](https://example.com).',
        },
      })
      const product = (await created.json()).product
      await request.post(`/api/products/${product.id}/comments`, {
        headers,
        data: { body: `First look at axe${tag}: *solid* coupon.` },
      })
      await request.post(`/api/products/${product.id}/documents`, {
        headers,
        multipart: { file: { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(`axe${tag} notes`) } },
      })
      await request.put(`/api/cart/items/${product.id}`, { headers, data: { quantity: 1 } })
      await signIn(page, member.email, member.password)

      await page.goto('/shop/checkout')
      await expect(page.locator('h1').first()).toBeVisible()
      await expectAccessible(page, '/shop/checkout')
      const placed = await request.post('/api/checkout', { headers: { ...headers, 'Idempotency-Key': `axe-${tag}` } })
      const order = (await placed.json()).order
      const me = (await (await request.get('/api/me', { headers })).json()).user
      for (const [path, ready] of [
        ['/products', `Axe${tag} Bond`],
        [`/products/${product.id}`, 'First look at'],
        [`/products/${product.id}/edit`, null],
        ['/products/new', null],
        [`/search?q=axe${tag}`, 'notes.txt'],
        ['/orders', null],
        [`/orders/${order.id}`, `Axe${tag} Bond`],
        [`/members/${me.id}`, null],
        ['/watch/unsubscribe?token=forged', null],
      ]) {
        await page.goto(path)
        await expect(page.locator('h1').first()).toBeVisible()
        if (ready) await expect(page.getByText(ready).first()).toBeVisible()
        await expectAccessible(page, path)
      }
      await page.goto(`/products/${product.id}`)
      await page.getByRole('combobox', { name: 'Search everything' }).fill(`axe${tag}`)
      await expect(page.getByRole('listbox', { name: 'Search results' }).getByRole('option').first()).toBeVisible()
      await expectAccessible(page, 'header search results')
    })
  })
}
