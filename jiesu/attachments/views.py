"""Serving attachment files: through the app from local storage, or by a short-lived signed URL
from object storage — in both cases only after the owner's rule admitted the caller."""

from urllib.parse import quote

from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from jiesu.attachments import selectors, storage
from jiesu.common.errors import DomainError


def download(request, pk: int, variant: str):
    try:
        row, key = selectors.get_for_download(user=request.user, attachment_id=pk, variant=variant)
    except DomainError as exc:
        status = 410 if exc.code == "attachment_deleted" else exc.status
        return HttpResponse(exc.message, status=status, content_type="text/plain; charset=utf-8")
    if not storage.is_local():
        return HttpResponseRedirect(storage.storage().url(key))
    content_type = "image/jpeg" if variant == "thumbnail" else row.content_type
    response = FileResponse(storage.open_file(key), content_type=content_type)
    name = row.original_name if variant != "thumbnail" else f"缩略图-{row.original_name}.jpg"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
