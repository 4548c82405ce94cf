import json
import os
import subprocess
import sys

import pytest

from search_service.cli import main

from .records import article, write_jsonl


def run(*args, env=None):
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "search_service", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_index_search_stats_delete_round_trip(tmp_path, capsys):
    index = str(tmp_path / "index")
    source = write_jsonl(tmp_path / "a.jsonl", [article(1), article(2, sector="Tuyên truyền")])
    assert main(["index", str(source), "--index", index, "--workers", "1"]) == 0
    assert "2 added, 0 replaced, 0 unchanged, 0 skipped" in capsys.readouterr().out

    assert main(["search", "hoi nghi giao ban", "--index", index, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 2
    assert {hit["id"] for hit in result["hits"]} == {"a1", "a2"}
    assert set(result["hits"][0]) >= {"id", "title", "date", "score"}

    assert main(["stats", "--index", index, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] == 2
    assert stats["sectors"] == {"Khoa giáo": 1, "Tuyên truyền": 1}
    assert (stats["first_date"], stats["last_date"]) == ("2021-10-02", "2021-10-03")

    assert main(["delete", "a1", "--index", index]) == 0
    assert main(["delete", "a1", "--index", index]) == 5
    assert "not found: a1" in capsys.readouterr().err


def test_exit_status_says_something_was_skipped(tmp_path, capsys):
    source = write_jsonl(tmp_path / "a.jsonl", [article(1), '{"id": 1'])
    assert main(["index", str(source), "--index", str(tmp_path / "i"), "--workers", "1"]) == 2
    captured = capsys.readouterr()
    assert f"skipped: {source}:2: invalid JSON" in captured.err
    assert "1 added, 0 replaced, 0 unchanged, 1 skipped" in captured.out


@pytest.mark.slow
def test_errors_are_one_line_without_traceback(tmp_path):
    result = run("search", "hội nghị", "--index", str(tmp_path / "missing"))
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"error: no index at {tmp_path / 'missing'}: create it with "
        f"`search-service index PATH --index {tmp_path / 'missing'}`"
    ]


@pytest.mark.slow
def test_output_cut_short_by_its_reader_is_no_error(sample_index):
    # `search-service search ... | head -1`: the reader is gone before the output is written.
    command = subprocess.Popen(
        [sys.executable, "-m", "search_service", "search", "hoi nghi"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SEARCH_SERVICE_INDEX": str(sample_index)},
    )
    command.stdout.close()
    with command.stderr:
        stderr = command.stderr.read()
    assert command.wait(timeout=120) == 141
    assert stderr == b""


@pytest.mark.slow
def test_environment_variable_sets_the_default_index(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [article(1)])
    env = {"SEARCH_SERVICE_INDEX": str(tmp_path / "from-env"), "PATH": ""}
    assert run("index", str(source), env=env).returncode == 0
    shown = run("stats", "--json", env=env)
    assert json.loads(shown.stdout)["path"] == str(tmp_path / "from-env")


def test_show_prints_an_article_with_its_related_articles(sample_index, capsys):
    assert main(["show", "article-khoa-giao-q3-2021", "--index", str(sample_index), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["author"] == "Lâm An"
    assert [link["id"] for link in shown["related"]] == [
        "kg-2022-giao-ban-q1",
        "tt-2021-giao-ban-q3",
        "dl-2022-an-ninh-tu-tuong-q1",
        "tt-2022-nang-cao-chat-luong",
    ]


def test_search_names_the_missing_word_labels_the_fallback_and_explains(sample_index, capsys):
    assert main(["search", "hội nghị xqzvbn", "--index", str(sample_index), "--limit", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "not found in any article: xqzvbn",
        f"0 results for 'hội nghị xqzvbn' ({lines[1].rsplit('(', 1)[1]}",
        "close matches, not counted (other readings, a mended word, words missing):",
    ]
    command = ["search", "hoi nghi", "--index", str(sample_index), "--limit", "1", "--explain"]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert out.startswith("searched as: hội nghị\n36 results for 'hoi nghi' (")
    assert "title_pairs  hội nghị (pair)" in out
