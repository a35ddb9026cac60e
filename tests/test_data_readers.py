"""The corpus readers: fields, line endings, and an error naming file and line for each defect."""
import pickle
import time

import pytest

from sodata.readers import CorpusFormatError, read_corpus, read_validation


def _write(tmp_path, data: bytes, name: str = "validation.tsv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_read_corpus_splits_lines_on_tabs(tmp_path):
    path = _write(tmp_path, "how to sort\tsorting a list\nc# generics\tgénériques c#\n".encode())
    assert read_corpus(path) == [["how to sort", "sorting a list"], ["c# generics", "génériques c#"]]


@pytest.mark.parametrize("data", [b"a\tb\tc\r\nd\te\tf\r\n", b"a\tb\tc\nd\te\tf",
                                  b"\xef\xbb\xbfa\tb\tc\r\nd\te\tf"])
def test_windows_line_endings_bom_and_missing_final_newline_are_fine(tmp_path, data):
    assert read_validation(_write(tmp_path, data)) == [["a", "b", "c"], ["d", "e", "f"]]


def test_read_corpus_keeps_empty_fields_and_other_whitespace(tmp_path):
    path = _write(tmp_path, b" a \t\tb\x0cc\n")
    assert read_corpus(path) == [[" a ", "", "b\x0cc"]]


def test_read_corpus_of_an_empty_file_is_empty(tmp_path):
    assert read_corpus(_write(tmp_path, b"")) == []


def test_a_short_row_names_the_file_and_line(tmp_path):
    path = _write(tmp_path, b"q\td\tn1\tn2\nq\td\tn\r\nq only\td\r\nq\td\tn\n")
    with pytest.raises(CorpusFormatError) as caught:
        read_validation(path)
    error = caught.value
    assert (error.path, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}, line 3: 2 tab-separated field(s), expected at least 3")


def test_a_blank_line_is_a_short_row(tmp_path):
    with pytest.raises(CorpusFormatError, match=r"line 2: 1 tab-separated"):
        read_validation(_write(tmp_path, b"q\td\tn\n\nq\td\tn\n"))


def test_an_empty_file_is_an_error(tmp_path):
    path = _write(tmp_path, b"")
    with pytest.raises(CorpusFormatError, match=r"line 1: the file is empty") as caught:
        read_validation(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("reader", [read_corpus, read_validation])
def test_a_file_that_is_not_utf8_names_the_line(tmp_path, reader):
    path = _write(tmp_path, "q\td\tn\nq\tcaf\u00e9\tn\n".encode() + b"q\tcaf\xe9\tn\n")
    with pytest.raises(CorpusFormatError) as caught:
        reader(path)
    assert caught.value.line == 3
    assert str(caught.value) == f"{path}, line 3: not UTF-8 text (byte 0xe9); save the file as UTF-8"


def test_not_utf8_after_a_bom_counts_lines_from_the_start(tmp_path):
    with pytest.raises(CorpusFormatError, match="line 1: not UTF-8"):
        read_corpus(_write(tmp_path, b"\xef\xbb\xbfq\t\xff\n"))


def test_the_error_is_a_value_error_and_pickles(tmp_path):
    error = CorpusFormatError(tmp_path / "x.tsv", 7, "bad")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.line, copy.reason, str(copy)) == (error.path, 7, "bad", str(error))


def test_reading_is_fast(tmp_path):
    """100,000 rows of 4 questions (about 1/10 of train.tsv) well under a second."""
    row = "how do i sort a list of dictionaries by a value\tsort list of dicts\tpython sort\tkey\n"
    path = _write(tmp_path, row.encode() * 100_000, "train.tsv")
    start = time.perf_counter()
    rows = read_corpus(path)
    elapsed = time.perf_counter() - start
    assert len(rows) == 100_000 and rows[-1][-1] == "key"
    assert elapsed < 2.0, f"read 100,000 rows in {elapsed:.2f} s"


# Rows that are not rows (issue 24) -----------------------------------------------------------------

@pytest.mark.parametrize("reader", [read_corpus, read_validation])
def test_a_nul_byte_in_a_title_names_the_line_and_field(tmp_path, reader):
    path = _write(tmp_path, b"q\td\tn\nq\td\x00d\tn\n")
    with pytest.raises(CorpusFormatError) as caught:
        reader(path)
    assert caught.value.line == 2 and "NUL byte in field 2" in str(caught.value)


@pytest.mark.parametrize("reader", [read_corpus, read_validation])
def test_a_title_longer_than_any_title_names_the_line(tmp_path, reader):
    from sodata.readers import MAX_TITLE_CHARS

    huge = b"x" * (50 << 20)  # a 50 MB line: a file without its line breaks, or not a corpus
    path = _write(tmp_path, b"q\td\tn\n" + huge + b"\td\tn\n")
    with pytest.raises(CorpusFormatError) as caught:
        reader(path)
    assert caught.value.line == 2
    assert f"field 1 holds {50 << 20:,} characters, more than the {MAX_TITLE_CHARS:,}" in str(caught.value)


def test_a_title_of_the_longest_length_is_fine(tmp_path):
    from sodata.readers import MAX_TITLE_CHARS

    title = "é" * MAX_TITLE_CHARS  # counted in characters, not bytes
    path = _write(tmp_path, f"{title}\td\tn\n".encode())
    assert read_validation(path) == [[title, "d", "n"]]


@pytest.mark.parametrize("line", [b"\t\t\n", b"q\t\tn\n", b"q\td\tn\t\n"])
def test_a_validation_row_with_an_empty_field_names_it(tmp_path, line):
    path = _write(tmp_path, b"q\td\tn\n" + line)
    with pytest.raises(CorpusFormatError, match=r"line 2: field \d is empty"):
        read_validation(path)
