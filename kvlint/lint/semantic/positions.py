"""Node positions without rendering the whole module again.

libcst keeps no token positions in its tree: its ``PositionProvider`` renders the whole module
(code generation of every node) to learn where each node is. Rules only ask where a few nodes
are (what they report, a call site a message names), so :class:`NodePositions` answers per
statement: CPython's ``ast`` (a C parse, a small fraction of the cost of a render) gives the
line each statement of the module starts on, and of each statement of a class or function
body, recursively; only the innermost such statement that holds the node asked about is
rendered, with the indentation of its blocks, and its positions are moved to that line.

The rendered statement is compared with the source's line table at that line: when it does not
match exactly (or ``ast`` cannot parse the source, or the two trees do not line up), the whole
module is rendered as before. Either way the positions are libcst's ``PositionProvider``'s
(tests/test_node_positions.py compares every node of real files).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator, Mapping
from typing import cast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

from kvlint.lint.semantic.syntax import node_positions

# libcst compound statements and the ast statements they are
_COMPOUND: dict[type, tuple[type, ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
    cst.Match: (getattr(ast, "Match", ast.If),),
}
if hasattr(cst, "TryStar") and hasattr(ast, "TryStar"):
    _COMPOUND[cst.TryStar] = (ast.TryStar,)
_SCOPES = (cst.FunctionDef, cst.ClassDef)

# A statement of a block: where it starts (line), the ast statement, the block's indentation.
_Start = tuple[int, ast.stmt, tuple[str, ...]]


class NodePositions(Mapping[cst.CSTNode, CodeRange]):
    """``PositionProvider``'s positions of ``module``'s nodes, computed statement by statement
    as they are asked for. ``parent`` maps each node to its parent (the Indexer's map)."""

    def __init__(
        self, module: cst.Module, source: str, parent: Mapping[cst.CSTNode, cst.CSTNode]
    ) -> None:
        self._module = module
        self._source = source
        self._parent = parent
        self._known: dict[cst.CSTNode, CodeRange] = {}
        self._full: Mapping[cst.CSTNode, CodeRange] | None = None
        self._tree: ast.Module | None = None
        self._lines: list[str] | None = None
        self._blocks: dict[cst.CSTNode, dict[cst.CSTNode, _Start] | None] = {}
        self._failed = False

    # -- Mapping ----------------------------------------------------------------------------
    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._known.get(node)
        if found is not None:
            return found
        if self._full is None and not self._failed and self._render_statement_of(node):
            found = self._known.get(node)
            if found is not None:
                return found
        return self._everything()[node]

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())

    def __contains__(self, node: object) -> bool:
        try:
            self[cast("cst.CSTNode", node)]
        except KeyError:
            return False
        return True

    def _everything(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self._full is None:
            self._full = node_positions(self._module)
            self._known.update(self._full)
        return self._full

    # -- one statement ----------------------------------------------------------------------
    def _render_statement_of(self, node: cst.CSTNode) -> bool:
        """Render the innermost mapped statement holding ``node``; False when there is none
        (or the source and the tree disagree: then only the whole module will do)."""
        chain = [node]
        parent = self._parent.get(node)
        while parent is not None:
            chain.append(parent)
            parent = self._parent.get(parent)
        module = self._module
        if chain[-1] is not module or len(chain) < 2:
            return False
        starts = self._block(module, None, ())
        i = len(chain) - 2  # chain[i] is a statement of the block chain[i + 1]
        while True:
            if starts is None:
                return False
            statement = chain[i]
            start = starts.get(statement)
            if start is None:
                return False
            line, tree, indents = start
            body = getattr(statement, "body", None)
            if (
                isinstance(statement, _SCOPES)
                and isinstance(body, cst.IndentedBlock)
                and i >= 2
                and chain[i - 1] is body
            ):
                indent = body.indent if body.indent is not None else module.default_indent
                starts = self._block(body, tree, (*indents, indent))
                i -= 2
                continue
            return self._render(statement, line, tree, indents)

    def _block(
        self, block: cst.CSTNode, tree: ast.stmt | None, indents: tuple[str, ...]
    ) -> dict[cst.CSTNode, _Start] | None:
        """Each statement of ``block`` (the module, or a def's or class's indented block) with
        the line its ``ast`` twin starts on; None when the two do not line up."""
        if block in self._blocks:
            return self._blocks[block]
        found: dict[cst.CSTNode, _Start] | None = None
        if tree is None:
            module = self._parse()
            body: list[ast.stmt] | None = module.body if module is not None else None
        else:
            body = getattr(tree, "body", None)
        statements = getattr(block, "body", ())
        if body is not None:
            found = {}
            k = 0
            for statement in statements:
                if k >= len(body):
                    found = None
                    break
                twin = body[k]
                if isinstance(statement, cst.SimpleStatementLine):
                    if isinstance(twin, _ALL_COMPOUND):
                        found = None
                        break
                    k += len(statement.body)
                else:
                    kinds = _COMPOUND.get(type(statement))
                    if kinds is None or not isinstance(twin, kinds):
                        found = None
                        break
                    k += 1
                found[statement] = (twin.lineno, twin, indents)
            if found is not None and k != len(body):
                found = None
        self._blocks[block] = found
        return found

    def _parse(self) -> ast.Module | None:
        if self._tree is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._tree = ast.parse(self._source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._failed = True
                return None
        return self._tree

    def _render(
        self, statement: cst.CSTNode, line: int, twin: ast.stmt, indents: tuple[str, ...]
    ) -> bool:
        """Render ``statement`` (which starts on ``line``) alone; False when the render is not
        the source's text there."""
        module = self._module
        provider = PositionProvider()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=provider,
        )
        state.indent_tokens = list(indents)
        # Start the render on the statement's first line (its comments and blank lines, then
        # decorators), so that its positions need no moving.
        first = line - len(getattr(statement, "leading_lines", ()))
        decorators = getattr(statement, "decorators", ())
        if decorators:
            listed = getattr(twin, "decorator_list", None)
            if listed:
                first = listed[0].lineno - len(statement.leading_lines)  # type: ignore[attr-defined]
                first -= len(decorators[0].leading_lines)
        state.line = max(first, 1)
        statement._codegen(state)
        # the codegen state stores plain CodeRanges (LazyValue only comes from other providers)
        computed = cast("dict[cst.CSTNode, CodeRange]", provider._computed)
        own = computed.get(statement)
        if own is None:
            self._failed = True
            return False
        shift = line - own.start.line  # 0 unless a decorator's ``@`` ends with a backslash
        start = max(first, 1) + shift  # the source line the render's first line is
        rendered = NEWLINE_RE.split("".join(state.tokens))
        if self._lines is None:
            self._lines = NEWLINE_RE.split(self._source)
        at = start - 1
        if (
            at < 0
            or rendered[-1] != ""
            or self._lines[at : at + len(rendered) - 1] != rendered[:-1]
        ):
            self._failed = True  # the tree is not this source's: render the whole module
            return False
        known = self._known
        if shift == 0:
            known.update(computed)
        else:
            for key, where in computed.items():
                begin, end = where.start, where.end
                known[key] = CodeRange(
                    CodePosition(begin.line + shift, begin.column),
                    CodePosition(end.line + shift, end.column),
                )
        return True


_ALL_COMPOUND: tuple[type, ...] = tuple(kind for kinds in _COMPOUND.values() for kind in kinds)
