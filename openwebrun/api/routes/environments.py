"""/environments and /profiles: two route sets on the same objects (a profile is an environment).

Errors here carry `message` beside `error` and `code` (WebRun's environment routes answer
`{success: false, message}`). Every route counts against one limit per client address
(OPENWEBRUN_ENVIRONMENT_RATE_LIMIT, 100 per 15 minutes by default).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from openwebrun.api.deps import Services, account, services
from openwebrun.api.errors import ApiError
from openwebrun.api.presenters import environment_body, environment_file_body
from openwebrun.api.rate_limits import address_limited
from openwebrun.api.responses import (
    BINARY,
    ID_DOC,
    Done,
    DownloadLink,
    EnvironmentFiles,
    EnvironmentList,
    EnvironmentOne,
    ProfileList,
    ProfileOne,
    answers,
)
from openwebrun.api.routes.files import SIGNED_QUERY, bounded_body, content_disposition
from openwebrun.domain.errors import Refused
from openwebrun.domain.models import Account
from openwebrun.services.environments import remove_quietly

EnvId = Annotated[str, Path(json_schema_extra=ID_DOC)]
FileId = Annotated[str, Path(json_schema_extra=ID_DOC)]
# upload routes read their own (large) bodies; the request guard passes them through unread
UPLOAD_PATHS = re.compile(r"/(environments|profiles)/[^/]+/upload")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "description": "The archive as a `file` part (.tar.gz or .tgz).",
    "properties": {"file": {"contentMediaType": "application/gzip"}}}}}}}


class EnvironmentIn(BaseModel):
    name: str | None = Field(None, description="at most 100 characters")
    description: str | None = Field(None, description="at most 500 characters")


environments = APIRouter(prefix="/environments", dependencies=[Depends(address_limited)])
profiles = APIRouter(prefix="/profiles", dependencies=[Depends(address_limited)])
ALWAYS = (401, 403, 429)


# --- /environments -----------------------------------------------------------------------
@environments.post("", responses=answers(EnvironmentOne, *ALWAYS))
async def create_environment(body: EnvironmentIn | None = None, who: Account = Depends(account),
                             svc: Services = Depends(services)):
    body = body or EnvironmentIn(name=None, description=None)
    env = await svc.environments.create(who, body.name, body.description, "Environment")
    return {"success": True, "message": "Environment created", "environment": environment_body(env)}


@environments.get("", responses=answers(EnvironmentList, *ALWAYS))
async def list_environments(who: Account = Depends(account), svc: Services = Depends(services)):
    return {"success": True, "environments": [environment_body(e) for e in await svc.environments.of_account(who)]}


@environments.delete("/{env_id}", responses=answers(Done, *ALWAYS, 404, 409))
async def delete_environment(env_id: EnvId, who: Account = Depends(account), svc: Services = Depends(services)):
    await svc.environments.delete(who, env_id, "Environment", svc.runtime.ending)
    return {"success": True, "message": "Environment deleted"}


@environments.post("/{env_id}/upload", responses=answers(EnvironmentOne, *ALWAYS, 404, 409),
                   openapi_extra=UPLOAD_BODY)
async def upload_environment(env_id: EnvId, request: Request, who: Account = Depends(account),
                             svc: Services = Depends(services)):
    """multipart/form-data with the archive as `file`; replaces the browser state and the files."""
    env = await _upload(request, who, svc, env_id, "Environment")
    return {"success": True, "message": "Profile uploaded successfully", "environment": env}


@environments.get("/{env_id}/files", responses=answers(EnvironmentFiles, *ALWAYS, 404))
async def environment_files(env_id: EnvId, who: Account = Depends(account), svc: Services = Depends(services)):
    return {"success": True, "files": [environment_file_body(f) for f in await svc.environments.files(who, env_id)]}


@environments.delete("/{env_id}/files/{file_id}", responses=answers(Done, *ALWAYS, 404))
async def delete_environment_file(env_id: EnvId, file_id: FileId, who: Account = Depends(account),
                                  svc: Services = Depends(services)):
    await svc.environments.delete_file(who, env_id, file_id)
    return {"success": True, "message": "File deleted"}


@environments.get("/{env_id}/download", responses=answers(DownloadLink, *ALWAYS, 404))
async def download_environment(env_id: EnvId, who: Account = Depends(account), svc: Services = Depends(services)):
    return await _download_link(svc, who, env_id, "Environment")


# --- /profiles -------------------------------------------------------------------------------
@profiles.get("", responses=answers(ProfileList, *ALWAYS))
async def list_profiles(who: Account = Depends(account), svc: Services = Depends(services)):
    return {"success": True, "profiles": [environment_body(e) for e in await svc.environments.of_account(who)]}


@profiles.post("", responses=answers(ProfileOne, *ALWAYS))
async def create_profile(body: EnvironmentIn | None = None, who: Account = Depends(account),
                         svc: Services = Depends(services)):
    body = body or EnvironmentIn(name=None, description=None)
    env = await svc.environments.create(who, body.name, body.description, "Profile")
    return {"success": True, "message": "Profile created", "profile": environment_body(env)}


@profiles.delete("/{env_id}", responses=answers(Done, *ALWAYS, 404, 409))
async def delete_profile(env_id: EnvId, who: Account = Depends(account), svc: Services = Depends(services)):
    await svc.environments.delete(who, env_id, "Profile", svc.runtime.ending)
    return {"success": True, "message": "Profile deleted"}


@profiles.post("/{env_id}/upload", responses=answers(ProfileOne, *ALWAYS, 404, 409), openapi_extra=UPLOAD_BODY)
async def upload_profile(env_id: EnvId, request: Request, who: Account = Depends(account),
                         svc: Services = Depends(services)):
    """multipart/form-data with the archive as `file`; replaces the browser state and the files."""
    env = await _upload(request, who, svc, env_id, "Profile")
    return {"success": True, "message": "Profile uploaded successfully", "profile": env}


@profiles.get("/{env_id}/download", responses=answers(DownloadLink, *ALWAYS, 404))
async def download_profile(env_id: EnvId, who: Account = Depends(account), svc: Services = Depends(services)):
    return await _download_link(svc, who, env_id, "Profile")


@profiles.get("/{env_id}/archive.tar.gz", response_class=FileResponse,
              responses=answers({"application/gzip": BINARY}, 403, 404, 429, description="The archive"),
              openapi_extra={"security": [{}]})
async def profile_archive(env_id: EnvId,
                          expires: int = Query(..., ge=0, le=2**53, description=SIGNED_QUERY["expires"]),
                          signature: str = Query(..., max_length=128, description=SIGNED_QUERY["signature"]),
                          svc: Services = Depends(services)):
    """The archive behind a signed download link (no API key): the state as it is when fetched."""
    svc.environment_links.check(archive_subject(env_id), expires, signature)
    path = await svc.environments.build_archive(env_id)
    return FileResponse(path, media_type="application/gzip", background=BackgroundTask(remove_quietly, path),
                        headers={"Content-Disposition": content_disposition(f"profile-{env_id}.tar.gz")})


# --- shared ----------------------------------------------------------------------------------
OTHER_METHODS = ["HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


async def _not_allowed() -> None:
    """The collection paths have GET and POST in two routes: other methods answer 405 naming both."""
    raise HTTPException(405, "Method Not Allowed", headers={"Allow": "GET, POST"})


for _router in (environments, profiles):
    _router.add_api_route("", _not_allowed, methods=OTHER_METHODS, include_in_schema=False)


def archive_too_large(limit: int) -> Refused:
    return Refused("INVALID_ARCHIVE", f"Invalid archive: larger than the limit of {limit} bytes. Nothing was changed.")


def archive_subject(env_id: str) -> str:
    return f"profile:{env_id}"


async def _download_link(svc: Services, who: Account, env_id: str, noun: str) -> dict[str, Any]:
    env = await svc.environments.check_downloadable(who, env_id, noun)
    links = svc.environment_links
    expires = links.expiry()
    url = links.signed(f"/profiles/{env.id}/archive.tar.gz", archive_subject(env.id), expires)
    return {"success": True, "downloadUrl": url,
            "expiresAt": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z")}


async def _upload(request: Request, who: Account, svc: Services, env_id: str, noun: str) -> dict[str, Any]:
    await svc.environments.owned(who, env_id, noun)  # 404 before the body is read
    limit = svc.settings.max_profile_bytes
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(400, "No file provided: send multipart/form-data with the archive as the `file` part.",
                       "VALIDATION_ERROR")
    body = bounded_body(request, limit, archive_too_large)
    try:
        async with body.form(max_files=1, max_fields=4) as form:
            part = form.get("file")
            if not isinstance(part, UploadFile) or not (part.filename or part.size):
                raise ApiError(400, "No file provided: send the archive as the `file` part.", "VALIDATION_ERROR")
            if not (part.filename or "").lower().endswith(ARCHIVE_SUFFIXES):
                raise ApiError(400, "Only .tar.gz files are allowed", "VALIDATION_ERROR")
            if part.size is not None and part.size > limit:
                raise archive_too_large(limit)
            env = await svc.environments.upload(who, env_id, part.file, noun)
    except HTTPException as exc:  # malformed multipart data, too many parts
        raise ApiError(400, f"Invalid upload: {exc.detail}", "VALIDATION_ERROR") from None
    return environment_body(env)
