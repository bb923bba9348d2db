"""The public surface: what ``from searchpod import …`` offers is exactly ``__all__``, each name
documented, and nothing of Whoosh's among it."""

from __future__ import annotations

import inspect

import searchpod


def test_all_names_exist_and_nothing_public_is_left_out() -> None:
    for name in searchpod.__all__:
        assert hasattr(searchpod, name), name
    public = {
        n for n, v in vars(searchpod).items() if not n.startswith("_") and not inspect.ismodule(v)
    }
    assert public == set(searchpod.__all__) - {"__version__"}


def test_readme_imports_work() -> None:
    from searchpod import Index, Mode, QueryError, SearchOptions, Sort  # noqa: F401

    assert Mode("all") is Mode.ALL and Sort("newest") is Sort.NEWEST


def test_every_public_class_and_function_has_a_docstring() -> None:
    missing = [
        name
        for name in searchpod.__all__
        if name != "__version__" and not inspect.getdoc(getattr(searchpod, name))
    ]
    assert not missing, missing


def test_no_public_name_comes_from_whoosh() -> None:
    for name in searchpod.__all__:
        module = getattr(getattr(searchpod, name), "__module__", "") or ""
        assert not module.startswith("whoosh"), name


def test_options_object_and_keywords_give_the_same_search(tmp_path, episodes_dir) -> None:
    from searchpod import Index, SearchOptions

    ix, _ = Index.build(tmp_path / "ix", [episodes_dir])
    options = SearchOptions.parse(limit=1, sort="newest")
    by_object = ix.search("lighthouse", options)
    by_keywords = ix.search("lighthouse", limit=1, sort="newest")
    assert by_object.to_dict() == by_keywords.to_dict()
    assert by_object.limit == 1
    # Keywords beside an options object replace its fields.
    assert ix.search("lighthouse", options, limit=2).limit == 2
