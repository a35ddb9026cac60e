"""Fixtures shared by the data layer's tests."""
import pytest

from sodata import assets


@pytest.fixture
def use_assets(monkeypatch):
    """``use_assets(table)`` makes ``table`` (name -> Asset) the contents of ``sodata.assets.ASSETS``
    for one test: every module reads that one dict, so it is changed in place and restored after."""
    def use(table: dict) -> None:
        for name in list(assets.ASSETS):
            monkeypatch.delitem(assets.ASSETS, name)
        for name, asset in table.items():
            monkeypatch.setitem(assets.ASSETS, name, asset)

    return use
