"""`convene`: the operator's command (installed with the project; in the image too).

    convene token PRINCIPAL_ID [--ttl S]   a token for a member, WeChat user or service, minted by identity
    convene token --operator [--ttl S]     the operator's own token (a service account's), from identity
    convene account                        a new operator service account, svc_...:secret, for
                                           identity's IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT
    convene lag                            every durable consumer: pending, unacknowledged, redelivered
    convene dead-letters list [--consumer DURABLE] [--after SEQ] [--limit N]
                                           events consumers set aside (refused again and again, or
                                           never handleable), oldest first, with reason and error
    convene dead-letters redrive SEQ ... | --all [--consumer DURABLE]
                                           hand them back to their consumer, once each
    convene dead-letters discard SEQ ...   drop them for good
    convene backlog [SERVICE ...]          outbox rows waiting and timers due, per service
    convene migrate [SERVICE ...]          apply the migrations (before a rollout; no service needs to run)
    convene prune [SERVICE ...]            delete what is past retention now, in small batches

It reads the services' own environment: DATABASE_URL (or <SERVICE>_DATABASE_URL), NATS_URL
(and NATS_CREDS / NATS_TLS_*), and for `token` IDENTITY_ADDR (host:port of identity's gRPC) and
the operator's service account, CONVENE_SERVICE_ACCOUNT=`svc_...:secret` (or the file
CONVENE_SERVICE_ACCOUNT_FILE names, `.run/operator_credential` under `make run`): only identity
mints tokens, so the command asks it, as any back end does. `--json` prints machine-readable
output. Exit status: 0 done, 1 failed, 2 bad usage or settings.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS

from services import SERVICES
from services.runtime import bus, db, deadletters, retention
from services.runtime.app import ServiceDefinition
from services.runtime.errors import DomainError
from services.runtime.logs import configure_logging
from services.runtime.observe import read_backlog
from services.runtime.settings import Settings, SettingsError, env


class Failed(Exception):
    """A command could not do its work; the message says why."""


def definition(service: str) -> ServiceDefinition:
    module = importlib.import_module(f"services.{service}.service")
    found: ServiceDefinition = module.DEFINITION
    return found


def settings_of(service: str) -> Settings:
    """The service's settings from this environment, as the service itself would read them."""
    kind = definition(service).settings_type
    return kind(service_name=service)


def out(args: argparse.Namespace, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        print("(nothing)")
        return
    widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(_cell(row.get(c)).ljust(widths[c]) for c in columns))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return "" if value is None else str(value)


# ------------------------------------------------------------------------------------ commands


async def migrate(args: argparse.Namespace) -> None:
    rows = []
    for service in args.services or SERVICES:
        settings = settings_of(service)
        pool = await db.create_pool(settings.database_url, service, min_size=1, max_size=1)
        try:
            applied = await db.migrate(pool, service, definition(service).migrations)
        finally:
            await pool.close()
        rows.append({"service": service, "applied": ", ".join(applied) or "(up to date)"})
    out(args, rows, ("service", "applied"))


async def prune(args: argparse.Namespace) -> None:
    rows = []
    for service in args.services or SERVICES:
        settings = settings_of(service)
        pruner = retention.Pruner(definition(service).retention_rules(settings),
                                  batch=settings.retention_batch, every_s=settings.retention_every_s)
        pool = await db.create_pool(settings.database_url, service, min_size=1, max_size=1)
        try:
            deleted = await pruner.prune_all(pool)
        finally:
            await pool.close()
        rows += [{"service": service, "table": table, "deleted": count} for table, count in deleted.items()]
    out(args, rows, ("service", "table", "deleted"))


async def backlog(args: argparse.Namespace) -> None:
    rows = []
    for service in args.services or SERVICES:
        settings = settings_of(service)
        conn = await asyncpg.connect(settings.database_url, server_settings={"search_path": service})
        try:
            rows.append({"service": service, **asdict(await read_backlog(conn)), "note": ""})
        except asyncpg.UndefinedTableError:  # a service this deployment never ran
            rows.append({"service": service, "note": "no tables: never migrated or started"})
        finally:
            await conn.close()
    out(args, rows, ("service", "outbox_waiting", "outbox_oldest_age_s", "timers_scheduled", "timers_due",
                     "timers_max_lateness_s", "note"))


@asynccontextmanager
async def nats() -> AsyncIterator[NATS]:
    """A NATS connection as the services make theirs (NATS_URL, NATS_CREDS, NATS_TLS_*)."""
    settings = settings_of("identity")
    nc = await bus.connect(settings.nats_servers, name="convene-cli", options=bus.options_from(settings))
    try:
        yield nc
    finally:
        await nc.close()


