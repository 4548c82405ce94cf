"""Settings: declared defaults, then the SEARCH_SERVICE_* environment, then a test's dict."""

import os
import subprocess
import sys

import pytest

from search_service.web import create_app, resources, settings

from .conftest import ROOT, free_port


def test_defaults_then_environment_then_test_dict(monkeypatch):
    assert settings.load()["PAGE_SIZE"] == 10
    monkeypatch.setenv("SEARCH_SERVICE_PAGE_SIZE", "25")
    monkeypatch.setenv("SEARCH_SERVICE_CORS_ORIGINS", "https://a.example/, https://b.example")
    loaded = settings.load()
    assert loaded["PAGE_SIZE"] == 25
    assert loaded["CORS_ORIGINS"] == ("https://a.example", "https://b.example")
    assert settings.load({"PAGE_SIZE": 3})["PAGE_SIZE"] == 3


def test_the_index_setting_is_the_one_the_cli_reads(monkeypatch, tmp_path):
    monkeypatch.setenv("SEARCH_SERVICE_INDEX", str(tmp_path))
    app = create_app()
    with app.app_context():
        assert resources.catalog().path == tmp_path
    resources.close(app)


def test_a_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("SEARCH_SERVICE_PAGE_SIZE", "0")
    with pytest.raises(ValueError, match="SEARCH_SERVICE_PAGE_SIZE='0': must be at least 1"):
        settings.load()


def test_every_setting_has_help_and_a_default_of_its_type():
    for setting in settings.SETTINGS:
        assert setting.help and setting.name.isupper()
        if setting.parse is not str:
            default = setting.default
            raw = " ".join(default) if isinstance(default, tuple) else str(default)
            assert setting.parse(raw) == default


# Regression (issue 13): a malformed token was echoed in the start-up error, and so in the
# service's log, where it is half a secret.
def test_a_bad_secret_is_named_but_never_shown(monkeypatch):
    monkeypatch.setenv("SEARCH_SERVICE_WRITE_TOKEN", "gan-dung mat-khau!")
    with pytest.raises(ValueError) as raised:
        settings.load()
    assert str(raised.value).startswith(
        "SEARCH_SERVICE_WRITE_TOKEN=(not shown, 18 characters): must be at least 16 letters"
    )
    assert "mat-khau" not in str(raised.value)


@pytest.mark.slow
def test_serve_refuses_a_bad_token_in_one_line_without_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "search_service", "serve", "--index", str(tmp_path / "i")],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"SEARCH_SERVICE_STAFF_TOKEN": "ngan qua"},
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: SEARCH_SERVICE_STAFF_TOKEN=(not shown, 8 characters): must be at least 16"
    )
    assert "ngan qua" not in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "i").exists()


@pytest.mark.slow
def test_gunicorn_started_with_a_bad_token_does_not_log_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:search_service.web.gunicorn_conf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ
        | {
            "SEARCH_SERVICE_INDEX": str(tmp_path / "i"),
            "SEARCH_SERVICE_BIND": f"127.0.0.1:{free_port()}",
            "SEARCH_SERVICE_WRITE_TOKEN": "bi-mat-ro-ri!!",
        },
    )
    assert result.returncode != 0
    assert "SEARCH_SERVICE_WRITE_TOKEN=(not shown, 14 characters)" in result.stderr
    assert "bi-mat-ro-ri" not in result.stderr + result.stdout
