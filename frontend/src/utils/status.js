// Badge classes for the statuses the API reports.
const BADGES = {
  pending: 'badge badge-info',
  used: 'badge badge-success',
  expired: 'badge',
  revoked: 'badge badge-danger',
  queued: 'badge',
  running: 'badge badge-info',
  succeeded: 'badge badge-success',
  failed: 'badge badge-danger',
  active: 'badge badge-success',
  inactive: 'badge badge-warning',
}

export function badgeClass(status) {
  return BADGES[status] || 'badge'
}
