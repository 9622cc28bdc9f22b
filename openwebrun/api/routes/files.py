"""/files: upload files for tasks; read back a stored file (an upload or a task's download)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive

from openwebrun.api.deps import Services, allowed, bearer, services
from openwebrun.api.errors import ApiError
from openwebrun.api.presenters import uploaded_body
from openwebrun.api.rate_limits import limited_creator
from openwebrun.api.responses import BINARY, ID_DOC, FileDeleted, Uploaded, answers
from openwebrun.domain.errors import Refused
from openwebrun.domain.models import Account
from openwebrun.services.files import Upload, too_large

router = APIRouter(prefix="/files")
UPLOAD_PATH = "/files/upload"  # reads its own body, bounded by OPENWEBRUN_MAX_UPLOAD_BYTES
FileId = Annotated[str, Path(json_schema_extra=ID_DOC)]

MAX_FILES_PER_UPLOAD = 20
MULTIPART_SLACK = 1 << 20  # part headers and boundaries, on top of the files' own bytes
FILE_FIELDS = ("file", "files")  # `files` is WebRun's name; both may be repeated and mixed
# A part is any bytes (OpenAPI 3.1 names a file by its media type); on the wire every part is bytes,
# so no narrower type is stated than the server can check.
_PARTS = {"type": "array", "items": {"contentMediaType": "application/octet-stream"}, "maxItems": MAX_FILES_PER_UPLOAD}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "description": "One or more files, as `file` or `files` parts (either name, or both).",
    "properties": {**{name: _PARTS for name in FILE_FIELDS},
                   "environmentId": {"type": "string", "maxLength": 64,
                                     "description": "keep the files in this environment (or `profileId`)"}}}}}}}


def _bounded(receive: Receive, cap: int, limit: int, refuse: Callable[[int], Exception] = too_large) -> Receive:
    """The request body stream, refused with 413 once it passes `cap` bytes (chunked bodies too)."""
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise refuse(limit)
        return message

    return bounded_receive


def bounded_body(request: Request, limit: int, refuse: Callable[[int], Exception] = too_large) -> Request:
    """The request with its body refused (`refuse`, 413 by default) past `limit` bytes of files,
    by Content-Length or as it arrives."""
    cap = limit + MULTIPART_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise refuse(limit)
    return Request(request.scope, receive=_bounded(request.receive, cap, limit, refuse))


@router.post("/upload", responses=answers(Uploaded, 401, 403, 404, 429), openapi_extra=UPLOAD_BODY)
async def upload(request: Request, who: Account = Depends(limited_creator), svc: Services = Depends(services)):
    """multipart/form-data with one or more `file` or `files` parts. The body is read only after the key is checked."""
    limit = svc.settings.max_upload_bytes
    body = bounded_body(request, limit)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(400, "Send the files as multipart/form-data with one or more `file` (or `files`) parts.",
                       "VALIDATION_ERROR")
    try:
        async with body.form(max_files=MAX_FILES_PER_UPLOAD, max_fields=MAX_FILES_PER_UPLOAD) as form:
            items = form.multi_items()
            texts = sorted({field for field, part in items if field in FILE_FIELDS and not isinstance(part, UploadFile)})
            if texts:
                raise ApiError(400, f"`{texts[0]}` must be a file part (with a filename), not a text field.",
                               "VALIDATION_ERROR")
            parts = [(field, part) for field, part in items
                     if isinstance(part, UploadFile) and (part.filename or part.size)]
            stray = sorted({field for field, _ in parts if field not in FILE_FIELDS})
            if stray:
                raise ApiError(400, f"Unknown file field(s) {', '.join(map(repr, stray))}: send each file as a "
                                    "`file` or `files` part.", "VALIDATION_ERROR")
            uploads = [Upload(name=part.filename, content_type=part.content_type, stream=part.file)
                       for _, part in parts]
            environment_id = _environment_field(form.multi_items())
            if environment_id:
                await svc.environments.owned(who, environment_id)  # 404 for unknown or someone else's
            stored = await svc.files.upload(who, uploads, environment_id)
            if environment_id:
                await svc.environments.files_added(environment_id, sum(f.size for f in stored))
    except HTTPException as exc:  # malformed multipart data, too many parts
        raise ApiError(400, f"Invalid upload: {exc.detail}", "VALIDATION_ERROR") from None
    return uploaded_body(stored)


def _environment_field(items: list[tuple[str, str | UploadFile]]) -> str | None:
    """The optional `environmentId` (or `profileId`) text field: the files are kept in that environment."""
    for field, value in items:
        if field in ("environmentId", "profileId") and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def content_disposition(name: str) -> str:
    """attachment with the original name: an ASCII fallback and the exact UTF-8 name (RFC 6266)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _signed_link_works(svc: Services, file_id: str, expires: int | None, signature: str | None,
                             *, keyed: bool) -> bool:
    """Whether the query is a valid signed link; a bad one is refused (403) unless an API key may still open it."""
    if expires is None and signature is None:
        return False
    try:
        svc.links.check(file_id, expires, signature)
    except Refused:
        if keyed:
            return False
        raise
    return True


SIGNED_QUERY = {"expires": "Expiry of a signed link (Unix seconds), as in its downloadUrl",
                "signature": "Signature of a signed link (hex HMAC-SHA256), as in its downloadUrl"}


@router.get("/{file_id}", response_class=FileResponse,
            responses=answers({"*/*": BINARY}, 401, 403, 404, description="The file's bytes"),
            openapi_extra={"security": [{}]})  # beside the key: a signed link needs none
async def download(request: Request, file_id: FileId,
                   expires: int | None = Query(None, ge=0, le=2**53, description=SIGNED_QUERY["expires"]),
                   signature: str | None = Query(None, max_length=128, description=SIGNED_QUERY["signature"]),
                   _declared: HTTPAuthorizationCredentials | None = Depends(bearer),
                   svc: Services = Depends(services)):
    """The file's bytes: for anyone with a valid signed link (a task's downloadUrl), else for its owner's
    API key only (anyone else gets 404). An altered or expired link without an API key: 403."""
    if file_id == "upload":  # the upload URL with a method it does not have
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})
    authorization = request.headers.get("authorization")
    if await _signed_link_works(svc, file_id, expires, signature, keyed=bool(authorization)):
        file, path = await svc.files.stored(file_id)
    else:
        who = await svc.auth.authenticate(authorization)
        allowed(who, "read")
        file, path = await svc.files.owned(who, file_id)
    return FileResponse(path, media_type=file.content_type,
                        headers={"Content-Disposition": content_disposition(file.original_name),
                                 "X-Content-Type-Options": "nosniff"})


@router.delete("/{file_id}", responses=answers(FileDeleted, 401, 403, 404))
async def delete(request: Request, file_id: FileId, _declared: HTTPAuthorizationCredentials | None = Depends(bearer),
                 svc: Services = Depends(services)):
    """Forget one of the caller's files (an upload or a task's download); its links stop working."""
    if file_id == "upload":  # the upload URL with a method it does not have, whoever asks
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})
    who = await svc.auth.authenticate(request.headers.get("authorization"))
    allowed(who, "task:create")
    await svc.files.delete(who, file_id)
    return {"success": True, "fileId": file_id}
