"""The `openwebrun` command: serve, worker, run, mcp, keys, accounts, usage, db upgrade, doctor, env import-chrome."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from openwebrun import cli_accounts
from openwebrun.domain.models import DEFAULT_SCOPES, SCOPES
from openwebrun.settings import Settings, SettingsError, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in (("host", getattr(args, "host", None)), ("port", getattr(args, "port", None)))
                 if v is not None}
    return load_settings(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from openwebrun.api.app import create_app

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"openwebrun serving on {settings.base_url} (data in {settings.data_dir.resolve()})", flush=True)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
                timeout_graceful_shutdown=30,
                ws_per_message_deflate=False)  # the live view's JPEG frames do not compress: no zlib on them
    return 0


async def _with_store(settings: Settings, work):
    from openwebrun.store.db import Database
    from openwebrun.store.migrate import upgrade
    from openwebrun.store.repositories import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        return await work(Store(db))
    finally:
        await db.close()


def cmd_worker(args: argparse.Namespace) -> int:
    from openwebrun.cluster.worker import run_worker

    settings = _settings(args)
    if not settings.cluster_mode:
        print("openwebrun worker needs cluster mode: set OPENWEBRUN_RAY_ADDRESS, OPENWEBRUN_DATABASE_URL "
              "(PostgreSQL) and OPENWEBRUN_REDIS_URL", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_worker(settings, slots=args.slots, node_ip=args.node_ip, num_cpus=args.num_cpus, temp_dir=args.temp_dir,
                      ray_args=args.ray_arg, attach=args.attach)


def cmd_keys(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def create(store):
        from openwebrun.services.auth import AuthService

        if args.new_account:
            account = await store.accounts.create(args.new_account)
        elif args.account:
            account = await store.accounts.get(args.account)
        else:
            account = await AuthService(store).admin_account()
        if account is None:
            print(f"no account {args.account}", file=sys.stderr)
            return 1
        key, plaintext = await store.keys.create(account.id, args.name or "", scopes=args.scope or DEFAULT_SCOPES)
        print(f"created key {key.id} ({key.prefix}…, {','.join(key.scopes)}) for account {account.id}; "
              f"shown once:\n{plaintext}")
        return 0

    async def listing(store):
        for key in await store.keys.list():
            state = "revoked" if key.revoked else "active"
            print(f"{key.id}  {key.prefix}…  {state:8}  {','.join(key.scopes):20}  account={key.account_id}  {key.name}")
        return 0

    async def revoke(store):
        try:
            revoked = await store.keys.revoke(args.key)
        except ValueError as exc:  # an ambiguous prefix
            print(f"openwebrun: {exc}", file=sys.stderr)
            return 1
        if revoked:
            print(f"revoked {args.key}")
            return 0
        print(f"no key {args.key}", file=sys.stderr)
        return 1

    async def webhook_secret(store):
        from openwebrun.services.auth import AuthService

        account = await (store.accounts.get(args.account) if args.account else AuthService(store).admin_account())
        secret = await store.webhooks.secret(account.id, rotate=args.rotate) if account else None
        if secret is None:
            print(f"no account {args.account}", file=sys.stderr)
            return 1
        state = "a new" if args.rotate else "the"
        print(f"{state} webhook signing secret of account {account.id}:\n{secret}")
        return 0

    work = {"create": create, "list": listing, "revoke": revoke,
            "webhook-secret": webhook_secret}[args.keys_command]
    return asyncio.run(_with_store(settings, work))


def cmd_db(args: argparse.Namespace) -> int:
    from openwebrun.store.migrate import upgrade

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade(settings.database_url))
    print("database is at the latest revision")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from openwebrun.doctor import run_checks

    settings = _settings(args)
    results = asyncio.run(run_checks(settings))
    for check in results:
        print(f"[{'ok' if check.ok else 'MISSING'}] {check.name}: {check.detail}")
    return 0 if all(c.ok or not c.required for c in results) else 1


def cmd_run(args: argparse.Namespace) -> int:
    from openwebrun.domain.errors import TaskFailure
    from openwebrun.local_run import build_spec, run_local

    overrides = {"model": args.model} if args.model else {}
    if args.max_steps:
        overrides["max_steps"] = args.max_steps
    settings = load_settings(**overrides)
    try:
        spec = build_spec(args.task, args.url, args.output_schema, args.csv, args.max_duration)
    except (ValueError, OSError) as exc:
        print(f"openwebrun: {exc}", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(run_local(settings, spec))
    except TaskFailure as failure:
        print(f"failed ({failure.code.value}): {failure.message}", file=sys.stderr)
        return 1
    print(result.message)
    return 0


def cmd_store_work(args: argparse.Namespace) -> int:
    """accounts and usage: a piece of work on the store."""
    return asyncio.run(_with_store(_settings(args), args.work(args)))


def cmd_mcp(args: argparse.Namespace) -> int:
    from openwebrun.mcp_stdio import serve_stdio

    asyncio.run(serve_stdio(load_settings()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openwebrun", description="Self-hosted WebRun browser-agent server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="cluster mode: join this machine to the Ray cluster and host sessions")
    worker.add_argument("--slots", type=int, help="sessions this worker holds (default: from its memory)")
    worker.add_argument("--node-ip", help="this machine's address as the other nodes reach it")
    worker.add_argument("--num-cpus", type=int, help="CPUs the Ray node offers (default: all)")
    worker.add_argument("--temp-dir", help="the Ray node's directory for sockets and logs")
    worker.add_argument("--ray-arg", action="append", default=[], metavar="ARG",
                        help="one more argument for `ray start` (repeatable), e.g. --ray-arg=--node-manager-port=6380")
    worker.add_argument("--attach", action="store_true",
                        help="use the Ray node already running here (started with a browser_slot resource, e.g. by KubeRay)")
    worker.set_defaults(func=cmd_worker)

    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key (printed once)")
    create.add_argument("--name", default="")
    create.add_argument("--scope", action="append", choices=SCOPES,
                        help="what the key may do (repeatable; default: task:create and read; admin: everything)")
    owner = create.add_mutually_exclusive_group()
    owner.add_argument("--account", help="account id (default: the admin account)")
    owner.add_argument("--new-account", metavar="NAME", help="create a new account with this name for the key")
    keys_sub.add_parser("list", help="list keys (never their secret)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by id or prefix")
    revoke.add_argument("key")
    secret = keys_sub.add_parser("webhook-secret", help="print the account's webhook signing secret")
    secret.add_argument("--account", help="account id (default: the admin account)")
    secret.add_argument("--rotate", action="store_true", help="replace it with a new one")
    keys.set_defaults(func=cmd_keys)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    db.set_defaults(func=cmd_db)

    run = sub.add_parser("run", help="run one task locally, without a server")
    run.add_argument("task", help="what to do, in plain language")
    run.add_argument("--url", help="starting point")
    run.add_argument("--output-schema", metavar="FILE", help="JSON Schema file: structured_json output")
    run.add_argument("--csv", metavar="COLUMNS", help="comma-separated columns: structured_csv output")
    run.add_argument("--model", help="LLM model (default: OPENWEBRUN_MODEL)")
    run.add_argument("--max-steps", type=int)
    run.add_argument("--max-duration", type=int, default=300_000, metavar="MS")
    run.set_defaults(func=cmd_run)

    cli_accounts.add_parsers(sub)
    for name in ("accounts", "usage"):
        sub.choices[name].set_defaults(func=cmd_store_work)

    mcp = sub.add_parser("mcp", help="serve the MCP tools over stdio (for desktop MCP clients)")
    mcp.set_defaults(func=cmd_mcp)

    env = sub.add_parser("env", help="environments (browser profiles)")
    env_sub = env.add_subparsers(dest="env_command", required=True)
    chrome = env_sub.add_parser("import-chrome", help="build an environment archive (.tar.gz) from a Chromium profile")
    chrome.add_argument("profile_dir", metavar="PROFILE_DIR", help="the profile folder, e.g. ~/.config/chromium/Default")
    chrome.add_argument("-o", "--output", default="profile.tar.gz", help="the archive to write (default: profile.tar.gz)")
    chrome.add_argument("--file", action="append", metavar="PATH", help="a file to keep in the environment (repeatable)")
    env.set_defaults(func=cmd_env)

    doctor = sub.add_parser("doctor", help="check Chromium, database and LLM configuration")
    doctor.set_defaults(func=cmd_doctor)
    return parser


def cmd_env(args: argparse.Namespace) -> int:
    """env import-chrome: build an environment archive from a Chromium profile folder."""
    from pathlib import Path

    from openwebrun.browser.chrome_import import (
        ImportRefused,
        check_cookies,
        cookie_file,
        count_cookies,
        profile_folder,
        read_profile,
    )
    from openwebrun.browser.launch import find_chromium
    from openwebrun.services.profile_archive import write_archive

    out = Path(args.output)
    files = [Path(f) for f in args.file or []]
    try:
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise ImportRefused(f"no such file: {', '.join(missing)}")
        profile = profile_folder(Path(args.profile_dir).expanduser())
        cookies = cookie_file(profile)
        count = count_cookies(cookies) if cookies else None
        if cookies and count:
            check_cookies(count, cookies)
        imported = asyncio.run(read_profile(profile, find_chromium(load_settings().chromium_path)))
    except ImportRefused as exc:
        print(f"cannot import: {exc}", file=sys.stderr)
        return 2
    state = imported.state
    with open(out, "wb") as target:
        write_archive(target, state, [(f.name, f) for f in files])
    stored = sum(1 for o in state["origins"] if o.get("localStorage"))
    databases = sum(len(o.get("indexedDB") or []) for o in state["origins"])
    print(f"wrote {out}: {len(state['cookies'])} cookies, localStorage of {stored} origins, "
          f"{databases} IndexedDB databases, {len(files)} files")
    if count and len(state["cookies"]) < count.total:
        print(f"note: {count.total - len(state['cookies'])} of {count.total} stored cookies were not kept "
              "(expired, or not readable by this Chromium)")
    print("upload it with: curl -H 'Authorization: Bearer KEY' -F file=@" + str(out) + " BASE/environments/ID/upload")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"openwebrun: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
