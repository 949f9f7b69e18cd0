"""What our trainable Rasa components share: how Rasa makes one, and how it loads what one learnt.

Rasa's ``GraphComponent`` asks every component for ``create`` (before training) and ``load``
(from a trained model) with fixed signatures; ours keep what they learn in the model storage
(the registry matcher its index, the known-phrase classifier its phrases). Written once here,
so a component says only what it keeps (``_read``) and what it does.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

C = TypeVar("C", bound="StoredComponent")


class StoredComponent(GraphComponent):
    """A component built as ``cls(config, model_storage, resource, learnt)``; ``learnt`` is None
    before training and what ``_read`` returns after."""

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, learnt: Any = None
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls: type[C],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> C:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[C],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> C:
        """What training kept; a model without it (an older one) loads with nothing learnt."""
        try:
            with model_storage.read_from(resource) as directory:
                learnt = cls._read(Path(directory))
        except (ValueError, FileNotFoundError):
            logger.warning("%s: nothing learnt in the model", cls.__name__)
            learnt = None
        return cls(config, model_storage, resource, learnt)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Rasa runs this on the training data before the next components train: ours add to the
        parse of a message (``process``), never to the training examples."""
        return training_data

    @classmethod
    def _read(cls, directory: Path) -> Any:
        """What ``train`` wrote into ``directory``."""
        raise NotImplementedError
