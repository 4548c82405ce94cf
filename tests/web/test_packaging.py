"""The app finds its templates and gunicorn its settings, from a checkout or installed.

A non-editable install was checked by hand (pip install . into a new venv, then
`search-service serve` from another folder served the pages); these tests keep the
configuration that makes it work from drifting.
"""

import configparser
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

from search_service.web import serve, templates_folder

ROOT = Path(__file__).resolve().parents[2]


def setup_cfg() -> configparser.ConfigParser:
    parsed = configparser.ConfigParser()
    parsed.read(ROOT / "setup.cfg")
    return parsed


def test_every_package_is_listed_in_setup_cfg():
    listed = set(setup_cfg()["options"]["packages"].split())
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "search_service").rglob("__init__.py")
    }
    assert found <= listed
    assert "search_service.web.templates" in listed


def _folder(package: str) -> Path:
    """Where setup.cfg takes a package from (the templates from the top-level folder)."""
    templates = "search_service.web.templates"
    if package == templates or package.startswith(templates + "."):
        return ROOT.joinpath("templates", *package.split(".")[3:])
    return ROOT.joinpath(*package.split("."))


def test_every_data_file_is_package_data_of_its_folder():
    # setuptools warns of a folder of data that is not a listed package: each is one.
    config = setup_cfg()
    assert config["options"]["package_dir"].split() == [
        "search_service.web.templates",
        "=",
        "templates",
    ]
    packages = config["options"]["packages"].split()
    shipped, on_disk = set(), set()
    for package in packages:
        folder = _folder(package)
        # As setuptools reads a list in setup.cfg: commas or lines, never spaces.
        listed = config["options.package_data"].get(package, "")
        patterns = [p.strip() for p in re.split(r"[,\n]", listed) if p.strip()]
        shipped |= {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
        on_disk |= {p for p in folder.iterdir() if p.is_file() and p.suffix != ".py"}
        inside = {p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"}
        assert {f"{package}.{name}" for name in inside} <= set(packages)
    assert on_disk == shipped
    assert ROOT / "templates" / "static" / "searchbox.css" in shipped
    assert ROOT / "search_service" / "text" / "data" / "abbreviations.tsv" in shipped


def test_a_checkout_finds_its_templates():
    assert templates_folder() == ROOT / "templates"


def locked(name: str) -> dict[str, str]:
    """Package → version pinned in a lock file at the root."""
    text = (ROOT / name).read_text(encoding="utf-8")
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s;\\]+)", text, re.MULTILINE))


def test_the_locks_agree_and_fit_the_ranges_of_setup_cfg():
    # Ranges edited in setup.cfg without compiling the locks again would go unnoticed: CI
    # installs the project with --no-deps, after the test lock.
    run, test = locked("requirements.lock"), locked("requirements-test.lock")
    assert run.items() <= test.items()
    config = setup_cfg()
    for lock, listed in (
        (run, config["options"]["install_requires"]),
        (test, config["options.extras_require"]["test"]),
    ):
        for requirement in map(Requirement, filter(None, listed.splitlines())):
            name = re.sub(r"[-_.]+", "-", requirement.name).lower()
            assert requirement.specifier.contains(lock[name]), (str(requirement), lock[name])


def test_ci_runs_the_test_command_of_the_readme():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ci.split("# The README's test command:\n", 1)[1].splitlines()[0]
    assert f"```sh\n{command}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_gunicorn_imports_its_settings_from_any_folder(tmp_path):
    """No file to look for, in a checkout or installed: `-c python:` names a module."""
    assert "options.data_files" not in setup_cfg()
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", serve.CONFIG, "--print-config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    settings = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
    )
    assert settings["wsgi_app"] == "search_service.web:create_app()"
    assert settings["worker_class"] == "gevent"
    assert settings["preload_app"] == "True"
    assert settings["logger_class"] == "search_service.web.access_log.AccessLog"
