"""Sessions: start, steer (through the runtime's door), terminate, run a single task."""
from __future__ import annotations

from openwebrun.browser.pool import BrowserUnavailable
from openwebrun.browser.upstream import ProxyFailure
from openwebrun.domain import commands as cmd
from openwebrun.domain.errors import Refused
from openwebrun.domain.ids import new_id
from openwebrun.domain.models import Account, Session, Task, TaskSpec
from openwebrun.domain.policies import Policy
from openwebrun.domain.proxies import ProxyChoice
from openwebrun.runtime.door import Runtime
from openwebrun.runtime.errors import CapacityExceeded
from openwebrun.runtime.sessions import session_not_found
from openwebrun.services.billing import check_funds, check_session_limit
from openwebrun.services.environments import EnvironmentService
from openwebrun.services.recorder import StoreRecorder
from openwebrun.services.tasks import TaskService
from openwebrun.store.repositories import Store


class SessionService:
    def __init__(self, store: Store, runtime: Runtime, tasks: TaskService, recorder: StoreRecorder,
                 environments: EnvironmentService, *, default_expires_ms: int):
        self.store = store
        self.runtime = runtime
        self.tasks = tasks
        self.recorder = recorder
        self.environments = environments
        self.default_expires_ms = default_expires_ms

    async def start(self, account: Account, initial: TaskSpec | None = None, expires_in_ms: int | None = None,
                    environment_id: str | None = None, *, proxy: ProxyChoice | None = None,
                    policy: Policy | None = None) -> tuple[Session, Task | None]:
        """A live session (from the environment's state, saved back when it ends) and its first task."""
        await check_session_limit(account, self.runtime)
        if initial is not None:
            check_funds(account)
            await self.tasks.check_spec(account, initial)
        session = Session(id=new_id(), account_id=account.id, expires_in_ms=expires_in_ms or self.default_expires_ms)
        profile = await self.environments.bind(account, environment_id, session.id, self.runtime.ending) \
            if environment_id else None
        try:
            await self.runtime.open_session(session.id, account.id, session.expires_in_ms, profile=profile,
                                            proxy=proxy, policy=policy)
        except BaseException as exc:
            if environment_id:
                await self.environments.release(environment_id, session.id)
            if isinstance(exc, ProxyFailure):
                raise Refused("PROXY_ERROR", f"The session's proxy cannot be used: {exc}.") from None
            if isinstance(exc, CapacityExceeded):
                raise Refused("NO_AVAILABLE_INSTANCES", "No available instances") from None
            if isinstance(exc, BrowserUnavailable):
                raise Refused("BROWSER_UNAVAILABLE", f"No available instances: {exc}") from None
            raise
        try:
            await self.store.sessions.add(session)
        except BaseException:
            await self.runtime.close_session(session.id, "start_failed")
            raise
        task = await self.tasks.start(account, session.id, initial) if initial is not None else None
        return session, task

    async def check_owner(self, account: Account | None, session_id: str) -> str:
        """The live session's account, if `account` may steer it (None: whoever holds the session id
        may); SESSION_NOT_FOUND for unknown, ended or someone else's (as the reference says)."""
        owner = await self.runtime.owner(session_id) if session_id else None
        if owner is None or (account is not None and owner != account.id):
            raise session_not_found()
        return owner

    async def new_task(self, account: Account, session_id: str, spec: TaskSpec) -> Task:
        await self.check_owner(account, session_id)
        check_funds(account)
        await self.tasks.check_spec(account, spec)
        return await self.tasks.start(account, session_id, spec)

    async def command(self, account: Account | None, session_id: str, command: cmd.Command) -> cmd.CommandOutcome:
        """A steering command (pause, takeover, input, answer, terminate...) for the caller's session."""
        await self.check_owner(account, session_id)
        outcome = await self.runtime.command(session_id, command)
        if isinstance(command, cmd.Terminate | cmd.Stop):
            await self.recorder.caught_up()  # the ending is stored before the caller hears back
        return outcome

    async def terminate(self, account: Account, session_id: str) -> None:
        await self.command(account, session_id, cmd.Terminate())

    async def run_task(self, account: Account, spec: TaskSpec, environment_id: str | None = None, *,
                       proxy: ProxyChoice | None = None, policy: Policy | None = None) -> tuple[Session, Task]:
        spec.terminate_on_completion = True
        session, task = await self.start(account, spec, environment_id=environment_id, proxy=proxy, policy=policy)
        assert task is not None
        return session, task
