"""`openwebrun accounts` and `openwebrun usage`: accounts, their balance and what they used."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

Work = Callable[[Any], Awaitable[int]]


def _usd(amount: float) -> str:
    return f"${amount:.4f}"


def _money(balance: float | None) -> str:
    return "unlimited" if balance is None else f"${balance:,.4f}"


def accounts_work(args: argparse.Namespace) -> Work:
    async def create(store) -> int:
        balance = None if args.unlimited else args.balance
        account = await store.accounts.create(args.name, balance=balance, session_limit=args.session_limit)
        print(f"created account {account.id} ({account.name}), balance {_money(account.balance)}")
        if args.key:
            key, plaintext = await store.keys.create(account.id, f"{args.name} key")
            print(f"created key {key.id} ({key.prefix}…); shown once:\n{plaintext}")
        return 0

    async def listing(store) -> int:
        for a in await store.accounts.list():
            limit = "" if a.session_limit is None else f"  sessions≤{a.session_limit}"
            role = " admin" if a.is_admin else ""
            print(f"{a.id}  {'active' if a.active else 'inactive':8}  {_money(a.balance):>14}{limit}{role}  {a.name}")
        return 0

    async def credit(store) -> int:
        try:
            balance = await store.accounts.credit(args.account, args.usd)
        except KeyError:
            print(f"no account {args.account}", file=sys.stderr)
            return 1
        if balance is None:
            print(f"account {args.account} is unlimited: nothing to credit", file=sys.stderr)
            return 1
        print(f"account {args.account}: balance {_money(balance)}")
        return 0

    async def deactivate(store) -> int:
        if not await store.accounts.set_active(args.account, False):
            print(f"no account {args.account}", file=sys.stderr)
            return 1
        print(f"deactivated {args.account}: its keys are refused from now on (403)")
        return 0

    return {"create": create, "list": listing, "credit": credit, "deactivate": deactivate}[args.accounts_command]


def usage_work(args: argparse.Namespace) -> Work:
    async def report(store) -> int:
        rows = await store.usage.list(args.account, args.since)
        print(f"{'day':10}  {'account':32}  {'tasks':>5}  {'input':>9}  {'output':>8}  {'compute s':>9}  "
              f"{'proxied':>9}  {'cost':>10}")
        for r in rows:
            print(f"{r.day:10}  {r.account_id:32}  {r.tasks:>5}  {r.input_tokens:>9}  {r.output_tokens:>8}  "
                  f"{r.compute_seconds:>9.1f}  {r.proxied_bytes:>9}  {_usd(r.cost):>10}")
        print(f"{'total':10}  {'':32}  {sum(r.tasks for r in rows):>5}  {sum(r.input_tokens for r in rows):>9}  "
              f"{sum(r.output_tokens for r in rows):>8}  {sum(r.compute_seconds for r in rows):>9.1f}  "
              f"{sum(r.proxied_bytes for r in rows):>9}  {_usd(sum(r.cost for r in rows)):>10}")
        return 0
    return report


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def add_parsers(sub: Any) -> None:
    accounts = sub.add_parser("accounts", help="manage accounts and their balance")
    accounts_sub = accounts.add_subparsers(dest="accounts_command", required=True)
    create = accounts_sub.add_parser("create", help="create an account")
    create.add_argument("name")
    money = create.add_mutually_exclusive_group()
    money.add_argument("--balance", type=float, default=0.0, help="starting balance in USD (default 0)")
    money.add_argument("--unlimited", action="store_true", help="no balance: never charged")
    create.add_argument("--session-limit", type=int, help="live sessions at once (default: the server's limit)")
    create.add_argument("--key", action="store_true", help="also create an API key for it (printed once)")
    accounts_sub.add_parser("list", help="list accounts with their balance")
    credit = accounts_sub.add_parser("credit", help="add USD to an account's balance (negative: take away)")
    credit.add_argument("account")
    credit.add_argument("usd", type=float)
    deactivate = accounts_sub.add_parser("deactivate", help="refuse the account's keys from now on")
    deactivate.add_argument("account")
    accounts.set_defaults(work=accounts_work)

    usage = sub.add_parser("usage", help="usage and cost per account and day")
    usage.add_argument("--account", help="only this account")
    usage.add_argument("--since", type=_day, help="from this day (YYYY-MM-DD, UTC)")
    usage.set_defaults(work=usage_work)
