import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from search_service.ingest import pipeline
from search_service.search.catalog import Catalog
from search_service.text.segmentation import segment

SAMPLES = Path(__file__).resolve().parents[1] / "search_service" / "samples"

# Property-based tests run the same examples on every run (derandomized, no example
# database written), so that a failure in CI reproduces anywhere. `explore` draws fresh
# random examples: HYPOTHESIS_PROFILE=explore python -m pytest tests/search/test_hostile_queries.py
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of the bundled samples, built once by the real ingest."""
    path = tmp_path_factory.mktemp("sample") / "index"
    summary = pipeline.ingest([SAMPLES], path)
    assert summary.skipped == 0, summary.problems
    return path


@pytest.fixture
def index(sample_index, tmp_path) -> Path:
    """A copy of the sample index, to write to."""
    return shutil.copytree(sample_index, tmp_path / "index")


@pytest.fixture(scope="session")
def catalog(sample_index):
    """The sample index opened for reading, as the service holds it."""
    opened = Catalog(sample_index)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def pyvi_loaded() -> None:
    """pyvi's model loaded in this process, so that the ingest workers forked from it
    inherit it instead of each loading it again (about 1.5 s a run)."""
    segment("Hội nghị giao ban")
