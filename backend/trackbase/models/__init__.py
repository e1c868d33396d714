"""All models, one module per area."""

from .accounts import ROLE_NAMES, Invitation, RevokedToken, Role, User, roles_users
from .base import UTCDateTime, utcnow
from .catalog import AVAILABILITIES, PRODUCT_SOURCES, Product
from .inventory import POLL_STATUSES, SOURCE_KINDS, AvailabilityHistory, InventoryPollRun, InventorySource
from .jobs import JOB_STATUSES, Job
from .outbox import OUTBOX_STATUSES, OutboxMessage
from .research import (
    DOCUMENT_TEXT_STATUSES,
    PRODUCT_EVENT_KINDS,
    Comment,
    CommentMention,
    Document,
    ProductEvent,
    ProductTag,
    ProductWatch,
)
from .search import SCOPE_PREFIX, SEARCH_KINDS, SearchEntry
from .shop import EXPORT_STATUSES, MAX_QUANTITY, ORDER_STATUSES, CartItem, Order, OrderItem
from .tracking import (
    TRACKER_FREQUENCIES,
    TRACKER_TYPES,
    ReminderClaim,
    ReportClaim,
    Tracker,
    TrackerExport,
    TrackerLog,
    TrackingPreference,
)
from .watch import WATCH_DIGEST_STATUSES, ProductExport, WatchDigest

__all__ = [
    "ROLE_NAMES",
    "Invitation",
    "RevokedToken",
    "Role",
    "User",
    "roles_users",
    "UTCDateTime",
    "utcnow",
    "JOB_STATUSES",
    "Job",
    "AVAILABILITIES",
    "PRODUCT_SOURCES",
    "Product",
    "OUTBOX_STATUSES",
    "OutboxMessage",
    "DOCUMENT_TEXT_STATUSES",
    "PRODUCT_EVENT_KINDS",
    "Comment",
    "CommentMention",
    "Document",
    "ProductEvent",
    "ProductTag",
    "ProductWatch",
    "POLL_STATUSES",
    "SOURCE_KINDS",
    "AvailabilityHistory",
    "InventoryPollRun",
    "InventorySource",
    "SCOPE_PREFIX",
    "SEARCH_KINDS",
    "SearchEntry",
    "EXPORT_STATUSES",
    "MAX_QUANTITY",
    "ORDER_STATUSES",
    "CartItem",
    "Order",
    "OrderItem",
    "TRACKER_FREQUENCIES",
    "TRACKER_TYPES",
    "ReminderClaim",
    "ReportClaim",
    "Tracker",
    "TrackerExport",
    "TrackerLog",
    "TrackingPreference",
    "WATCH_DIGEST_STATUSES",
    "ProductExport",
    "WatchDigest",
]
