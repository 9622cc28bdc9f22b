"""socketURL: Socket.IO clients watch a session's events and steer it, against the real server."""
from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import act, done, script, send_task, terminate
from tests.support.socket_client import SessionSocket, SocketRefused, StalledSocket

USAGE_KEYS = {"prompt_tokens", "completion_tokens", "total_tokens", "completion_time", "cost",
              "inputTokens", "outputTokens", "computeTime", "proxyBytes"}


def open_session(api, **body) -> dict:
    response = api.post("/start/start-session", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def start_session(api, **body) -> str:
    return open_session(api, **body)["sessionId"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_task_streams_agent_action_and_completion_in_order(api, llm, site, server, transport):
    tag = script(llm, [act({"action": "click", "index": {"$find": "Download the report"}}, goal="get the report"),
                       done("downloaded")])
    start = open_session(api)
    session_id = start["sessionId"]
    assert start["socketURL"] == server.base_url  # clients connect there, at the default /socket.io/ path
    with SessionSocket(start["socketURL"], session_id, transports=[transport]) as sock:
        assert sock.transport == transport
        body = send_task(api, session_id, f"Fetch the report {tag}", startingPoint=f"{site}/download.html").json()
        assert body["status"] == "completed", body
        finished = sock.wait_for("task_completed")
        terminate(api, session_id)
        sock.wait_disconnected()

    kinds = [t for t in sock.types() if t in ("agent", "action", "task_completed")]
    assert kinds == ["agent", "action", "agent", "action", "task_completed"], sock.types()
    assert sock.types()[0] == "response_update"
    started = sock.messages("response_update")[0]
    assert started["data"]["message"] == "Starting task... Browsing the web now."
    assert started["taskId"] == body["taskId"]

    first_thought, second_thought = sock.messages("agent")
    assert first_thought["content"] == "working"
    assert first_thought["data"] == {"thinking": "working", "nextGoal": "get the report", "step": 1}
    assert second_thought["data"]["step"] == 2 and second_thought["data"]["nextGoal"] == "report"
    click, finish = sock.messages("action")
    assert click["data"]["name"] == "click" and click["data"]["step"] == 1
    assert "Download the report" in click["data"]["target"]
    assert isinstance(click["data"]["params"]["index"], int)
    assert finish["data"]["name"] == "done" and finish["data"]["params"]["result"] == "downloaded"
    for payload in sock.messages():
        if payload["type"] != "end_session":
            assert payload["sessionId"] == session_id and payload["taskId"] == body["taskId"], payload

    # the completion is the poll's completed body: the downloaded file has its id and URL
    assert finished["sessionId"] == session_id and finished["taskId"] == body["taskId"]
    assert finished["data"]["message"] == "downloaded"
    [file] = finished["data"]["files"]
    assert file["filename"] == "report.csv" and file["fileId"]
    assert file["downloadUrl"].startswith(f"{server.base_url}/files/{file['fileId']}?expires=")
    assert set(finished["usage"]) == USAGE_KEYS and finished["usage"]["total_tokens"] > 0
    poll = api.get(f"/task/{session_id}/{body['taskId']}").json()
    assert finished["data"] == poll["data"] and finished["usage"] == poll["usage"]
    assert api.get(file["downloadUrl"]).content.startswith(b"quarter")


def test_new_task_over_the_socket_answers_through_the_ack(api, llm, site, server):
    session_id = start_session(api)
    tag = script(llm, [done("sent over the socket")])
    with SessionSocket(server.base_url, session_id) as sock:
        answer = sock.send({"actionType": "newTask", "taskDetails": f"Say hi {tag}",
                            "startingPoint": f"{site}/list.html"}, ack=True)
        assert answer["success"] is True and answer["type"] == "task_completed", answer
        assert answer["sessionId"] == session_id and answer["data"]["message"] == "sent over the socket"
        completed = sock.wait_for("task_completed")
        assert completed["taskId"] == answer["taskId"]
        poll = api.get(f"/task/{session_id}/{answer['taskId']}").json()
        assert poll["status"] == "completed"

        # the REST body's {sessionId, message} wrapper is accepted too; without an ack nothing answers
        quiet = script(llm, [done("no ack asked")])
        mark = sock.mark()
        sock.send({"sessionId": session_id, "message": {"actionType": "newTask", "taskDetails": f"Again {quiet}"}})
        assert sock.wait_for("task_completed", start=mark)["data"]["message"] == "no ack asked"

        # refusals come back as the REST error body
        bad = sock.send({"actionType": "newTask"}, ack=True)
        assert bad["success"] is False and bad["code"] == "VALIDATION_ERROR" and "taskDetails" in bad["error"]
        idle = sock.send({"actionType": "state", "newState": "pause"}, ack=True)
        nothing = "No task is running in this session: nothing to pause."
        assert idle == {"success": False, "error": nothing, "message": nothing, "code": "NO_RUNNING_TASK"}
        nonsense = sock.send("pause", ack=True)  # type: ignore[arg-type]
        assert nonsense["code"] == "VALIDATION_ERROR"
        gone = sock.send({"actionType": "state", "newState": "terminate"}, ack=True)
        assert gone == {"success": True, "message": "Message sent successfully"}
        ended = sock.wait_for("end_session", event="end_session")
        assert ended["reason"] == "terminated"
        sock.wait_disconnected()


def test_wrong_unknown_or_ended_sessions_are_refused_at_connect(api, server):
    for auth in ({"sessionId": "not-a-session"}, {}, {"sessionId": ""}):
        with pytest.raises(SocketRefused) as refused:
            SessionSocket(server.base_url, None, auth=auth).connect()
        assert refused.value.message == "Session not found"
        assert refused.value.data == {"code": "SESSION_NOT_FOUND"}

    session_id = start_session(api)
    terminate(api, session_id)
    with pytest.raises(SocketRefused, match="Session not found"):
        SessionSocket(server.base_url, session_id).connect()


def test_an_api_key_on_the_socket_must_own_the_session(api, server):
    session_id = start_session(api)
    other_key = server.create_key()
    with pytest.raises(SocketRefused, match="Session not found"):
        SessionSocket(server.base_url, session_id, auth={"apiKey": other_key}).connect()
    with pytest.raises(SocketRefused, match="Invalid API key"):
        SessionSocket(server.base_url, session_id, auth={"token": "owr_wrong"}).connect()
    with SessionSocket(server.base_url, session_id, auth={"apiKey": api.headers["authorization"].split()[1]}) as sock:
        assert sock.client.connected
    terminate(api, session_id)


def test_several_sockets_watch_one_session(api, llm, site, server):
    session_id = start_session(api)
    tag = script(llm, [act({"action": "click", "index": {"$find": "Next page"}}), done("two watchers")])
    with (SessionSocket(server.base_url, session_id) as first,
          SessionSocket(server.base_url, session_id, transports=["polling"]) as second):
        body = send_task(api, session_id, f"Next {tag}", startingPoint=f"{site}/list.html").json()
        for sock in (first, second):
            assert sock.wait_for("task_completed")["taskId"] == body["taskId"]
        assert first.types() == second.types()
        assert [t for t in first.types() if t != "response_update"] == ["agent", "action", "agent", "action",
                                                                      "task_completed"]
        assert first.messages("action")[0]["data"] == second.messages("action")[0]["data"]
        terminate(api, session_id)
        for sock in (first, second):
            assert sock.wait_for("end_session", event="end_session")["reason"] == "terminated"


def test_a_socket_that_never_reads_does_not_hold_up_the_task_or_other_sockets(make_server, llm, site):
    server = make_server(OPENWEBRUN_SOCKET_QUEUE="8", OPENWEBRUN_WAIT_WINDOW_S="120")
    steps = 16
    thinking = "x" * 300_000  # about 10 MB of events in all: far more than the stalled socket's buffers take
    decisions = [{"usage": [100, 20], "thinking": f"step {n} " + thinking, "next_goal": f"goal {n}",
                  "actions": [{"action": "wait", "seconds": n / 1000}]} for n in range(1, steps)]
    decisions.append({"usage": [100, 20], **done("patient")})
    with server.client() as api, contextlib.ExitStack() as stack:
        session_id = start_session(api)
        stalled = StalledSocket(server.base_url, session_id)
        stack.callback(stalled.close)
        readers = [stack.enter_context(SessionSocket(server.base_url, session_id, transports=[transport]))
                   for transport in ("websocket", "websocket", "polling")]
        began = time.monotonic()
        body = send_task(api, session_id, f"Wait a lot {script(llm, decisions)}",
                         startingPoint=f"{site}/list.html").json()
        took = time.monotonic() - began
        assert body["status"] == "completed" and body["data"]["message"] == "patient", body
        for reader in readers:
            reader.wait_for("task_completed")
            # every reading socket got every event, in order, and was never told of a loss
            assert [p["data"]["step"] for p in reader.messages("agent")] == list(range(1, steps + 1))
            assert [p["data"]["step"] for p in reader.messages("action")] == list(range(1, steps + 1))
            thoughts = reader.messages("agent")[:-1]
            assert all(p["content"] == f"step {n} " + thinking for n, p in enumerate(thoughts, 1))
            assert not [p for p in reader.messages("response_update") if "lost" in p["data"]]
        # the stalled socket, read at last: its own oldest events were dropped, it was told so first,
        # and the newest (the completion) still arrives
        received = stalled.drain(lambda name, p: p.get("type") == "task_completed")
        lost = [p["data"] for name, p in received if p.get("type") == "response_update" and "lost" in p["data"]]
        assert lost and lost[0]["lost"] > 0, [p.get("type") for _, p in received]
        assert lost[0]["message"] == f"{lost[0]['lost']} events were dropped: this socket reads too slowly"
        assert received[-1][1]["taskId"] == body["taskId"]
        assert len(received) < 2 * steps + 2  # it never got them all
        print(f"\n{steps}-step task with 3 readers and a stalled socket took {took:.1f} s; "
              f"the stalled socket lost {sum(d['lost'] for d in lost)} events")
        terminate(api, session_id)


def test_a_polling_client_that_leaves_is_let_go_at_once(api, server):
    """Its pending long-poll is answered when it closes (Engine.IO alone would hold it for 45 s, and
    the client's disconnect and the server's shutdown with it)."""
    session_id = start_session(api)
    for _ in range(2):
        sock = SessionSocket(server.base_url, session_id, transports=["polling"], timeout=5).connect()
        began = time.monotonic()
        sock.close()  # raises TimeoutError after 10 s
        assert time.monotonic() - began < 5
    terminate(api, session_id)


def test_any_origin_may_open_the_socket(server):
    """The session id is the credential (no cookies), so browsers of any origin may connect."""
    with server.client(key=None) as anonymous:
        opened = anonymous.get("/socket.io/", params={"EIO": "4", "transport": "polling"},
                               headers={"Origin": "https://dashboard.example"})
    assert opened.status_code == 200 and opened.text.startswith("0{")
    assert opened.headers["access-control-allow-origin"] == "https://dashboard.example"


def test_terminate_and_terminate_on_completion_end_the_session_on_the_socket(api, llm, site, server):
    session_id = start_session(api)
    with SessionSocket(server.base_url, session_id) as sock:
        assert terminate(api, session_id).status_code == 200
        ended = sock.wait_for("end_session", event="end_session")
        assert ended == {"type": "end_session", "sessionId": session_id, "reason": "terminated",
                         "detail": "terminated", "message": "Session ended"}
        assert sock.wait_for("end_session", event="message") == ended
        sock.wait_disconnected()
    with pytest.raises(SocketRefused):
        SessionSocket(server.base_url, session_id).connect()

    session_id = start_session(api)
    tag = script(llm, [done("and gone")])
    with SessionSocket(server.base_url, session_id) as sock:
        send_task(api, session_id, f"Finish {tag}", startingPoint=f"{site}/list.html", terminateOnCompletion=True)
        ended = sock.wait_for("end_session", event="end_session")
        assert ended["reason"] == "terminateOnCompletion" and ended["detail"] == "task_completed"
        assert sock.wait_for("end_session") == ended
        assert sock.types()[-2:] == ["task_completed", "end_session"], sock.types()
        sock.wait_disconnected()


def test_an_idle_session_expires_with_end_session_expired(api, server):
    session_id = start_session(api, expiresIn=1500)
    with SessionSocket(server.base_url, session_id) as sock:
        ended = sock.wait_for("end_session", timeout=20, event="end_session")
        assert ended["reason"] == "expired" and ended["sessionId"] == session_id
        sock.wait_disconnected()


def test_pause_resume_and_a_question_to_a_person_over_the_socket(api, llm, site, server):
    session_id = start_session(api)
    tag = script(llm, [{"gate": "socket-pause", **act({"action": "wait", "seconds": 0})},
                       act({"action": "ask_human", "question": "Which colour?", "reason": "choice"}),
                       done("went on")])
    gate = llm.gate("socket-pause")
    with SessionSocket(server.base_url, session_id) as sock, ThreadPoolExecutor(1) as pool:
        started = pool.submit(send_task, api, session_id, f"Choose {tag}", startingPoint=f"{site}/list.html")
        gate.wait_arrived()
        paused = sock.send({"actionType": "state", "newState": "pause"}, ack=True)
        assert paused == {"success": True, "message": "Message sent successfully"}
        assert sock.wait_for(lambda p: p.get("data", {}).get("state") == "paused")["data"]["message"] == "Task paused."
        gate.release()
        sock.send({"actionType": "state", "newState": "resume"}, ack=True)
        assert sock.wait_for(lambda p: p.get("data", {}).get("state") == "resumed")["type"] == "response_update"

        question = sock.wait_for("guardrail_trigger")
        assert question["data"] == {"type": "human_input_needed", "value": "Which colour?", "reason": "choice"}
        assert question["sessionId"] == session_id and question["taskId"]
        body = started.result(60).json()
        assert body["type"] == "guardrail_trigger"  # the waiting REST call returns at the question too
        answered = sock.send({"actionType": "guardrail", "prompt": "blue", "newState": "resume"}, ack=True)
        assert answered["success"] is True, answered
        assert sock.wait_for(lambda p: p.get("data", {}).get("state") == "answered")["taskId"] == question["taskId"]
        assert sock.wait_for("task_completed")["data"]["message"] == "went on"
    terminate(api, session_id)
