"""The one search over products, comments, document text and the caller's trackers."""

from __future__ import annotations

from flask_security import current_user

from ..services import products
from .common import AuthResource, load_args
from .schemas.search import SearchArgsSchema, SearchHitSchema


class SearchResource(AuthResource):
    def get(self):
        """Ranked hits for `q` (words, "phrases", -exclusions, OR; the last word as a prefix), by kind."""
        args = load_args(SearchArgsSchema())
        page = products.search.search(current_user, args["q"], args.get("kind"), args["page"], args["per_page"])
        return {
            "items": SearchHitSchema().dump(page.items, many=True),
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "total_capped": page.total_capped,
        }
