"""Which model the running Rasa server holds, and handing it a new one (Rasa's own HTTP API).

``GET /status`` names the loaded model file; ``PUT /model`` with ``{"model_file": path}``
makes the server load that archive from disk and swap it in for new messages, without a
restart (rasa/server.py ``load_model``). Both sit behind the API token the stack starts
Rasa with (bot/ops/stack.py: ``--enable-api --auth-token``). Kept apart from the console's
client (bot/web/rasa_api.py) because loading a model answers 204 with no body and takes
much longer than a console call: a 33 MB archive with TensorFlow weights loads in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import requests

from bot.settings import Settings

# Loading unpacks the archive and builds the graph; on two busy cores that has taken ~20 s.
LOAD_TIMEOUT = 300.0


class ModelLoadFailed(RuntimeError):
    """The Rasa server did not take the new model; it keeps serving the one it had."""


class RasaModels:
    """Every Rasa server of the stack: one, or each replica of the scaled stack. A model loaded
    through nginx would reach whichever replica it picked, and the others would go on answering
    with the old one, so each replica is called at its own address, one after the other (the
    others keep answering while one loads)."""

    def __init__(self, base_urls: str | Sequence[str], token: str) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("no Rasa server to load models into")
        self.base_urls = [u.rstrip("/") for u in urls]
        self._params = {"token": token}

    @classmethod
    def of(cls, settings: Settings) -> RasaModels:
        """The stack's Rasa servers: each replica when scaled, else the one at ``rasa.url``."""
        replicas = [u.strip() for u in settings.scale.rasa_replica_urls.split(",") if u.strip()]
        return cls(replicas or settings.rasa.url, settings.secrets.rasa_api_token)

    def loaded(self) -> str | None:
        """The file name of the model every server serves now; None when one cannot say, or when
        they serve different ones (a load that reached only some: loading again mends it)."""
        names = {self._loaded(url) for url in self.base_urls}
        return names.pop() if len(names) == 1 else None

    def _loaded(self, base_url: str) -> str | None:
        try:
            response = requests.get(base_url + "/status", params=self._params, timeout=3)
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        model = (response.json() or {}).get("model_file")
        return Path(model).name if isinstance(model, str) and model else None

    def load(self, model: Path) -> None:
        """Make every server load ``model`` (an absolute path it can read: same machine). A server
        that refuses does not stop the others from loading it; the error names each that refused."""
        failures = []
        for number, url in enumerate(self.base_urls, 1):
            try:
                self._load(url, model)
            except ModelLoadFailed as exc:
                failures.append(f"第 {number} 个 Rasa 服务器：{exc}" if len(self.base_urls) > 1 else str(exc))
        if failures:
            raise ModelLoadFailed("；".join(failures))

    def _load(self, base_url: str, model: Path) -> None:
        try:
            response = requests.put(
                base_url + "/model",
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
