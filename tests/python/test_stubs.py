"""The type stubs (__init__.pyi) describe the module that is there: every public
name and member in the stub exists at run time, and every public name exists in the stub."""
from __future__ import annotations

import ast
import pathlib

import poleloc

STUB = pathlib.Path(poleloc.__file__).with_name("__init__.pyi")
STUB_ONLY = {"GeoInterface"}  # a typing Protocol: exists for type checkers only


def stub_tree():
    return ast.parse(STUB.read_text(encoding="utf-8"))


def test_stub_and_py_typed_ship_with_the_package():
    assert STUB.exists()
    assert STUB.with_name("py.typed").exists()


def test_every_stubbed_name_and_member_exists():
    for node in stub_tree().body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and not node.name.startswith("_"):
            if node.name in STUB_ONLY:
                continue
            assert hasattr(poleloc, node.name), node.name
            if isinstance(node, ast.ClassDef):
                runtime = getattr(poleloc, node.name)
                for member in node.body:
                    if isinstance(member, ast.FunctionDef):
                        name = member.name
                    elif isinstance(member, ast.AnnAssign):
                        name = member.target.id
                    else:
                        continue
                    if name == "import_report":  # an instance attribute of Database
                        continue
                    assert hasattr(runtime, name), f"{node.name}.{name}"


def test_every_public_name_is_stubbed():
    stubbed = {n.name for n in stub_tree().body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    stubbed |= {t.id for n in stub_tree().body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    assert set(poleloc.__all__) - stubbed == set()
