"""The one masker for what the model reads and what a task stores or returns."""
from __future__ import annotations

from openwebrun.agent.masking import SecretMasker, mask_finished, mask_step, mask_value
from openwebrun.domain.models import (
    DownloadedFile,
    StepRecord,
    Task,
    TaskResult,
    TaskSpec,
    VisitedUrl,
)

mask = SecretMasker(["Hx7 kq&Lm4", "hunter2", "ab"])


def test_secrets_as_written_and_percent_encoded_in_any_mix():
    assert mask("pw hunter2!") == "pw •••!"
    for url in ("?t=Hx7%20kq%26Lm4", "?t=Hx7%20kq&Lm4", "?t=Hx7+kq%26Lm4", "?t=%48x7%20kq&Lm4"):
        assert mask(url) == "?t=•••", url
    assert mask("ab is too short to mask") == "ab is too short to mask"
    assert SecretMasker()("nothing") == "nothing"


def test_values_are_masked_deeply_and_copied():
    actions = [{"action": "type", "text": "hunter2", "hunter2": ["x hunter2"]}]
    assert mask_value(actions, mask) == [{"action": "type", "text": "•••", "•••": ["x •••"]}]
    assert actions[0]["text"] == "hunter2"  # the original is left alone
    assert mask_value(3, mask) == 3 and mask_value(None, mask) is None


def test_a_step_is_masked_field_by_field():
    step = StepRecord(task_id="t", number=1, url="http://x/?p=hunter2", title="Hi hunter2", thinking="hunter2",
                      next_goal="use hunter2", actions=[{"action": "navigate", "url": "http://x/hunter2"}],
                      results=["opened http://x/hunter2"], error="cannot hunter2", screenshot=b"img")
    masked = mask_step(step, mask)
    assert (masked.url, masked.title, masked.thinking, masked.next_goal) == ("http://x/?p=•••", "Hi •••", "•••", "use •••")
    assert masked.actions == [{"action": "navigate", "url": "http://x/•••"}]
    assert masked.results == ["opened http://x/•••"] and masked.error == "cannot •••"
    assert masked.screenshot == b"img" and step.title == "Hi hunter2"


def test_a_finished_task_is_masked():
    task = Task(id="t", session_id="s", account_id="a", spec=TaskSpec(task_details="x"), error="hunter2 failed",
                result=TaskResult(message="got hunter2", data={"pw": "hunter2"},
                                  files=[DownloadedFile(source="http://x/?k=hunter2", filename="hunter2.csv",
                                                        path="/tmp/hunter2.csv", timestamp=1.0)],
                                  urls=[VisitedUrl(url="http://x/?k=hunter2", timestamp=2.0)]))
    mask_finished(task, mask)
    assert task.error == "••• failed"
    result = task.result
    assert result.message == "got •••" and result.data == {"pw": "•••"}
    assert (result.files[0].filename, result.files[0].source) == ("•••.csv", "http://x/?k=•••")
    assert result.files[0].path == "/tmp/hunter2.csv"  # where it lies on disk, never returned
    assert result.urls[0].url == "http://x/?k=•••" and result.urls[0].timestamp == 2.0
