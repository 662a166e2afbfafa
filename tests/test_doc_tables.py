"""The docs' marked tables equal what their benchmark JSON gives (they are generated,
not typed: ``python benchmarks/doc_tables.py`` rewrites them)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import doc_tables  # noqa: E402


def test_every_marked_table_equals_its_json():
    assert doc_tables.marked_pages(), "no marked tables found under docs/"
    assert doc_tables.main(["--check"]) == 0


def test_a_table_that_drifts_is_found(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    table = doc_tables.render("trained_rnn")
    good = f"<!-- table: trained_rnn -->\n{table}<!-- end table -->\n"
    page.write_text(good.replace("0.913", "0.999"), encoding="utf-8")
    monkeypatch.setattr(doc_tables, "DOCS", tmp_path)
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    assert doc_tables.main(["--check"]) == 1
    assert doc_tables.main([]) == 0  # rewrites it
    assert page.read_text(encoding="utf-8") == good


def test_a_marker_without_a_generator_is_refused():
    with pytest.raises(KeyError, match="no generator for table 'nope'"):
        doc_tables.regenerate("<!-- table: nope -->\nx\n<!-- end table -->", "page.md")
