"""The suite's own guards work: the network is blocked, loopback is not, and the domain stays pure."""

import ast
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import NetworkBlocked

DOMAIN = Path(__file__).resolve().parents[1] / "enrich" / "domain"


def test_sockets_beyond_loopback_are_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlocked):
        sock.connect(("93.184.216.34", 80))


def test_loopback_is_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_only_the_standard_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or name.startswith("enrich.domain") or top == "__future__", (
                f"{path.name} imports {name}")


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The enrich modules that `name` (at `path`) imports anywhere in it, function bodies included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + [node.module] if node.module else base)
            # `from enrich.jobs import tasks` imports the module enrich.jobs.tasks; `import status` the package.
            found |= {f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                      for alias in node.names}
    return (found & modules) - {name}


def test_enrich_has_no_import_cycle():
    # A cycle hides in a function-level import until the day someone moves it to the top; the layers import one way.
    root = DOMAIN.parent
    paths = {".".join(p.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): p
             for p in root.rglob("*.py")}
    graph = {name: _imports(path, name, set(paths)) for name, path in paths.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(name):], name]))
        if name not in done:
            for imported in sorted(graph[name]):
                visit(imported, [*trail, name])
            done.add(name)

    for name in sorted(graph):
        visit(name, [])
