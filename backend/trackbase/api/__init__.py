"""The one route table: every HTTP endpoint of the API is listed here."""

from __future__ import annotations

from flask import Flask
from flask_restful import Api
from flask_swagger_ui import get_swaggerui_blueprint

from .accounts import (
    InvitationListResource,
    InvitationResource,
    InvitationStatusResource,
    LogoutEverywhereResource,
    MeResource,
    MeTestEmailResource,
    PasswordStrengthResource,
    RegisterResource,
    ResetLinkStatusResource,
    UserListResource,
    UserResource,
)
from .comments import (
    CommentPreviewResource,
    CommentResource,
    MemberListResource,
    MemberResource,
    ProductCommentListResource,
)
from .documents import DocumentDownloadResource, DocumentResource, ProductDocumentListResource
from .inventory import (
    InventoryCategoryResource,
    InventoryRefreshResource,
    InventoryStatusResource,
    ProductAvailabilityResource,
)
from .jobs import JobListResource, JobResource
from .ops import ConfigResource, HealthResource, OpenApiResource
from .outbox import OutboxListResource, OutboxRetryResource
from .products import ProductFacetsResource, ProductListResource, ProductResource
from .search import SearchResource
from .shop import (
    CartItemResource,
    CartResource,
    CheckoutResource,
    OrderExportResource,
    OrderListResource,
    OrderResource,
)
from .trackers import (
    ReportResource,
    TrackerExportDownloadResource,
    TrackerExportResource,
    TrackerImportResource,
    TrackerListResource,
    TrackerLogListResource,
    TrackerLogResource,
    TrackerOrderResource,
    TrackerQuickLogResource,
    TrackerResource,
    TrackerStatsResource,
    TrackingPreferencesResource,
    TrackingUnsubscribeResource,
)
from .watch import (
    ProductExportDownloadResource,
    ProductExportResource,
    ProductWatcherListResource,
    ProductWatchResource,
    WatchUnsubscribeResource,
)


class TrackbaseApi(Api):
    """flask-restful Api that leaves every error to the app's one envelope (api/errors.py)."""

    def error_router(self, original_handler, e):
        return original_handler(e)

    def handle_error(self, e):
        raise e


