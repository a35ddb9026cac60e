"""The real corpus's content, checked by `make data` before anything is marked verified (issue
24): row counts and shapes from the asset table, UTF-8, no NUL, no empty field, titles of a sane
length; a zip that fails (its content, its member names) is set aside and the rerun starts clean."""
import io
import json
import zipfile
from pathlib import Path

import pytest

from sodata.assets import ASSETS, Asset, VerificationError
from sodata.downloader import download
from sodata.paths import MIRROR_ENV
from sodata.readers import MAX_TITLE_CHARS
from sodata.shapes import TableShape
from sodata.verified import is_verified, marker_path

MEMBERS = ("train.tsv", "validation.tsv", "test.tsv")
SMALL_SHAPES = {"train.tsv": TableShape(rows=6, min_fields=2),
                "validation.tsv": TableShape(rows=4, min_fields=3, mean_fields=7.0),
                "test.tsv": TableShape(rows=None, min_fields=3)}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tsv(rows: int, fields: int, word: str = "how to sort a list") -> bytes:
    return "".join("\t".join(f"{word} {row} {field}" for field in range(fields)) + "\n"
                   for row in range(rows)).encode()


GOOD = {"train.tsv": _tsv(6, 2), "validation.tsv": _tsv(4, 7), "test.tsv": _tsv(3, 7)}


def _asset(**fields) -> Asset:
    """The real corpus's entry, with the small table's shapes unless ``shapes`` says otherwise."""
    return Asset(**{"name": "stackoverflow", "url": "http://127.0.0.1:9/unused",
                    "filename": "StackOverflowData.zip", "extract": MEMBERS,
                    "extract_dir": "stackoverflow", "shapes": SMALL_SHAPES, **fields})


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    monkeypatch.setenv(MIRROR_ENV, str(folder))
    return folder


def _serve(mirror: Path, members: dict[str, bytes]) -> None:
    (mirror / "StackOverflowData.zip").write_bytes(_zip(members))


def _left(cache: Path) -> list[str]:
    return sorted(path.relative_to(cache).as_posix() for path in cache.rglob("*")
                  if not path.name.endswith(".lock"))


def test_the_real_table_pins_the_corpus_shape():
    shapes = ASSETS["stackoverflow"].shapes
    assert shapes["train.tsv"] == TableShape(rows=1_000_000, min_fields=2)
    assert shapes["validation.tsv"].rows == 3_760 and shapes["validation.tsv"].min_fields == 3
    assert shapes["validation.tsv"].mean_fields == pytest.approx(2 + 998.81)
    assert shapes["test.tsv"].min_fields == 3


def test_a_sound_corpus_is_extracted_and_marked(mirror, tmp_path):
    _serve(mirror, GOOD)
    out = download(_asset(), root=tmp_path / "cache", progress=False)
    assert (out / "validation.tsv").read_bytes() == GOOD["validation.tsv"]
    assert is_verified(_asset(), tmp_path / "cache")


# Faults: content that make data used to call "ready and verified" ---------------------------------

@pytest.mark.parametrize("member, data, reason", [
    ("train.tsv", b"", r"train.tsv holds 0 rows, expected 1,000,000"),
    ("train.tsv", b"just one title\n" * 1_000_000,
     r"train.tsv, line 1: 1 tab-separated field\(s\), expected at least 2"),
], ids=["empty train", "one-field rows"])
def test_the_real_table_refuses_a_corpus_that_is_not_the_course_s(mirror, tmp_path, member,
                                                                     data, reason):
    _serve(mirror, {**GOOD, member: data})
    cache = tmp_path / "cache"
    with pytest.raises(VerificationError, match=reason) as caught:
        download(ASSETS["stackoverflow"], root=cache, progress=False)
    assert "StackOverflowData.zip.corrupt" in str(caught.value)
    assert _left(cache) == ["StackOverflowData.zip.corrupt"]


