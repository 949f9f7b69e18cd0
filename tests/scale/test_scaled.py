"""Scale-out: one conversation on two replicas, the lock store, the database, Socket.IO through nginx."""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import requests
import sqlalchemy as sa

from bot.scale.script import newborn
from tests.scaled_stack import Scaled


def test_turns_alternating_between_replicas_keep_state_and_order(scaled: Scaled):
    conversation = newborn(scaled.registry(), "alternate")
    replicas = [r.url for r in scaled.stack.replicas()]
    assert len(replicas) == 2
    for i, turn in enumerate(conversation.turns):
        response = scaled.say(conversation.sender, turn.text, url=replicas[i % 2])
        assert response.status_code == 200
        assert turn.check(response.json()) is None, turn.check(response.json())
    assert scaled.user_texts(conversation.sender) == [t.text for t in conversation.turns]
    # The conversation is in PostgreSQL, in Rasa's own tracker table, where every replica reads it.
    engine = sa.create_engine(scaled.stack.settings.rasa.tracker_db_url)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": conversation.sender},
        ).scalar()
    engine.dispose()
    assert stored == len(conversation.turns)


def test_two_messages_at_once_on_two_replicas_are_taken_one_after_the_other(scaled: Scaled):
    """Without the Redis lock store both replicas would read the same tracker and one turn's events
    would be lost or interleaved; with it, each message is a whole turn, one after the other."""
    sender = f"together-{uuid.uuid4().hex[:10]}"
    replicas = [r.url for r in scaled.stack.replicas()]
    assert scaled.say(sender, "/greet", url=replicas[0]).status_code == 200
    texts = ["/ask_duration", "/ask_departments"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda i: scaled.say(sender, texts[i], url=replicas[i]), range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    assert all(a.json() for a in answers), [a.json() for a in answers]
    events = scaled.tracker(sender)["events"]
    turns: list[list[str]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([event["text"]])
        elif turns and event["event"] in ("bot", "action"):
            turns[-1].append(event["event"])
    assert sorted(t[0] for t in turns[1:]) == sorted(texts)
    for turn in turns:  # every turn answered and closed with action_listen before the next one began
        assert "bot" in turn[1:] and turn[-1] == "action", turn


def test_the_web_widgets_socket_works_through_nginx_and_hears_staff_from_either_replica(scaled: Scaled):
    import socketio

    received: list[dict] = []
    confirmed: list[str] = []
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", received.append)
    client.on("session_confirm", confirmed.append)
    # Default transports, as the widget connects: long-polling first, then the WebSocket upgrade.
    client.connect(scaled.url)
    try:
        session = uuid.uuid4().hex
        client.emit("session_request", {"session_id": session})
        _wait(lambda: confirmed)
        client.emit("user_uttered", {"message": "我老婆刚生了孩子，要办些什么手续", "session_id": session})
        _wait(lambda: any("新生儿出生一件事" in (m.get("text") or "") for m in received))
        assert client.transport() == "websocket"
        for i, replica in enumerate(scaled.stack.replicas()):
            words = f"坐席消息 {i}"
            params = {"token": scaled.token}
            base = f"{replica.url}/conversations/{session}"
            slot = [{"event": "slot", "name": "staff_message", "value": words}]
            requests.post(f"{base}/tracker/events", params=params, json=slot, timeout=30).raise_for_status()
            requests.post(
                f"{base}/execute",
                params={**params, "output_channel": "latest"},
                json={"name": "action_staff_message"},
                timeout=30,
            ).raise_for_status()
            _wait(lambda w=words: any(w in (m.get("text") or "") for m in received))
    finally:
        client.disconnect()


def _wait(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_wechats_retries_of_one_message_through_nginx_are_answered_once(scaled: Scaled):
    """WeChat posts a message again when it has no answer within 5 s; the retries carry the same
    openid in the query, so nginx sends them to the replica that holds the first delivery."""
    from tests.fuzz.test_weixin_endpoints import _fields, _signed

    openid = f"oScaleRetry{uuid.uuid4().hex[:16]}"
    body = _fields("宝宝出生了要办哪些证", "text", openid)
    url = f"{scaled.url}/webhooks/wechat/webhook"

    def deliver(nonce: str) -> int:
        return requests.post(
            url, params={**_signed(nonce), "openid": openid}, data=body, timeout=30
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert list(pool.map(deliver, ["r1", "r2", "r3"])) == [200, 200, 200]
    _wait(lambda: len(scaled.user_texts(openid)) >= 1, timeout=30)
    # A later message of the same person: its turn queues behind any second processing of the
    # first one (the lock store takes a conversation's turns in order), so once it is saved,
    # a second processing would be saved before it.
    later = _fields("我还想问问要多久", "text", openid)
    assert requests.post(url, params={**_signed("r4"), "openid": openid}, data=later, timeout=30).ok
    _wait(lambda: len(scaled.user_texts(openid)) >= 2, timeout=30)
    assert scaled.user_texts(openid) == ["宝宝出生了要办哪些证", "我还想问问要多久"]


def test_a_retrained_model_is_loaded_into_every_replica_not_the_one_nginx_picks(scaled: Scaled, tmp_path):
    """The web server's retraining (bot/retrain/) hands the new model to each Rasa replica at its
    own address; through nginx it reached one, and the other answered with the old model."""
    import shutil

    from bot.retrain.rasa_model import RasaModels

    models = RasaModels.of(scaled.stack.settings)
    assert models.base_urls == [f"http://127.0.0.1:{p}" for p in scaled.stack.rasa_ports]
    served = scaled.stack.model
    assert models.loaded() == served.name
    retrained = tmp_path / ("retrained-" + served.name)  # the same model under a new file name
    shutil.copyfile(served, retrained)
    try:
        models.load(retrained)
        assert [models._loaded(url) for url in models.base_urls] == [retrained.name] * len(models.base_urls)
        assert models.loaded() == retrained.name
        # Turns still work on both replicas after the swap.
        for url in models.base_urls:
            assert scaled.say(f"swap-{uuid.uuid4().hex[:8]}", "宝宝出生了要办哪些证", url=url).json()
    finally:
        models.load(served)
    assert models.loaded() == served.name
