"""Scripted MiniWoB++ policies: `policy(state_text, memory) -> list of agent actions`.

A policy reads only the serialized page state (what the model reads) and answers with actions of
the agent's action set. `memory` is a per-episode dict: the policy's own notes and, under
"feedback", the messages and errors of its last actions (what the model has in its history).
"""
from __future__ import annotations

from bench.miniwob_policies import apps, choices, clicks, drags, email, feeds, forms, shapes, sight, variants

POLICIES = {**clicks.POLICIES, **drags.POLICIES, **forms.POLICIES, **choices.POLICIES, **email.POLICIES, **apps.POLICIES,
            **variants.POLICIES, **feeds.POLICIES, **sight.POLICIES,
            **shapes.POLICIES}
