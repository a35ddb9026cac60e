"""The notebooks' data module (hw_utils/data.py): the data layer's notes go to stdout."""
import sys

import sodata
from hw_utils import data
from sodata.paths import REPO_ROOT


def test_a_stand_in_generated_on_first_use_is_news_on_stdout(monkeypatch, capsys):
    def generating(name=None):
        print(f"generating the '{name}' stand-in data set (seed 0) into {REPO_ROOT}/data/"
              f"standin-{name} ...", file=sys.stderr)
        return "the data set"

    monkeypatch.setattr(sodata, "get_dataset", generating)
    assert data.get_dataset("tiny") == "the data set"
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == ("generating the 'tiny' stand-in data set (seed 0) into "
                            "data/standin-tiny ...\n")
