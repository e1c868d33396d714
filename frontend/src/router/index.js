import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '../stores/auth.js'

// meta.public: reachable signed out; meta.guestOnly: signed-in users go home instead;
// meta.layout "auth": the centered card layout; meta.admin: admins only.
export const routes = [
  { path: '/', redirect: '/trackers' },
  {
    path: '/login',
    name: 'login',
    component: () => import('../pages/LoginPage.vue'),
    meta: { public: true, guestOnly: true, layout: 'auth', title: 'Sign in' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('../pages/RegisterPage.vue'),
    meta: { public: true, guestOnly: true, layout: 'auth', title: 'Create your account' },
  },
  {
    path: '/forgot',
    name: 'forgot',
    component: () => import('../pages/ForgotPasswordPage.vue'),
    meta: { public: true, layout: 'auth', title: 'Forgot password' },
  },
  {
    path: '/reset',
    name: 'reset',
    component: () => import('../pages/ResetPasswordPage.vue'),
    meta: { public: true, layout: 'auth', title: 'Choose a new password' },
  },
  {
    path: '/products',
    name: 'products',
    component: () => import('../pages/ProductsPage.vue'),
    meta: { title: 'Products' },
  },
  {
    path: '/products/new',
    name: 'product-new',
    component: () => import('../pages/ProductFormPage.vue'),
    meta: { title: 'New product' },
  },
  {
    path: '/products/:id(\\d+)',
    name: 'product',
    component: () => import('../pages/ProductDetailPage.vue'),
    meta: { title: 'Product' },
  },
  {
    path: '/members/:id(\\d+)',
    name: 'member',
    component: () => import('../pages/MemberPage.vue'),
    meta: { title: 'Member' },
  },
  {
    path: '/products/:id(\\d+)/edit',
    name: 'product-edit',
    component: () => import('../pages/ProductFormPage.vue'),
    meta: { title: 'Edit product' },
  },
  {
    path: '/search',
    name: 'search',
    component: () => import('../pages/SearchPage.vue'),
    meta: { title: 'Search' },
  },
  {
    path: '/inventory',
    name: 'inventory',
    component: () => import('../pages/InventoryPage.vue'),
    meta: { title: 'Inventory' },
  },
  { path: '/shop', name: 'shop', component: () => import('../pages/ShopPage.vue'), meta: { title: 'Shop' } },
  {
    path: '/shop/checkout',
    name: 'shop-checkout',
    component: () => import('../pages/ShopCheckoutPage.vue'),
    meta: { title: 'Checkout' },
  },
  { path: '/orders', name: 'orders', component: () => import('../pages/OrdersPage.vue'), meta: { title: 'Orders' } },
  {
    path: '/orders/:id',
    name: 'order',
    component: () => import('../pages/OrderDetailPage.vue'),
    meta: { title: 'Order' },
  },
  {
    path: '/trackers',
    name: 'trackers',
    component: () => import('../pages/TrackersPage.vue'),
    meta: { title: 'Trackers' },
  },
  {
    path: '/trackers/new',
    name: 'tracker-new',
    component: () => import('../pages/TrackerFormPage.vue'),
    meta: { title: 'New tracker' },
  },
  {
    path: '/trackers/:id(\\d+)',
    name: 'tracker',
    component: () => import('../pages/TrackerDetailPage.vue'),
    meta: { title: 'Tracker' },
  },
  {
    path: '/trackers/:id(\\d+)/edit',
    name: 'tracker-edit',
    component: () => import('../pages/TrackerFormPage.vue'),
    meta: { title: 'Edit tracker' },
  },
  // Emailed links: public pages (the signed token is the permission); opening them changes nothing by itself.
  {
    path: '/trackers/quick-log',
    name: 'tracker-quick-log',
    component: () => import('../pages/TrackerQuickLogPage.vue'),
    meta: { public: true, layout: 'auth', title: 'Quick log' },
  },
  {
    path: '/trackers/unsubscribe',
    name: 'tracker-unsubscribe',
    component: () => import('../pages/TrackerUnsubscribePage.vue'),
    meta: { public: true, layout: 'auth', title: 'Unsubscribe' },
  },
  {
    path: '/watch/unsubscribe',
    name: 'watch-unsubscribe',
    component: () => import('../pages/WatchUnsubscribePage.vue'),
    meta: { public: true, layout: 'auth', title: 'Stop watch emails' },
  },
  { path: '/jobs', name: 'jobs', component: () => import('../pages/JobsPage.vue'), meta: { title: 'Jobs' } },
  {
    path: '/settings',
    name: 'settings',
    component: () => import('../pages/SettingsPage.vue'),
    meta: { title: 'Settings' },
  },
  { path: '/admin', redirect: '/admin/invitations' },
  {
    path: '/admin/invitations',
    name: 'admin-invitations',
    component: () => import('../pages/AdminInvitationsPage.vue'),
    meta: { admin: true, title: 'Invitations' },
  },
  {
    path: '/admin/users',
    name: 'admin-users',
    component: () => import('../pages/AdminUsersPage.vue'),
    meta: { admin: true, title: 'Users' },
  },
  {
    path: '/not-allowed',
    name: 'forbidden',
    component: () => import('../pages/ForbiddenPage.vue'),
    meta: { title: 'Admins only' },
  },
  {
    path: '/admin/orders',
    name: 'admin-orders',
    component: () => import('../pages/AdminOrdersPage.vue'),
    meta: { admin: true, title: 'Orders' },
  },
  {
    path: '/admin/outbox',
    name: 'admin-outbox',
    component: () => import('../pages/AdminOutboxPage.vue'),
    meta: { admin: true, title: 'Outbox' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('../pages/NotFoundPage.vue'),
    meta: { public: true, title: 'Not found' },
  },
]

/** The navigation guard: sign-in for private pages, admin role for admin pages. */
export async function authGuard(to) {
  const auth = useAuthStore()
  if (auth.token && !auth.user) {
    try {
      await auth.fetchMe()
    } catch (err) {
      // A 401 has already cleared the session; any other failure keeps the token for a retry.
      if (err?.status !== 401 && !to.meta.public) return { name: 'login', query: { next: to.fullPath } }
    }
  }
  const signedIn = Boolean(auth.token && auth.user)
  if (!to.meta.public && !signedIn) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  }
  if (to.meta.guestOnly && signedIn) return { path: '/' }
  // A member is told why, instead of landing somewhere else without a word.
  if (to.meta.admin && !auth.isAdmin) {
    return { name: 'forbidden', query: { page: to.meta.title || '', from: to.fullPath } }
  }
  return true
}

export function createAppRouter(history = createWebHistory()) {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: (to, from, saved) => saved || { top: 0 },
  })
  router.beforeEach(authGuard)
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Trackbase` : 'Trackbase'
  })
  return router
}
