"""Tests for :mod:`inspector.inputs`: PATH arguments to an ordered list of inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inspector.inputs import IMAGE_SUFFIXES, InputItem, expand_paths, has_image_suffix


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in ``tmp_path`` so relative spellings can be checked."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_suffixes_case_insensitive() -> None:
    assert {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"} == IMAGE_SUFFIXES
    for name in ("a.PNG", "b.Jpeg", "c.TIF", "d.bmp", "e.tiff", "f.jpg"):
        assert has_image_suffix(name)
    for name in ("a.txt", "png", "a.png.bak", ".png"):
        assert not has_image_suffix(name)


def test_folder_sorted_by_name_non_recursive_no_hidden(in_tmp: Path) -> None:
    for name in ("b.png", "a.JPG", "Z.tif", "c.txt", ".hidden.png", "sub/inner.png"):
        touch(in_tmp / "imgs" / name)
    (in_tmp / "imgs" / "dir.png").mkdir()
    items = expand_paths(["imgs"])
    assert items == [
        InputItem(os.path.join("imgs", "Z.tif")),
        InputItem(os.path.join("imgs", "a.JPG")),
        InputItem(os.path.join("imgs", "b.png")),
    ]
    assert all(item.ok for item in items)


def test_folder_spelling_is_kept(in_tmp: Path) -> None:
    touch(in_tmp / "imgs" / "a.png")
    assert [i.path for i in expand_paths(["imgs/"])] == ["imgs/a.png"]
    assert [i.path for i in expand_paths(["./imgs"])] == [os.path.join("./imgs", "a.png")]
    absolute = str(in_tmp / "imgs")
    assert [i.path for i in expand_paths([absolute])] == [os.path.join(absolute, "a.png")]


def test_arguments_in_order_files_kept_as_given(in_tmp: Path) -> None:
    touch(in_tmp / "one" / "b.bmp")
    touch(in_tmp / "one" / "a.tiff")
    touch(in_tmp / "notes.txt")
    touch(in_tmp / "x.png")
    items = expand_paths(["./x.png", "one", "notes.txt", Path("x.png")])
    assert [i.path for i in items] == [
        "./x.png",
        os.path.join("one", "a.tiff"),
        os.path.join("one", "b.bmp"),
        "notes.txt",  # given directly: kept whatever its suffix, the loader judges it
        "x.png",
    ]
    assert all(i.error is None for i in items)


def test_missing_path_is_an_error_item(in_tmp: Path) -> None:
    touch(in_tmp / "x.png")
    items = expand_paths(["nope.png", "x.png"])
    assert items[0] == InputItem("nope.png", error="no such file or folder: nope.png")
    assert not items[0].ok
    assert items[1] == InputItem("x.png")


@pytest.mark.parametrize("contents", [(), ("readme.txt", ".secret.png", "deeper/a.png")])
def test_folder_without_images_is_an_error_item(in_tmp: Path, contents: tuple[str, ...]) -> None:
    (in_tmp / "empty").mkdir()
    for name in contents:
        touch(in_tmp / "empty" / name)
    [item] = expand_paths(["empty"])
    assert item.path == "empty"
    assert item.error is not None
    assert item.error.startswith("no images in folder empty")


def test_broken_link_in_folder_is_kept_for_the_loader(in_tmp: Path) -> None:
    folder = in_tmp / "imgs"
    folder.mkdir()
    try:
        (folder / "gone.png").symlink_to(in_tmp / "missing.png")
    except OSError:
        pytest.skip("this file system cannot make symbolic links")
    assert expand_paths(["imgs"]) == [InputItem(os.path.join("imgs", "gone.png"))]


def test_empty_argument_list() -> None:
    assert expand_paths([]) == []
