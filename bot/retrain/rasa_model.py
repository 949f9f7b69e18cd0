"""Which model the running Rasa server holds, and handing it a new one (Rasa's own HTTP API).

``GET /status`` names the loaded model file; ``PUT /model`` with ``{"model_file": path}``
makes the server load that archive from disk and swap it in for new messages, without a
restart (rasa/server.py ``load_model``). Both sit behind the API token the stack starts
Rasa with (bot/ops/stack.py: ``--enable-api --auth-token``). Kept apart from the console's
client (bot/web/rasa_api.py) because loading a model answers 204 with no body and takes
much longer than a console call: a 33 MB archive with TensorFlow weights loads in seconds.
"""

from __future__ import annotations

from pathlib import Path

import requests

# Loading unpacks the archive and builds the graph; on two busy cores that has taken ~20 s.
LOAD_TIMEOUT = 300.0


class ModelLoadFailed(RuntimeError):
    """The Rasa server did not take the new model; it keeps serving the one it had."""


class RasaModels:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._params = {"token": token}

    def loaded(self) -> str | None:
        """The file name of the model the server serves now; None when it cannot say."""
        try:
            response = requests.get(self.base_url + "/status", params=self._params, timeout=3)
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        model = (response.json() or {}).get("model_file")
        return Path(model).name if isinstance(model, str) and model else None

    def load(self, model: Path) -> None:
        """Make the server load ``model`` (an absolute path it can read: same machine)."""
        try:
            response = requests.put(
                self.base_url + "/model",
                params=self._params,
                json={"model_file": str(model.resolve())},
                timeout=LOAD_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise ModelLoadFailed(f"Rasa 服务器无法连接（{exc.__class__.__name__}）") from exc
        if response.status_code != 204:
            raise ModelLoadFailed(
                f"Rasa 服务器拒绝加载模型（HTTP {response.status_code}）：{response.text[:300]}"
            )
