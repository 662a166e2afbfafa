"""The docs' marked tables equal what their benchmark JSON gives (they are generated,
not typed: ``python benchmarks/doc_tables.py`` rewrites them), and the figures their
prose quotes are the JSON's."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import doc_tables  # noqa: E402


def test_every_marked_table_equals_its_json():
    assert doc_tables.marked_pages(), "no marked tables found under docs/"
    assert doc_tables.main(["--check"]) == 0


def test_every_table_is_marked_in_a_page():
    marked = {
        m["name"]
        for page in doc_tables.marked_pages()
        for m in doc_tables.MARKED.finditer(page.read_text(encoding="utf-8"))
    }
    assert marked == set(doc_tables.TABLES)


@pytest.mark.parametrize("name", sorted(doc_tables.TABLES))
def test_every_table_renders_from_its_json(name):
    filename, _ = doc_tables.TABLES[name]
    assert filename is None or (doc_tables.RESULTS / filename).exists()
    text = doc_tables.render(name)
    assert text.endswith("\n") and "nan" not in text.lower().split()


def test_every_quoted_figure_is_in_its_page():
    assert doc_tables.missing_quotes() == []


def test_the_ablations_ran_on_the_benchmarks_networks():
    """trained_rnn_ablations.json and trained_rnn.json describe the same trained
    networks on the same chip (docs/training.md reads them side by side)."""
    results = {
        name: json.loads((doc_tables.RESULTS / name).read_text(encoding="utf-8"))
        for name in ("trained_rnn.json", "trained_rnn_ablations.json")
    }
    rows = doc_tables._trained_rows(results["trained_rnn.json"])
    for variant, ablation in results["trained_rnn_ablations.json"]["variants"].items():
        row = rows[(doc_tables.TASK_NEURONS[ablation["task"]], variant)]
        accuracy = {r["key"]: r["accuracy"] for r in ablation["rows"]}
        assert accuracy["spiking"] == row["nengo_spiking"], variant
        assert accuracy["latency_2"] == row["nengo_spiking_chip_latency"], variant
        assert ablation["chip"]["accuracy"] == row["chip_spiking"], variant
        assert ablation["chip"]["cores"] == row["chip"]["cores"], variant
        measured = ablation["chip_measured"]["default"]
        assert measured["accuracy"] == row["chip_spiking_measured"], variant


def test_a_table_that_drifts_is_found(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    table = doc_tables.render("trained_rnn")
    good = f"<!-- table: trained_rnn -->\n{table}<!-- end table -->\n"
    page.write_text(
        good.replace("<!-- end table -->", "| a stale | row |\n<!-- end table -->"),
        encoding="utf-8",
    )
    monkeypatch.setattr(doc_tables, "DOCS", tmp_path)
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    monkeypatch.setattr(doc_tables, "QUOTES", [])
    assert doc_tables.main(["--check"]) == 1
    assert doc_tables.main([]) == 0  # rewrites it
    assert page.read_text(encoding="utf-8") == good


def test_a_quoted_figure_that_drifts_is_found(tmp_path, monkeypatch, capsys):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "bench.json").write_text(json.dumps({"rate": 0.9133}))
    page = tmp_path / "page.md"
    page.write_text("The network\nreaches 0.913 in Nengo.\n", encoding="utf-8")
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    monkeypatch.setattr(doc_tables, "DOCS", tmp_path)
    monkeypatch.setattr(doc_tables, "RESULTS", tmp_path / "results")
    quotes = [("page.md", "bench.json", lambda r: [f"network reaches {r['rate']:.3f}"])]
    monkeypatch.setattr(doc_tables, "QUOTES", quotes)
    assert doc_tables.missing_quotes() == []  # across the line break
    (tmp_path / "results" / "bench.json").write_text(json.dumps({"rate": 0.95}))
    assert doc_tables.missing_quotes() == [("page.md", "network reaches 0.950")]
    assert doc_tables.main(["--check"]) == 1
    assert "page.md: lacks 'network reaches 0.950'" in capsys.readouterr().out


def test_a_marker_without_a_generator_is_refused():
    with pytest.raises(KeyError, match="no generator for table 'nope'"):
        doc_tables.regenerate("<!-- table: nope -->\nx\n<!-- end table -->", "page.md")
