// The shop against the real API and worker: add from the inventory, the cart, checkout, the order and its status.
import { admin, expect, signIn, snap, test } from './fixtures.js'

async function adminToken(request) {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  expect(login.ok()).toBeTruthy()
  return (await login.json()).token
}

/** Wait for a poll to have landed, then start from an empty cart. */
async function prepare(request) {
  const token = await adminToken(request)
  const headers = { 'Authentication-Token': token }
  await expect
    .poll(
      async () => {
        const body = await (await request.get('/api/inventory/status', { headers })).json()
        return Boolean(body.last_success_at) && !body.running
      },
      { timeout: 60_000, intervals: [500] },
    )
    .toBe(true)
  expect((await request.delete('/api/cart', { headers })).ok()).toBeTruthy()
}

async function buyFromInventory(page, request, prefix) {
  await prepare(request)
  await signIn(page, admin.email, admin.password)
  await page.goto('/inventory')
  const row = page.locator('tbody tr', { has: page.locator('button:not([disabled])', { hasText: 'Add to cart' }) })
  const first = row.first()
  const name = (await first.locator('.inventory-table__name').innerText()).trim()
  await first.getByRole('button', { name: `Add to cart: ${name}` }).click()
  await expect(page.getByText(`${name} added to the cart`)).toBeVisible()
  const badge = page.getByTestId('cart-badge')
  await expect(badge).toHaveAttribute('aria-label', 'Cart: 1 items')

  await badge.click()
  await expect(page).toHaveURL(/\/shop$/)
  const line = page.getByRole('region', { name: 'Cart' }).locator('tbody tr')
  await expect(line).toHaveCount(1)
  await expect(line).toContainText(name)
  await line.getByLabel(`Quantity of ${name}`).fill('2')
  await line.getByLabel(`Quantity of ${name}`).press('Enter')
  await expect(badge).toHaveAttribute('aria-label', 'Cart: 2 items')
  await expect(page.getByTestId('cart-total')).toContainText('€')
  await snap(page, `${prefix}-shop-cart`)

  await page.getByRole('link', { name: 'Proceed to checkout' }).click()
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible()
  await snap(page, `${prefix}-shop-checkout`)
  await page.getByRole('button', { name: 'Place order' }).click()

  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}\?placed=1$/)
  await expect(page.getByRole('heading', { name: /your order is placed/ })).toBeVisible()
  await expect(page.locator('[data-status]')).toHaveAttribute('data-status', 'local')
  await expect(page.getByRole('region', { name: 'Order' })).toContainText(name)
  await snap(page, `${prefix}-shop-confirmation`)
  const orderId = page.url().match(/orders\/([0-9a-f-]{36})/)[1]
  await expect(badge).toHaveAttribute('aria-label', 'Cart: 0 items')

  await page.goto('/orders')
  const orderRow = page.locator(`tr[data-order-id="${orderId}"]`)
  await expect(orderRow).toBeVisible()
  await expect(orderRow.locator('[data-status]')).toHaveText('Kept locally')
  await snap(page, `${prefix}-shop-orders`)

  await page.goto('/admin/orders')
  await page.getByLabel('Filter by export status').selectOption('local')
  await expect(page.locator(`tr[data-order-id="${orderId}"]`)).toBeVisible()
  await snap(page, `${prefix}-shop-admin-orders`)
}

test.describe('shop', () => {
  test.skip(!process.env.E2E_SUPPLIER_URL && !process.env.CI, 'needs the supplier simulator from global setup')

  test('add from the inventory, check out and see the order on desktop', async ({ page, request }) => {
    await buyFromInventory(page, request, 'desktop')
  })

  test.describe('phone', () => {
    test.use({ viewport: { width: 390, height: 844 } })

    test('add from the inventory, check out and see the order on a phone', async ({ page, request }) => {
      await buyFromInventory(page, request, 'phone')
    })
  })
})
