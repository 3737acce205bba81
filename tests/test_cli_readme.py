"""The README's examples are what a new user copies: its norm and scenario files must be read."""

from __future__ import annotations

import re

from click.testing import CliRunner

from geo_kissos.cli import main
from geo_kissos.config import REPO_ROOT
from geo_kissos.ingest.user_tables import read_changes_file, read_norms_file


def _readme_example_files(tmp_path):
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\nnorms\.csv +changes\.csv\n(.*?)```", text, re.S).group(1)
    left, right = [], []
    for line in block.splitlines():
        m = re.match(r"(\S*)\s*(\S*)$", line)
        left.append(m.group(1))
        right.append(m.group(2))
    norms, changes = tmp_path / "norms.csv", tmp_path / "changes.csv"
    norms.write_text("\n".join(x for x in left if x) + "\n", encoding="utf-8")
    changes.write_text("\n".join(x for x in right if x) + "\n", encoding="utf-8")
    return norms, changes


def test_readme_norm_and_scenario_examples_are_valid(tmp_path):
    norms, changes = _readme_example_files(tmp_path)
    n = read_norms_file(norms)
    assert dict(zip(n["type_code"], n["units_per_1000"], strict=True)) == {"49": 40.0, "50": 25.5}
    c = read_changes_file(changes)
    assert c["action"].tolist() == ["add", "resize", "remove"]
    assert c.loc[2, "x"] == -543175 and c.loc[3, "units"] == 90


def test_readme_analysis_commands_exist():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for sub in sorted(set(re.findall(r"^geo-kissos analysis (\w+)", text, re.M))):
        res = CliRunner().invoke(main, ["analysis", sub, "--help"])
        assert res.exit_code == 0, (sub, res.output)
