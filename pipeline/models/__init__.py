"""Models: one interface and registry (`base`), scikit-learn models, the labeling-function rules,
transformer encoders and fine-tuning; every registered model is importable from here."""

from pipeline.models import (  # noqa: F401  (registers models)
    encoders,
    linear,
    rules,
    setfit_model,
    structure,
)
from pipeline.models.base import (
    MODELS,
    Model,
    build_model,
    fit_model,
    load_model,
    predict_scores,
    save_model,
)
from pipeline.models.finetune import model as finetune_model  # noqa: F401  (registers)
from pipeline.models.finetune import student  # noqa: F401  (registers)

__all__ = [
    "MODELS",
    "Model",
    "build_model",
    "fit_model",
    "load_model",
    "predict_scores",
    "save_model",
]
