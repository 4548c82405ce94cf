"""The app finds its templates and gunicorn its settings, from a checkout or installed.

A non-editable install was checked by hand (pip install . into a new venv, then
`search-service serve` from another folder served the pages); these tests keep the
configuration that makes it work from drifting.
"""

import configparser
import re
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


def test_templates_and_static_files_are_package_data():
    config = setup_cfg()
    assert config["options"]["package_dir"].split() == [
        "search_service.web.templates",
        "=",
        "templates",
    ]
    patterns = config["options.package_data"]["search_service.web.templates"].split()
    shipped = {p for pattern in patterns for p in (ROOT / "templates").glob(pattern)}
    on_disk = {p for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert on_disk == shipped


def test_a_checkout_finds_its_templates_and_gunicorn_settings():
    assert templates_folder() == ROOT / "templates"
    assert serve.config_path() == ROOT / "gunicorn.conf.py"
    assert "gunicorn.conf.py" in setup_cfg()["options.data_files"]["share/search-service"]


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
