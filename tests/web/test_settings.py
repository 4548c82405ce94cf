"""Settings: declared defaults, then the SEARCH_SERVICE_* environment, then a test's dict."""

import pytest

from search_service.web import create_app, resources, settings


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
            assert setting.parse(str(setting.default) if setting.default != () else "") == (
                setting.default
            )
