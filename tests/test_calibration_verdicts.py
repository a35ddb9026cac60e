"""How the calibration benchmark judges its runs: the table's cells on the seeds' mean, the bars
on every seed (``benchmarks.standin_calibration.run``), without generating any data."""
import pytest

from benchmarks import standin_calibration as calibration

REAL = {name: list(values) for name, values in calibration.REAL.items()}
GOOD = {**REAL, "dssm": [0.5, 0.85, 0.95, 0.985], "dssm_course_lr": [0.35, 0.65, 0.85, 0.93]}


def judged(monkeypatch, runs: dict[int, dict]) -> dict:
    monkeypatch.setattr(calibration, "standin", lambda scale, seed: seed)
    monkeypatch.setattr(calibration, "measure", lambda seed: runs[seed])
    return calibration.run(seeds=tuple(runs))


def shifted(hits: dict, name: str, k: int, delta: float) -> dict:
    values = list(hits[name])
    values[calibration.KS.index(k)] += delta
    return {**hits, name: values}


def test_a_seed_outside_a_band_is_listed_when_the_mean_is_inside(monkeypatch):
    result = judged(monkeypatch, {0: shifted(GOOD, "part2", 1, -0.06),
                                  1: shifted(GOOD, "part2", 1, +0.01), 2: GOOD})
    assert result["all_checks_pass"], result["failed_checks"]
    assert result["single_seeds_outside_a_band"] == ["seed 0: part2 Hits@1 within 0.05"]
    assert result["mean"]["part2"][0] == pytest.approx(REAL["part2"][0] - 0.05 / 3, abs=1e-4)


def test_a_mean_outside_a_band_fails(monkeypatch):
    result = judged(monkeypatch, {seed: shifted(GOOD, "dssm", 500, -0.01) for seed in range(3)})
    assert result["failed_checks"] == ["dssm Hits@500 in [0.98, 0.995]"]


def test_a_mistake_passing_its_bar_on_one_seed_fails(monkeypatch):
    result = judged(monkeypatch, {0: GOOD, 1: shifted(GOOD, "dssm_course_lr", 500, 0.06)})
    assert not result["all_checks_pass"]
    assert any("dssm_course_lr fails" in check for check in result["failed_checks"])
