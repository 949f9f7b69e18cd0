"""Input channels find the Rasa agent where Rasa's server keeps it."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

from rasa.core import run
from rasa.core.agent import Agent

from bot.rasa_compat.app import agent_of


def test_rasas_server_keeps_the_agent_on_the_app() -> None:
    from rasa.server import create_app

    agent = Agent()
    app = create_app(agent=agent)
    assert agent_of(app) is agent
    # a model loaded at start (rasa run --model) goes to the same place
    assert "app.ctx.agent = " in inspect.getsource(run.load_agent_on_start)


def test_no_app_or_no_agent_yet_is_none() -> None:
    assert agent_of(None) is None
    assert agent_of(SimpleNamespace(ctx=SimpleNamespace())) is None
