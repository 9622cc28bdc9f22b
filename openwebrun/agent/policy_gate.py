"""The policy gate: every action the agent wants to take is judged by the session's policy first.

- allow: the action runs;
- block: it does not run; the agent is told why and goes on (the task fails POLICY_BLOCKED only
  when the agent tries the same blocked action again and again);
- guardrail: the task waits for a person (the ask-a-human path, reason "policy", with the policy
  and rule ids); `resume` approves and the action runs, `stop` ends the task, and a resume whose
  text starts with no / reject / do not rejects it (the agent is told, as for a block).

Each decision is reported as a PolicyDecided event: the audit trail.
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from openwebrun.agent.actions.catalog import check_action
from openwebrun.agent.actions.page_actions import _normalize_url
from openwebrun.agent.browser_env import BrowserEnv
from openwebrun.agent.control import Control
from openwebrun.agent.env import ActionResult
from openwebrun.domain.errors import ErrorCode, TaskFailure
from openwebrun.domain.events import PolicyDecided
from openwebrun.domain.policies import Attempt, Decision, Policy, evaluate

BLOCK_REPEATS = 3  # the same action blocked by the same rule this often fails the task
ACTION_TEXT = 300
REJECTIONS = ("no", "reject", "rejected", "deny", "denied", "do not", "don't", "dont", "stop")
CLIPBOARD_KEYS = {"c", "v", "x", "a", "insert"}
SUBMITS = """el => {
  const form = el.form || el.closest("form");
  if (!form) return false;
  const type = (el.getAttribute("type") || "").toLowerCase();
  return (el.tagName === "BUTTON" && (type === "" || type === "submit"))
      || (el.tagName === "INPUT" && (type === "submit" || type === "image"));
}"""


class PolicyGate:
    def __init__(self, policy: Policy, control: Control, env: BrowserEnv):
        self.policy = policy
        self.control = control
        self.env = env
        self.blocked: Counter[str] = Counter()
        self._network_seen: set[str] = set()
        self._screenshots: bool | None = None
        env.on_policy_refusal = self._network_refusal
        env.download_gate = self._download

    def close(self) -> None:
        if self.env.on_policy_refusal == self._network_refusal:
            self.env.on_policy_refusal = None
        if self.env.download_gate == self._download:
            self.env.download_gate = None

    # --- actions ----------------------------------------------------------------------
    async def check(self, action: Any) -> ActionResult | None:
        """None when the action may run; else the result that stands for it (blocked or rejected)."""
        if check_action(action) is not None:
            return None  # the runner explains a malformed action
        attempt = await self.attempt(action)
        if attempt is None:
            return None
        decision = evaluate(self.policy, attempt)
        if decision.decision == "allow":
            self._audit(attempt, decision)
            return None
        if decision.decision == "block":
            self._audit(attempt, decision)
            key = f"{decision.rule_id}|{json.dumps(action, sort_keys=True)}"
            self.blocked[key] += 1
            if self.blocked[key] >= BLOCK_REPEATS:
                raise TaskFailure(ErrorCode.POLICY_BLOCKED,
                                  f"The agent kept trying an action that policy {self.policy.name!r} blocks "
                                  f"(rule {decision.rule_id}: {decision.reason}): {attempt.action}")
            return ActionResult(error=f"{action.get('action')} was blocked by policy {self.policy.name!r} "
                                      f"(rule {decision.rule_id}: {decision.reason}); it did not run. Do not try it "
                                      "again: find another way, or finish with done if the task needs it.")
        return await self._guardrail(attempt, decision, action)

    async def _guardrail(self, attempt: Attempt, decision: Decision, action: dict[str, Any]) -> ActionResult | None:
        question = (f"The agent wants to {attempt.action}. Policy {self.policy.name!r} asks for approval "
                    f"(rule {decision.rule_id}: {decision.reason}). Resume to approve, stop to reject.")
        details = {"policyId": self.policy.id, "ruleId": decision.rule_id or ""}
        try:
            answer = await self.control.ask_human(self.env.mask_record(question), "policy", details)
        except asyncio.CancelledError:  # stop: the task ends here
            self._audit(attempt, decision, "rejected")
            raise
        except TaskFailure:
            self._audit(attempt, decision, "timed_out")
            raise
        if _rejects(answer):
            self._audit(attempt, decision, "rejected")
            return ActionResult(error=f"{action.get('action')} needed a person's approval under policy "
                                      f"{self.policy.name!r} (rule {decision.rule_id}) and the person rejected it; it "
                                      "did not run. Do not try it again.")
        self._audit(attempt, decision, "approved")
        if attempt.host:
            self.env.approved_hosts.add(attempt.host.lower())
        return None

    async def attempt(self, action: dict[str, Any]) -> Attempt | None:
        """The action as the rules see it; None for actions no category covers (read_page, wait, done...)."""
        name = action.get("action")
        env = self.env
        line = env.element_line(action.get("index"))
        page = env.last_state.text if env.last_state is not None else ""
        shown = f"[{action.get('index')}] {line}" if line else ""
        match name:
            case "navigate" | "open_tab":
                url = _normalize_url(str(action["url"]))
                both = ("navigation",) if name == "navigate" else ("navigation", "tab_management")
                return Attempt(both, f"open {url}", url, page, url)
            case "go_back":
                return Attempt(("navigation",), "go back", "", page)
            case "switch_tab" | "close_tab":
                return Attempt(("tab_management",), f"{name.replace('_', ' ')} {action.get('tab')}", "", page)
            case "click":
                submits = await self._submits(action.get("index"))
                return Attempt(("click", "form_submit") if submits else ("click",),
                               f"click {shown}" + (" (submits a form)" if submits else ""), shown, page)
            case "select_option" | "check" | "drag":
                return Attempt(("click",), f"{name.replace('_', ' ')} {shown}".strip(), f"{shown}\n{_values(action)}", page)
            case "hover":
                return Attempt(("mouse_move",), f"move the mouse over {shown}", shown, page)
            case "type":
                text = str(action.get("text", ""))
                submit = bool(action.get("submit"))
                return Attempt(("type", "form_submit") if submit else ("type",),
                               f"type {text!r} into {shown}" + (" and submit the form" if submit else ""),
                               f"{shown}\n{text}", page)
            case "press_key":
                keys = str(action.get("keys", ""))
                kinds = ["type"]
                if "enter" in keys.lower().replace("+", " ").split():
                    kinds.append("form_submit")
                if _clipboard(keys):
                    kinds.append("clipboard")
                return Attempt(tuple(kinds), f"press {keys}", keys, page)
            case "upload_file":
                return Attempt(("file_upload",), f"upload {action.get('file')!r} into {shown}",
                               f"{shown}\n{action.get('file')}", page)
            case "scroll" | "scroll_to_text":
                return Attempt(("scroll",), f"{name.replace('_', ' ')} {_values(action)}", _values(action), page)
        return None

    async def _submits(self, index: Any) -> bool:
        """Does clicking element [index] submit a form (a submit button inside one)?"""
        if not isinstance(index, int):
            return False
        try:
            element, _ref = await self.env.element(index)
            return bool(await asyncio.wait_for(element.evaluate(SUBMITS), 2.0))
        except Exception:  # a stale element, a closed page: a plain click
            return False

    # --- screenshots and the network layer -----------------------------------------------
    def screenshots_allowed(self) -> bool:
        """Step screenshots under a Screenshot rule that blocks or holds them are not taken (the agent
        never asks for one itself, so there is nothing to approve); decided and audited once per task."""
        if self._screenshots is None:
            page = self.env.last_state.text if self.env.last_state is not None else ""
            attempt = Attempt(("screenshot",), "take a screenshot of the page for the step record", "", page)
            decision = evaluate(self.policy, attempt)
            self._screenshots = decision.decision == "allow"
            self._audit(attempt, decision)
        return self._screenshots

    def _download(self, url: str, filename: str) -> str | None:
        """Why a download that started is stopped, or None to keep it. Chromium starts a download at
        once, so it cannot wait for a person: a guardrail rule stops it like a block."""
        page = self.env.last_state.text if self.env.last_state is not None else ""
        attempt = Attempt(("file_download",), f"download {filename} from {url}", f"{url}\n{filename}", page)
        decision = evaluate(self.policy, attempt)
        self._audit(attempt, decision)
        if decision.decision == "allow":
            return None
        held = " (a download cannot wait for approval, so it is stopped)" if decision.decision == "guardrail" else ""
        return f"blocked by policy {self.policy.name!r} (rule {decision.rule_id}: {decision.reason}){held}"

    def _network_refusal(self, host: str, decision: Decision) -> None:
        """A connection the lane refused by the domain rules (a click's navigation, a redirect, a
        sub-request): audited once per host and task."""
        if host in self._network_seen:
            return
        self._network_seen.add(host)
        self._audit(Attempt(("navigation",), f"connect to {host}", host, "", None), decision, layer="network")

    def _audit(self, attempt: Attempt, decision: Decision, response: str | None = None, layer: str = "agent") -> None:
        category = decision.category or attempt.categories[0]
        self.control.emit(PolicyDecided(policy_id=self.policy.id, account_id=self.policy.account_id,
                                        category=category, action=self.env.mask_record(attempt.action)[:ACTION_TEXT],
                                        decision=decision.decision, rule_id=decision.rule_id,
                                        human_response=response, layer=layer))


def _values(action: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in action.items() if k not in ("action", "index"))


def _clipboard(keys: str) -> bool:
    for combo in keys.split():
        parts = [p.lower() for p in combo.split("+")]
        if len(parts) >= 2 and parts[-1] in CLIPBOARD_KEYS and {"control", "meta", "shift"} & set(parts[:-1]):
            return True
    return False


def _rejects(answer: str) -> bool:
    words = answer.strip().lower()
    return any(words == r or words.startswith(r + " ") or words.startswith(r + ",") or words.startswith(r + ".")
               for r in REJECTIONS)