async def lag(args: argparse.Namespace) -> None:
    rows = []
    async with nats() as nc:
        js = nc.jetstream()
        for service in SERVICES:
            stream = service.upper()
            try:
                infos = await js.consumers_info(stream)
            except Exception:  # the stream does not exist yet: nothing consumes it
                continue
            for info in sorted(infos, key=lambda i: i.name):
                rows.append({"stream": stream, "consumer": info.name, "pending": info.num_pending,
                             "ack_pending": info.num_ack_pending, "redelivered": info.num_redelivered,
                             "waiting_pulls": info.num_waiting,
                             "delivered_seq": info.delivered.stream_seq if info.delivered else None,
                             "ack_floor_seq": info.ack_floor.stream_seq if info.ack_floor else None})
    out(args, rows, ("stream", "consumer", "pending", "ack_pending", "redelivered", "waiting_pulls",
                     "delivered_seq", "ack_floor_seq"))


DEAD_LETTER_COLUMNS = ("sequence", "consumer", "reason", "refusals", "deliveries", "dead_at", "subject",
                       "event_type", "event_id", "error")


def dead_letter_row(stored: deadletters.StoredDeadLetter) -> dict[str, Any]:
    letter = stored.letter
    return {"sequence": stored.sequence, "consumer": letter.consumer, "reason": letter.reason,
            "refusals": letter.refusals, "deliveries": letter.deliveries,
            "dead_at": letter.dead_time.ToDatetime().isoformat(timespec="seconds") + "Z",
            "subject": letter.subject, "event_type": letter.event_type, "event_id": letter.event_id,
            "stream": letter.stream, "stream_sequence": letter.stream_sequence, "error": letter.error}


async def dead_letters_list(args: argparse.Namespace) -> None:
    async with nats() as nc:
        try:
            letters = await deadletters.list_dead_letters(nc, consumer=args.consumer or None,
                                                          after_sequence=args.after, limit=args.limit)
        except DomainError as error:
            raise Failed(error.message) from None
    rows = [dead_letter_row(stored) for stored in letters]
    if not args.json:  # a table keeps to a line a letter; --json has the whole error
        for row in rows:
            row["error"] = row["error"].splitlines()[0][:100] if row["error"] else ""
    out(args, rows, DEAD_LETTER_COLUMNS)


async def _each_dead_letter(args: argparse.Namespace,
                            act: Callable[[NATS, int], Coroutine[Any, Any, deadletters.StoredDeadLetter]],
                            done: str) -> None:
    """Apply `act` to the dead letters named (or, with --all, every one listed); one row each.
    A letter that is gone (redriven or discarded already) fails the command, after the others."""
    rows, missing = [], []
    async with nats() as nc:
        sequences: list[int] = list(args.sequences)
        if getattr(args, "all", False):
            after = 0
            while page := await deadletters.list_dead_letters(nc, consumer=args.consumer or None,
                                                             after_sequence=after, limit=deadletters.MAX_LIST):
                sequences += [stored.sequence for stored in page]
                after = page[-1].sequence
        for sequence in sequences:
            try:
                stored = await act(nc, sequence)
            except DomainError as error:
                missing.append(error.message)
                continue
            rows.append({**dead_letter_row(stored), "done": done})
    out(args, rows, ("sequence", "consumer", "event_type", "event_id", "done"))
    if missing:
        raise Failed("; ".join(missing))


async def dead_letters_redrive(args: argparse.Namespace) -> None:
    await _each_dead_letter(args, deadletters.redrive, "redriven")


async def dead_letters_discard(args: argparse.Namespace) -> None:
    await _each_dead_letter(args, deadletters.discard, "discarded")


def service_account() -> tuple[str, str]:
    """The operator's service account (id, secret): CONVENE_SERVICE_ACCOUNT, or the file that
    CONVENE_SERVICE_ACCOUNT_FILE names."""
    value = env("CONVENE_SERVICE_ACCOUNT", "")
    variable = "CONVENE_SERVICE_ACCOUNT"
    if not value and (path := env("CONVENE_SERVICE_ACCOUNT_FILE", "")):
        variable = "CONVENE_SERVICE_ACCOUNT_FILE"
        try:
            with open(path) as handle:
                value = handle.read().strip()
        except OSError as error:
            raise SettingsError(variable, path, f"cannot be read: {error.strerror}") from None
    account_id, _, secret = value.partition(":")
    if not account_id.startswith("svc_") or not secret:
        raise SettingsError(variable, value, "must be the operator's service account, svc_...:secret")
    return account_id, secret


async def account(args: argparse.Namespace) -> None:
    import secrets

    from services.runtime.ids import new_id

    credential = f"{new_id('service')}:{secrets.token_urlsafe(32)}"
    out(args, [{"service_account": credential}], ("service_account",))


