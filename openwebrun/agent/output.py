"""Task results in the three WebRun output types: text (markdown), structured_json, structured_csv.

`check_output` shapes and validates what the model gave to `done`; its errors go back to the
model. `validate_output_schema` checks a caller's outputSchema when the task is requested.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from openwebrun.agent.llm.json_repair import parse_lenient
from openwebrun.agent.llm.validation import bounded_validator, schema_errors
from openwebrun.agent.output_schema import SchemaProblem, check_json_schema
from openwebrun.domain.models import OutputType
from openwebrun.domain.text import is_blank

MAX_ERRORS = 8
SCHEMA_CHECK_TIMEOUT_S = 5.0
PATTERN_BUDGET_S = 1.0  # regex matching while checking one result (it runs on the event loop)
_schema_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="schema-check")


@dataclass
class OutputCheck:
    ok: bool
    message: str = ""  # what goes in data.message
    data: Any = None  # parsed JSON, list of row dicts, or None for text
    errors: list[str] = field(default_factory=list)  # for the model to fix


def check_output(output_type: OutputType, schema: Any, value: Any) -> OutputCheck:
    if output_type is OutputType.STRUCTURED_JSON:
        return _check_json(schema, value)
    if output_type is OutputType.STRUCTURED_CSV:
        return _check_csv(list(schema or []), value)
    return OutputCheck(ok=True, message=as_markdown(value))


def validate_output_schema(output_type: OutputType, schema: Any) -> str | None:
    """Why `schema` cannot be used for `output_type`, or None when it is fine."""
    if output_type is OutputType.STRUCTURED_JSON:
        try:
            check_json_schema(schema)
        except SchemaProblem as problem:
            return str(problem)
        return None
    if output_type is OutputType.STRUCTURED_CSV:
        if not isinstance(schema, list) or not schema:
            return "structured_csv needs outputSchema to be a non-empty array of column names"
        if not all(isinstance(c, str) and not is_blank(c) for c in schema):
            return "structured_csv column names must be non-empty strings"
        duplicates = sorted({c for c in schema if schema.count(c) > 1})
        if duplicates:
            return f"structured_csv column names must be unique; repeated: {', '.join(duplicates)}"
    return None


async def check_output_schema(output_type: OutputType, schema: Any,
                              timeout_s: float = SCHEMA_CHECK_TIMEOUT_S) -> str | None:
    """validate_output_schema off the event loop, in a small worker pool and within `timeout_s`."""
    if output_type is not OutputType.STRUCTURED_JSON:
        return validate_output_schema(output_type, schema)  # a column list: cheap
    work = asyncio.get_running_loop().run_in_executor(_schema_checks, validate_output_schema, output_type, schema)
    try:
        return await asyncio.wait_for(work, timeout_s)
    except TimeoutError:
        return f"checking it took longer than {timeout_s:g} s; send a smaller schema"


# --- text --------------------------------------------------------------------
def as_markdown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return "```json\n" + json.dumps(value, ensure_ascii=False, indent=2) + "\n```"


# --- structured_json -----------------------------------------------------------
def _check_json(schema: Any, value: Any) -> OutputCheck:
    validator = bounded_validator(schema, PATTERN_BUDGET_S) if isinstance(schema, dict) else None
    candidates = [value]
    if isinstance(value, str):
        try:
            candidates = [parse_lenient(value), value]  # the string may also be the answer itself
        except ValueError:
            if validator is None:
                return OutputCheck(ok=False, errors=["the result must be JSON; this text is not JSON"])
    first_errors: list[str] | None = None
    for candidate in candidates:
        errors = schema_errors(validator, candidate, limit=MAX_ERRORS) if validator else []
        if not errors:
            return OutputCheck(ok=True, message=json.dumps(candidate, ensure_ascii=False, separators=(",", ":")),
                               data=candidate)
        if first_errors is None:
            first_errors = errors
    return OutputCheck(ok=False, errors=first_errors or ["the result does not match the output schema"])


# --- structured_csv ------------------------------------------------------------
def _check_csv(columns: list[str], value: Any) -> OutputCheck:
    rows, errors = _rows(columns, value)
    if errors:
        return OutputCheck(ok=False, errors=errors[:MAX_ERRORS])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in rows)
    return OutputCheck(ok=True, message=buffer.getvalue(), data=rows)


def _rows(columns: list[str], value: Any) -> tuple[list[dict[str, str]], list[str]]:
    """Rows as {column: cell text}, from row objects, lists of cells, or CSV text."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith(("[", "{")):
            try:
                value = parse_lenient(stripped)
            except ValueError:
                pass
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, str):
        return _rows_from_text(columns, value)
    if not isinstance(value, list):
        return [], [f"the result must be a JSON array of row objects with exactly the keys {', '.join(columns)} "
                    "(the server writes the CSV)"]
    if value and isinstance(value[0], list) and _is_header(columns, value[0]):
        value = value[1:]
    rows: list[dict[str, str]] = []
    errors: list[str] = []
    for number, item in enumerate(value, start=1):
        if isinstance(item, dict):
            problem = _column_problem(columns, list(item))
            if problem:
                errors.append(f"row {number}: {problem}")
                continue
            rows.append({c: cell_text(item[c]) for c in columns})
        elif isinstance(item, (list, tuple)):
            if len(item) != len(columns):
                errors.append(f"row {number}: has {len(item)} values, expected {len(columns)} ({', '.join(columns)})")
                continue
            rows.append({c: cell_text(v) for c, v in zip(columns, item)})
        else:
            errors.append(f"row {number}: must be an object with the columns {', '.join(columns)}, got {item!r:.60}")
    return rows, errors


def _rows_from_text(columns: list[str], text: str) -> tuple[list[dict[str, str]], list[str]]:
    records = [r for r in csv.reader(io.StringIO(text.strip())) if r]
    if not records or not _is_header(columns, records[0]):
        first = ",".join(records[0]) if records else ""
        return [], [f"CSV text must start with the header line {','.join(columns)}; it starts with {first[:80]!r}"]
    rows: list[dict[str, str]] = []
    errors: list[str] = []
    for number, record in enumerate(records[1:], start=1):
        if len(record) != len(columns):
            errors.append(f"row {number}: has {len(record)} values, expected {len(columns)} ({', '.join(columns)})")
        else:
            rows.append(dict(zip(columns, record)))
    return rows, errors


def _is_header(columns: list[str], record: list[Any]) -> bool:
    return [str(c).strip().lower() for c in record] == [c.strip().lower() for c in columns]


def _column_problem(columns: list[str], keys: list[str]) -> str | None:
    missing = [c for c in columns if c not in keys]
    extra = [k for k in keys if k not in columns]
    parts = []
    if missing:
        parts.append("missing column(s) " + ", ".join(missing))
    if extra:
        parts.append("unexpected column(s) " + ", ".join(map(str, extra)))
    return "; ".join(parts) or None


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