@pytest.mark.parametrize("member, data, reason", [
    ("train.tsv", _tsv(5, 2), r"train.tsv holds 5 rows, expected 6"),
    ("validation.tsv", _tsv(4, 3), r"validation.tsv: its rows hold 3.00 fields on average, "
                                   r"expected 7.00"),
    ("validation.tsv", _tsv(3, 7) + b"q\t\td\tn\tn\tn\tn\n", r"validation.tsv, line 4: field 2 is empty"),
    ("test.tsv", _tsv(2, 7) + "q\td\tn\u0000\tn\n".encode(), r"test.tsv, line 3: a NUL byte"),
    ("test.tsv", b"", r"test.tsv holds 0 rows"),
    ("train.tsv", _tsv(5, 2) + b"a\t" + b"x" * (MAX_TITLE_CHARS + 1) + b"\n",
     rf"train.tsv, line 6: field 2 holds {MAX_TITLE_CHARS + 1:,} characters"),
    ("train.tsv", _tsv(5, 2) + b"caf\xe9\tcafe\n", r"train.tsv, line 6: not UTF-8"),
], ids=["rows", "mean fields", "empty field", "NUL", "empty test", "long title", "latin-1"])
def test_a_corpus_failing_its_shape_is_set_aside_with_the_reason(mirror, tmp_path, member,
                                                                  data, reason):
    _serve(mirror, {**GOOD, member: data})
    cache = tmp_path / "cache"
    with pytest.raises(VerificationError, match=reason) as caught:
        download(_asset(), root=cache, progress=False)
    message = str(caught.value)
    assert "StackOverflowData.zip failed verification" in message and "make data" in message
    assert _left(cache) == ["StackOverflowData.zip.corrupt"]  # nothing extracted, no marker


def test_after_the_mirror_is_fixed_the_rerun_starts_clean(mirror, tmp_path):
    cache = tmp_path / "cache"
    _serve(mirror, {**GOOD, "train.tsv": b""})
    with pytest.raises(VerificationError):
        download(_asset(), root=cache, progress=False)
    _serve(mirror, GOOD)
    out = download(_asset(), root=cache, progress=False)
    assert (out / "train.tsv").read_bytes() == GOOD["train.tsv"]


def test_a_marker_written_before_content_checks_is_not_trusted(mirror, tmp_path):
    """`make data` of an older version marked a corpus without looking at its rows: the marker
    does not count, and the cached zip is checked again (and set aside)."""
    cache = tmp_path / "cache"
    _serve(mirror, GOOD)
    download(_asset(), root=cache, progress=False)
    marker = marker_path(_asset(), cache)
    record = json.loads(marker.read_text())
    record.pop("version")
    marker.write_text(json.dumps(record))
    assert not is_verified(_asset(), cache)
    download(_asset(), root=cache, progress=False)  # the cached zip passes its checks again
    assert is_verified(_asset(), cache)


# Faults: member names that fail extraction -----------------------------------------------------------

@pytest.mark.parametrize("members", [
    {"Train.tsv": GOOD["train.tsv"], "validation.tsv": GOOD["validation.tsv"],
     "test.tsv": GOOD["test.tsv"]},
    {**GOOD, "copy/train.tsv": GOOD["train.tsv"]},
], ids=["Train.tsv", "train.tsv twice"])
def test_a_zip_with_wrong_member_names_is_set_aside_and_the_fixed_mirror_is_used(
        mirror, tmp_path, members):
    cache = tmp_path / "cache"
    _serve(mirror, members)
    with pytest.raises(VerificationError, match="should hold exactly one each of train.tsv"):
        download(_asset(), root=cache, progress=False)
    assert _left(cache) == ["StackOverflowData.zip.corrupt"]
    _serve(mirror, GOOD)
    out = download(_asset(), root=cache, progress=False)
    assert (out / "train.tsv").read_bytes() == GOOD["train.tsv"]
