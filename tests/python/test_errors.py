"""The exception hierarchy mirrors the library's error catalogue."""
from __future__ import annotations

import builtins

import pytest

import poleloc
from poleloc import _poleloc


def test_every_catalogue_entry_has_its_exception_class():
    named = [entry for entry in _poleloc.ERROR_CATALOGUE if entry[3]]
    assert len(named) == len(_poleloc.ERROR_CATALOGUE) - 1  # all but `ok`
    for code, http_status, json_code, python_class, summary in named:
        cls = getattr(poleloc, python_class)
        assert issubclass(cls, poleloc.Error)
        assert cls.__module__ == "poleloc" and cls.__name__ == python_class
        assert (cls.code, cls.http_status) == (json_code, http_status)
        assert summary in cls.__doc__
        assert poleloc.ERROR_CLASSES[json_code] is cls
        # Star-imports carry every class but those named like a builtin (IOError): never shadow one.
        assert (python_class in poleloc.__all__) != hasattr(builtins, python_class)


@pytest.mark.parametrize("name,json_code,http_status,builtin", [
    ("NotFound", "not_found", 404, LookupError),
    ("BadRequest", "bad_request", 400, ValueError),
    ("InvalidInput", "invalid_input", 400, ValueError),
    ("ReadOnly", "read_only", 403, Exception),
    ("Conflict", "conflict", 409, Exception),
    ("StorageFull", "storage_full", 507, Exception),
    ("StorageUnavailable", "storage_unavailable", 503, Exception),
])
def test_known_classes(name, json_code, http_status, builtin):
    cls = getattr(poleloc, name)
    assert (cls.code, cls.http_status) == (json_code, http_status)
    assert issubclass(cls, builtin) and issubclass(cls, poleloc.Error)


def test_the_message_is_the_librarys(db):
    with pytest.raises(poleloc.Error) as e:
        db.nearest(116.47, 39.92, k=0)
    assert type(e.value) is poleloc.BadRequest
    assert str(e.value) == "k must be between 1 and 1000, got 0"


def test_every_error_class_is_named_as_its_json_code():
    """One name per error on every face: bad_request is BadRequest, io_error IoError."""
    for code, cls in poleloc.ERROR_CLASSES.items():
        assert cls.__name__ == "".join(part.capitalize() for part in code.split("_")), (code, cls.__name__)
    # The names before, for one release.
    assert poleloc.InvalidArgument is poleloc.BadRequest
    assert poleloc.IOError is poleloc.IoError and poleloc.InternalError is poleloc.Internal
