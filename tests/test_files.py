import pytest

from collection.files import create_once, write_atomic, write_json


def test_write_atomic_replaces_whole_files_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    write_atomic(path, "one")
    write_atomic(path, b"two")
    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["a.txt"]


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, {"a": 1})
    with pytest.raises(TypeError):
        write_atomic(path, 123)  # type: ignore[arg-type]  # fails mid-write
    assert path.read_text().strip() == '{\n  "a": 1\n}'
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_create_once_never_replaces_an_existing_file(tmp_path):
    path = tmp_path / "x.bin"
    assert create_once(path, lambda tmp: tmp.write_bytes(b"first")) is True
    assert create_once(path, lambda tmp: tmp.write_bytes(b"second")) is False
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a", "x")
        create_once(tmp_path / "b", lambda tmp: tmp.write_text("y"))
    finally:
        os.umask(old)
    for name in ("a", "b"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
