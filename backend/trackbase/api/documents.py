"""Document resources: upload to a product, list, download, delete."""

from __future__ import annotations

from flask import Response, request
from flask_restful import Resource
from flask_security import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from ..services.products import documents
from .common import MULTIPART_SLACK, AuthResource, page_params
from .errors import ApiError, validation_error
from .schemas.documents import DocumentSchema


def dump_document(document) -> dict:
    """A document as the API answers it, with a fresh download link and whether the caller may delete it."""
    body = DocumentSchema().dump(document)
    body["uploaded_by_name"] = documents.uploader_name(document)
    body["download_url"] = documents.download_url(document, current_user._get_current_object())
    body["can_delete"] = documents.can_delete(document, current_user)
    return body


class ProductDocumentListResource(AuthResource):
    def get(self, product_id: int):
        """A page of the product's documents, newest first."""
        page = documents.list_documents(product_id, *page_params())
        return {
            "items": [dump_document(d) for d in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }

    def post(self, product_id: int):
        """Upload one document (multipart field `file`); its text is extracted in the background."""
        if not (request.content_type or "").startswith("multipart/form-data"):
            raise ApiError(
                415, "unsupported_media_type", "Upload the document as multipart/form-data in the field `file`."
            )
        limit = documents.max_bytes()
        # Refused on the declared length before a byte of the body is read; a body without a length
        # (chunked) is read through a stream that stops at the cap. Files go to a temporary file, not memory.
        if request.content_length is not None and request.content_length > limit + MULTIPART_SLACK:
            raise documents.too_large()
        request.max_content_length = limit + MULTIPART_SLACK
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            raise documents.too_large() from None
        if upload is None or not upload.filename:
            raise validation_error({"file": "Attach the document in the field `file`."})
        document = documents.add_document(product_id, current_user, upload.stream, upload.filename)
        return {"document": dump_document(document)}, 201


class DocumentResource(AuthResource):
    def get(self, document_id: int):
        """One document (with a fresh download link)."""
        return {"document": dump_document(documents.get_document(document_id))}

    def delete(self, document_id: int):
        """Delete a document (its uploader or an admin); the stored object is removed in the background."""
        documents.delete_document(document_id, current_user)
        return "", 204


class DocumentDownloadResource(Resource):
    def get(self, document_id: int):
        """The file: for a signed-in member (redirect to S3, or streamed), or with a signed link from the list."""
        signature = request.args.get("signature")
        if current_user and current_user.is_authenticated:
            document = documents.get_document(document_id)
            url = documents.download_url(document, current_user._get_current_object())
            if not url.startswith("/api/"):
                return Response(status=302, headers={"Location": url, "Cache-Control": "private, no-store"})
        elif request.headers.get("Authentication-Token"):
            raise ApiError(401, "unauthorized", "Your session has ended; sign in again.")
        elif signature:
            document = documents.check_signature(document_id, signature)
        else:
            raise ApiError(401, "unauthorized", "Sign in, or use the download link from the document list.")
        served = documents.open_document(document)
        headers = {
            "Content-Disposition": served.disposition,
            "Content-Length": str(served.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        }
        if served.content_type != "application/pdf":  # the browser's PDF viewer does not run sandboxed
            headers["Content-Security-Policy"] = (
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
            )
        return Response(
            wrap_file(request.environ, served.stream),
            mimetype=served.content_type,
            direct_passthrough=True,
            headers=headers,
        )
