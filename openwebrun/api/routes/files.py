"""/files: upload files for tasks; read back a stored file (an upload or a task's download)."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive

from openwebrun.api.deps import Services, account, services
from openwebrun.api.errors import ApiError
from openwebrun.api.presenters import uploaded_body
from openwebrun.api.responses import BINARY, ID_DOC, Uploaded, answers
from openwebrun.domain.models import Account
from openwebrun.services.files import Upload, too_large

router = APIRouter(prefix="/files")
UPLOAD_PATH = "/files/upload"  # reads its own body, bounded by OPENWEBRUN_MAX_UPLOAD_BYTES
FileId = Annotated[str, Path(json_schema_extra=ID_DOC)]

MAX_FILES_PER_UPLOAD = 20
MULTIPART_SLACK = 1 << 20  # part headers and boundaries, on top of the files' own bytes
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"},
                            "minItems": 1, "maxItems": MAX_FILES_PER_UPLOAD}}}}}}}


def _bounded(receive: Receive, cap: int, limit: int) -> Receive:
    """The request body stream, refused with 413 once it passes `cap` bytes (chunked bodies too)."""
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise too_large(limit)
        return message

    return bounded_receive


@router.post("/upload", responses=answers(Uploaded, 401, 403), openapi_extra=UPLOAD_BODY)
async def upload(request: Request, who: Account = Depends(account), svc: Services = Depends(services)):
    """multipart/form-data with one or more `file` parts. The body is read only after the key is checked."""
    limit = svc.settings.max_upload_bytes
    cap = limit + MULTIPART_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise too_large(limit)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(400, "Send the files as multipart/form-data with one or more `file` parts.", "VALIDATION_ERROR")
    body = Request(request.scope, receive=_bounded(request.receive, cap, limit))
    try:
        async with body.form(max_files=MAX_FILES_PER_UPLOAD, max_fields=MAX_FILES_PER_UPLOAD) as form:
            uploads = [Upload(name=part.filename, content_type=part.content_type, stream=part.file)
                       for _, part in form.multi_items()
                       if isinstance(part, UploadFile) and (part.filename or part.size)]
            stored = await svc.files.upload(who, uploads)
    except HTTPException as exc:  # malformed multipart data, too many parts
        raise ApiError(400, f"Invalid upload: {exc.detail}", "VALIDATION_ERROR") from None
    return uploaded_body(stored)


def content_disposition(name: str) -> str:
    """attachment with the original name: an ASCII fallback and the exact UTF-8 name (RFC 6266)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/{file_id}", response_class=FileResponse,
            responses=answers({"*/*": BINARY}, 401, 403, 404, description="The file's bytes"))
async def download(file_id: FileId, who: Account = Depends(account), svc: Services = Depends(services)):
    """The file's bytes, for its owner only (anyone else gets 404)."""
    if file_id == "upload":  # the upload URL with a method it does not have
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})
    file, path = await svc.files.owned(who, file_id)
    return FileResponse(path, media_type=file.content_type,
                        headers={"Content-Disposition": content_disposition(file.original_name),
                                 "X-Content-Type-Options": "nosniff"})
