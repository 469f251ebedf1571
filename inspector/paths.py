"""Where the project's shipped data and the user's data live."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: The repository / install root: ``inspector/`` and ``models/`` sit side by side.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Shipped inspection models: recipes, grades, standards tables.
MODELS_DIR = PROJECT_ROOT / "models"
#: The small seeded sample set with its truth.
SAMPLE_IMAGES_DIR = PROJECT_ROOT / "sample_images"

APP_NAME = "SealInspector"


def user_data_dir() -> Path:
    """Return the per-user data folder (database, images, station calibration).

    ``INSPECTOR_DATA_DIR`` overrides it, so tests and shared stations can point elsewhere.
    """
    override = os.environ.get("INSPECTOR_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
