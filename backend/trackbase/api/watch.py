"""Watch and export resources: watch a product, its watchers, the digest unsubscribe link, export bundles."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, redirect, request
from flask_restful import Resource
from flask_security import current_user
from werkzeug.wsgi import wrap_file

from ..services import products
from .common import AuthResource, load, page_params, wants_html
from .errors import ApiError
from .schemas.jobs import JobSchema
from .schemas.tracking import TokenSchema
from .schemas.watch import WatcherSchema, WatchStateSchema, WatchUnsubscribeSchema


class ProductWatchResource(AuthResource):
    def get(self, product_id: int):
        """Whether the signed-in member watches the product, and how many members do."""
        products.get_product(product_id)
        return {"watch": WatchStateSchema().dump(products.watch.watch_state(product_id, current_user.id))}

    def put(self, product_id: int):
        """Watch the product (idempotent): its news arrives in the batched watch digest."""
        return {"watch": WatchStateSchema().dump(products.watch.watch(current_user, product_id))}

    def delete(self, product_id: int):
        """Stop watching the product (idempotent)."""
        return {"watch": WatchStateSchema().dump(products.watch.unwatch(current_user, product_id))}


class ProductWatcherListResource(AuthResource):
    def get(self, product_id: int):
        """The members who watch the product, oldest watcher first."""
        page_no, per_page = page_params()
        page = products.watch.list_watchers(product_id, page_no, per_page)
        items = [
            {"id": user.id, "name": user.name or user.email.split("@")[0], "since": since} for user, since in page.items
        ]
        return {
            "items": WatcherSchema().dump(items, many=True),
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }


class WatchUnsubscribeResource(Resource):
    def get(self):
        """What the digest's unsubscribe link would stop (changes nothing); a browser goes to the SPA's page."""
        token = request.args.get("token", "")
        if wants_html():
            return redirect(f"/watch/unsubscribe?token={quote(token, safe='')}", 303)
        preview = products.watch.unsubscribe_preview(token)
        return {"unsubscribe": WatchUnsubscribeSchema().dump(preview)}

    def post(self):
        """Stop watching every product: the token from the JSON body, or from the query (one-click, RFC 8058)."""
        token = request.args.get("token")
        if not token:
            if not request.is_json:
                raise ApiError(400, "invalid_token", "Send the token from the unsubscribe link.")
            token = load(TokenSchema(), request.get_json(silent=True) or {})["token"]
        return {"unsubscribe": WatchUnsubscribeSchema().dump(products.watch.unsubscribe(token))}


class ProductExportResource(AuthResource):
    def post(self, product_id: int):
        """Start an export bundle job (ZIP emailed, and downloadable from the job's result.download_url)."""
        job = products.export.start_export(current_user, product_id)
        return {"job": JobSchema().dump(job)}, 202


class ProductExportDownloadResource(Resource):
    def get(self, job_id: int):
        """The bundle: for the signed-in owner, or with the signed link from the job or the email."""
        user_id = current_user.id if current_user and current_user.is_authenticated else None
        if user_id is None and request.headers.get("Authentication-Token"):
            raise ApiError(401, "unauthorized", "Your session has ended; sign in again.")
        bundle = products.export.bundle_for_download(job_id, user_id, request.args.get("signature"))
        if bundle.url:
            response = redirect(bundle.url, code=302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
        return Response(
            wrap_file(request.environ, bundle.stream),
            mimetype="application/zip",
            direct_passthrough=True,
            headers={
                "Content-Disposition": f'attachment; filename="{bundle.filename}"',
                "Content-Length": str(bundle.size),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