def init_api(app: Flask) -> None:
    """Register every resource on the app."""
    api = TrackbaseApi(app, prefix="/api", catch_all_404s=False)

    # accounts
    api.add_resource(RegisterResource, "/auth/register", endpoint="register")
    api.add_resource(InvitationStatusResource, "/auth/invitations/<string:code>", endpoint="invitation_status")
    api.add_resource(PasswordStrengthResource, "/auth/password-strength", endpoint="password_strength")
    api.add_resource(ResetLinkStatusResource, "/auth/reset-links/<string:token>", endpoint="reset_link_status")
    api.add_resource(LogoutEverywhereResource, "/auth/logout-everywhere", endpoint="logout_everywhere")
    api.add_resource(MeResource, "/me", endpoint="me")
    api.add_resource(MeTestEmailResource, "/me/test-email", endpoint="me_test_email")
    api.add_resource(InvitationListResource, "/invitations", endpoint="invitations")
    api.add_resource(InvitationResource, "/invitations/<int:invitation_id>", endpoint="invitation")
    api.add_resource(UserListResource, "/users", endpoint="users")
    api.add_resource(UserResource, "/users/<int:user_id>", endpoint="user")
    api.add_resource(OutboxListResource, "/admin/outbox", endpoint="admin_outbox")
    api.add_resource(OutboxRetryResource, "/admin/outbox/<int:message_id>/retry", endpoint="admin_outbox_retry")

    # jobs
    api.add_resource(JobListResource, "/jobs", endpoint="jobs")
    api.add_resource(JobResource, "/jobs/<int:job_id>", endpoint="job")

    # inventory
    api.add_resource(InventoryStatusResource, "/inventory/status", endpoint="inventory_status")
    api.add_resource(InventoryRefreshResource, "/inventory/refresh", endpoint="inventory_refresh")
    api.add_resource(InventoryCategoryResource, "/inventory/<string:category>", endpoint="inventory_category")
    api.add_resource(
        ProductAvailabilityResource, "/products/<int:product_id>/availability", endpoint="product_availability"
    )

    # documents
    api.add_resource(ProductDocumentListResource, "/products/<int:product_id>/documents", endpoint="product_documents")
    api.add_resource(DocumentResource, "/documents/<int:document_id>", endpoint="document")
    api.add_resource(DocumentDownloadResource, "/documents/<int:document_id>/download", endpoint="document_download")
    # discussion
    api.add_resource(ProductCommentListResource, "/products/<int:product_id>/comments", endpoint="product_comments")
    api.add_resource(CommentPreviewResource, "/comments/preview", endpoint="comment_preview")
    api.add_resource(CommentResource, "/comments/<int:comment_id>", endpoint="comment")
    api.add_resource(MemberListResource, "/members", endpoint="members")
    api.add_resource(MemberResource, "/members/<int:user_id>", endpoint="member")
    # products (research)
    api.add_resource(ProductListResource, "/products", endpoint="products")
    api.add_resource(ProductFacetsResource, "/products/facets", endpoint="product_facets")
    api.add_resource(ProductResource, "/products/<int:product_id>", endpoint="product")
    # search
    api.add_resource(SearchResource, "/search", endpoint="search")
    # watching and export bundles
    api.add_resource(ProductWatchResource, "/products/<int:product_id>/watch", endpoint="product_watch")
    api.add_resource(ProductWatcherListResource, "/products/<int:product_id>/watchers", endpoint="product_watchers")
    api.add_resource(WatchUnsubscribeResource, "/watch/unsubscribe", endpoint="watch_unsubscribe")
    api.add_resource(ProductExportResource, "/products/<int:product_id>/export", endpoint="product_export")
    api.add_resource(
        ProductExportDownloadResource, "/products/exports/<int:job_id>", endpoint="product_export_download"
    )
    # shop
    api.add_resource(CartResource, "/cart", endpoint="cart")
    api.add_resource(CartItemResource, "/cart/items/<int:product_id>", endpoint="cart_item")
    api.add_resource(CheckoutResource, "/checkout", endpoint="checkout")
    api.add_resource(OrderListResource, "/orders", endpoint="orders")
    api.add_resource(OrderResource, "/orders/<string:order_id>", endpoint="order")
    api.add_resource(OrderExportResource, "/orders/<string:order_id>/export", endpoint="order_export")

    # tracking
    api.add_resource(TrackerListResource, "/trackers", endpoint="trackers")
    api.add_resource(TrackerImportResource, "/trackers/import", endpoint="tracker_import")
    api.add_resource(TrackerExportResource, "/trackers/export", endpoint="tracker_export")
    api.add_resource(
        TrackerExportDownloadResource, "/trackers/exports/<int:job_id>", endpoint="tracker_export_download"
    )
    api.add_resource(TrackerQuickLogResource, "/trackers/quick-log", endpoint="tracker_quick_log")
    api.add_resource(TrackerOrderResource, "/trackers/order", endpoint="tracker_order")
    api.add_resource(TrackerResource, "/trackers/<int:tracker_id>", endpoint="tracker")
    api.add_resource(TrackerLogListResource, "/trackers/<int:tracker_id>/logs", endpoint="tracker_logs")
    api.add_resource(TrackerLogResource, "/trackers/<int:tracker_id>/logs/<int:log_id>", endpoint="tracker_log")
    api.add_resource(TrackerStatsResource, "/trackers/<int:tracker_id>/stats", endpoint="tracker_stats")
    api.add_resource(ReportResource, "/reports", endpoint="reports")
    api.add_resource(TrackingPreferencesResource, "/tracking/preferences", endpoint="tracking_preferences")
    api.add_resource(TrackingUnsubscribeResource, "/tracking/unsubscribe", endpoint="tracking_unsubscribe")

    # ops
    api.add_resource(HealthResource, "/health", endpoint="health")
    api.add_resource(ConfigResource, "/config", endpoint="config")
    api.add_resource(OpenApiResource, "/openapi.yaml", endpoint="openapi")
    app.register_blueprint(
        get_swaggerui_blueprint("/api/docs", "/api/openapi.yaml", config={"app_name": "Trackbase API"}),
        name="api_docs",
    )
