from pathlib import Path

import pytest

from search_service import ingest

SAMPLES = Path(__file__).resolve().parents[1] / "search_service" / "samples"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of the bundled samples, built once by the real ingest."""
    path = tmp_path_factory.mktemp("sample") / "index"
    summary = ingest.ingest([SAMPLES], path)
    assert summary.skipped == 0, summary.problems
    return path
