"""An automation policy holds the agent to rules: here it may not open admin pages. A session started with
the policy's id is held to it, and every decision lands in the policy's audit trail."""
import os

from openwebrun import Client
from openwebrun.sdk import ActionRule

PROMPT = os.environ.get("EXAMPLE_PROMPT", "Open the admin page of this site.")
START_URL = os.environ.get("EXAMPLE_URL", "https://example.com")

with Client() as client:
    print("templates:", ", ".join(sorted(client.policies.templates())))
    policy = client.policies.create(
        "no admin", llm_role="Never open administration pages.",
        action_rules=[ActionRule(id="no-admin", category="navigation", permission="block", url_pattern="*/admin*")])
    print("policy:", policy.name, [rule.id for rule in policy.action_rules])

    task = client.run_task(PROMPT, starting_url=START_URL, policy_id=policy.id)
    print("result:", task.message)
    for step in client.tasks.steps(task.session_id, task.task_id or ""):
        if step.error:
            print(f"step {step.number}:", step.error)
    for entry in client.policies.audit(policy.id, session_id=task.session_id):
        if entry.decision != "allow":
            print("audit:", entry.category, entry.decision, "by rule", entry.rule_id)

    policy = client.policies.update(policy.id, status="draft")  # a draft cannot be attached to sessions
    print("now:", policy.status)
    client.policies.delete(policy.id)
    print("deleted")