async def token(args: argparse.Namespace) -> None:
    import grpc

    from convene.identity.v1 import identity_pb2, identity_pb2_grpc

    if not args.operator and not args.principal_id:
        raise Failed("give a principal id (usr_..., wx_..., svc_...) or --operator")
    address = args.identity or env("IDENTITY_ADDR", "")
    if not address:
        raise SettingsError("IDENTITY_ADDR", "", "must be identity's host:port (or pass --identity)")
    account_id, secret = service_account()
    async with grpc.aio.insecure_channel(address) as channel:
        identity = identity_pb2_grpc.IdentityServiceStub(channel)
        try:
            # The operator signs in with its own secret; identity then mints for the principal,
            # checking it exists and adding its enterprise.
            reply = await identity.CreateToken(identity_pb2.CreateTokenRequest(
                principal_id=account_id, api_secret=secret, ttl_seconds=60 if args.principal_id else args.ttl),
                timeout=10)
            if args.principal_id:
                reply = await identity.CreateToken(
                    identity_pb2.CreateTokenRequest(principal_id=args.principal_id, ttl_seconds=args.ttl),
                    metadata=(("authorization", f"Bearer {reply.access_token}"),), timeout=10)
        except grpc.aio.AioRpcError as error:
            raise Failed(f"identity refused: {error.code().name}: {error.details()}") from None
    out(args, [{"principal_id": args.principal_id or account_id, "token": reply.access_token,
                "expires_at": reply.expire_time.seconds}], ("principal_id", "token", "expires_at"))


# ---------------------------------------------------------------------------------------- main


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="convene", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--json", action="store_true", help="print JSON instead of a table")
    commands = top.add_subparsers(dest="command", required=True)

    minting = commands.add_parser("token", help="mint a token")
    minting.add_argument("principal_id", nargs="?", default="")
    minting.add_argument("--operator", action="store_true", help="the operator's own token (its service account)")
    minting.add_argument("--ttl", type=int, default=3600, help="seconds (at most 86400)")
    minting.add_argument("--identity", default="", help="identity's host:port (default IDENTITY_ADDR)")
    minting.set_defaults(run=token)
    commands.add_parser("account", help="a new operator service account (offline)").set_defaults(run=account)

    commands.add_parser("lag", help="durable consumers' lag").set_defaults(run=lag)

    letters = commands.add_parser("dead-letters", help="events consumers set aside: list, redrive, discard")
    actions = letters.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="dead letters, oldest first")
    listing.add_argument("--consumer", default="", help="one durable consumer's, e.g. notifications--groups")
    listing.add_argument("--after", type=int, default=0, metavar="SEQ", help="page on: the last sequence seen")
    listing.add_argument("--limit", type=int, default=100, help=f"at most this many (1..{deadletters.MAX_LIST})")
    listing.set_defaults(run=dead_letters_list)
    redriving = actions.add_parser("redrive", help="hand dead letters back to their consumer, once each")
    redriving.add_argument("sequences", nargs="*", type=int, metavar="SEQ")
    redriving.add_argument("--all", action="store_true", help="every dead letter (of --consumer, if given)")
    redriving.add_argument("--consumer", default="", help="with --all: only this durable consumer's")
    redriving.set_defaults(run=dead_letters_redrive)
    discarding = actions.add_parser("discard", help="drop dead letters for good")
    discarding.add_argument("sequences", nargs="+", type=int, metavar="SEQ")
    discarding.set_defaults(run=dead_letters_discard)
    for name, run, what in (("backlog", backlog, "outbox and timer backlogs"),
                            ("migrate", migrate, "apply migrations"),
                            ("prune", prune, "delete what is past retention")):
        command = commands.add_parser(name, help=what)
        command.add_argument("services", nargs="*", metavar="SERVICE",
                             help=f"some of {', '.join(SERVICES)} (default: all)")
        command.set_defaults(run=run)
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    unknown = sorted(set(getattr(args, "services", None) or ()) - set(SERVICES))
    if unknown:
        top.error(f"unknown services {unknown}; choose from {', '.join(SERVICES)}")
    if args.command == "dead-letters" and args.action == "redrive" and bool(args.sequences) == args.all:
        top.error("dead-letters redrive: give sequences or --all, not both")
    if args.command == "dead-letters" and args.action == "redrive" and args.consumer and not args.all:
        top.error("dead-letters redrive: --consumer goes with --all")
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, None]] = args.run
    # Output is the command's answer; the runtime's own log lines go to stderr, warnings only.
    configure_logging("convene", env("LOG_LEVEL", "warning"), "console")
    try:
        asyncio.run(run(args))
    except SettingsError as exc:
        print(f"convene: settings error: {exc}", file=sys.stderr)
        return 2
    except Failed as exc:
        print(f"convene {args.command}: {exc}", file=sys.stderr)
        return 1
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"convene {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
