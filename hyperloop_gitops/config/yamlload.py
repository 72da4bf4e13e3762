"""Safe YAML loading with limits, and positions computed only when needed.

Every file is parsed by libyaml (``yaml.CSafeLoader``) into plain values: no Python tags, no
arbitrary objects. Duplicate keys, oversized files, alias bombs, bad encodings and empty files
become diagnostics with a position. Positions of *other* findings are resolved afterwards from
a key path by :class:`PositionIndex`, which composes a file's nodes only when that file has a
finding (docs/architecture.md, decision 1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml

from hyperloop_gitops.diagnostics import Diagnostic, KeyPath

MAX_FILE_BYTES = 1024 * 1024
"""A configuration file larger than this is refused unread (1 MiB)."""

MAX_EXPANDED_NODES = 100_000
"""Aliases may not expand a document beyond this many nodes ("billion laughs")."""

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_MERGE, _SEQ, _MAP = _TAG + "merge", _TAG + "seq", _TAG + "map"
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type, misc]
    """libyaml's parser, the safe constructors for rare scalars, and the findings on keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.findings: list[tuple[int, int, str]] = []

    # libyaml asks Python for the tag of every node; these answer the same, faster (the
    # implicit tag of a plain scalar depends on its text only, and there are no path
    # resolvers), which keeps validation close to the bare parse in cost.
    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                tag = _RESOLVED.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(_RESOLVED) < 100_000:
                        _RESOLVED[value] = tag
                return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_RESOLVED: dict[str, str] = {}


def _refuse(loader: _Loader, node: yaml.Node) -> NoReturn:
    raise yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
    )


# Plain YAML only: sets, binary blobs and ordered pairs have no place in configuration, and
# would reach the model as Python objects no message can name.
for _tag in ("set", "binary", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})\Z")
_PLAIN_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})?\.[0-9]{1,17}\Z")
_SCALAR_ERRORS = (ValueError, OverflowError, TypeError, AttributeError)


def _merged(key_node: yaml.Node, node: yaml.MappingNode, merged: int) -> bool:
    return any(k is key_node for k, _ in node.value[:merged])


class _Builder:
    """Python values from composed nodes, faster than PyYAML's constructor.

    Parsing is libyaml's; construction is ours: the common scalars (text, small numbers,
    booleans, null) are converted directly, anything else goes to the safe constructors. Keys
    are checked on the way (duplicates, non-text keys). Aliases share one value, as in PyYAML.
    """

    def __init__(self, loader: _Loader, *, merges: bool, aliases: bool) -> None:
        self.loader = loader
        self.merges = merges
        self.memo: dict[int, Any] | None = {} if aliases else None
        self.findings = loader.findings

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        memo = self.memo
        if memo is not None:
            known = memo.get(id(node), memo)
            if known is not memo:
                return known
        value: Any
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, "seq")
            value = []
            if memo is not None:
                memo[id(node)] = value
            value.extend(self.build(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            self.check_tag(node, "map")
            value = {}
            if memo is not None:
                memo[id(node)] = value
            self.mapping(node, value)
        else:
            _refuse(self.loader, node)
        return value

    def check_tag(self, node: yaml.Node, kind: str) -> None:
        if node.tag != _TAG + kind:
            _refuse(self.loader, node)

    def mapping(self, node: yaml.MappingNode, out: dict[str, Any]) -> None:
        merged = 0
        if self.merges:
            own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
            self.loader.flatten_mapping(node)
            merged = len(node.value) - own
        lines: dict[str, yaml.Node] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if key_node.tag == _STR and isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            else:
                found = self.build(key_node)
                if not isinstance(found, str):
                    mark = key_node.start_mark
                    self.findings.append(
                        (mark.line + 1, mark.column + 1, _key_message(found, key_node))
                    )
                    if not isinstance(key_node, yaml.ScalarNode):
                        continue  # a list or mapping as a key: reported; nothing to name it by
                    found = key_node.value
                key = found
            if (
                index >= merged
                and key in lines
                and lines[key] is not key_node
                and _merged(lines[key], node, merged)
            ):
                del lines[key]  # a key of the mapping itself overrides a merged one
            if key in out and key in lines:
                mark = key_node.start_mark
                first = lines[key].start_mark.line + 1
                self.findings.append(
                    (
                        mark.line + 1,
                        mark.column + 1,
                        f"duplicate key '{key}' (first defined at line {first})",
                    )
                )
                continue
            lines[key] = key_node
            out[key] = self.build(value_node)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == _STR:
            return value
        if tag == _INT and _PLAIN_INT.match(value):
            return int(value)
        if tag == _FLOAT and _PLAIN_FLOAT.match(value):
            return float(value)
        if tag == _BOOL:
            return self.loader.bool_values[value.lower()]
        if tag == _NULL:
            return None
        constructor = self.loader.yaml_constructors.get(tag)
        if constructor is None or tag == _MERGE:
            _refuse(self.loader, node)
        try:
            return constructor(self.loader, node)
        except _SCALAR_ERRORS as exc:
            what = {_INT: "a whole number", _FLOAT: "a number"}.get(tag, "a date")
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {value!r} as {what}: {exc}", node.start_mark
            ) from None


def _key_message(key: object, node: yaml.Node) -> str:
    written = node.value if isinstance(node, yaml.ScalarNode) else ""
    if isinstance(key, bool):
        found = f"the boolean {str(key).lower()}"
        if written.lower() not in ("true", "false"):
            found += f" (YAML reads '{written}' as a boolean)"
    elif isinstance(key, int | float):
        found = f"the number {key}"
    elif isinstance(node, yaml.ScalarNode):
        found = f"{type(key).__name__} {written!r}"
    else:
        found = "a list or mapping"
    quoted = f"; quote it if it is a name: '{written}'" if written else ""
    return f"expected a text key, found {found}{quoted}"


@dataclass(frozen=True)
class Parsed:
    """One file's content (``None`` when it could not be read) and what went wrong reading it."""

    data: Any
    text: str
    diagnostics: tuple[Diagnostic, ...]


def _error(file: str, line: int, column: int, message: str, code: str) -> Diagnostic:
    return Diagnostic(file, line, column, "error", printable(message), code=code)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control and bidi characters escaped, so a finding stays one honest line."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _decode(file: str, raw: bytes) -> tuple[str | None, Diagnostic | None]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, _error(
            file,
            1,
            1,
            "the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8",
            "encoding",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        byte = raw[exc.start]
        return None, _error(
            file,
            line,
            column,
            f"the file is not UTF-8 text: byte 0x{byte:02x} cannot be decoded; save it as UTF-8",
            "encoding",
        )
    return text.removeprefix("\ufeff"), None


def _expanded_size(node: yaml.Node, memo: dict[int, int], limit: int) -> int:
    """Nodes the document would have with every alias expanded (memoized, so linear)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = 1  # a recursive alias counts once instead of looping
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, limit)
            if size > limit:
                break
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, memo, limit) + _expanded_size(value, memo, limit)
            if size > limit:
                break
    memo[id(node)] = size
    return size


def _mark_of(exc: yaml.MarkedYAMLError) -> tuple[int, int]:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def _yaml_error_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "invalid YAML"
    if isinstance(exc, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = problem.split("tag", 1)[1].strip().strip("'").replace("tag:yaml.org,2002:", "!!")
        return (
            f"unsupported YAML tag {tag}: only plain YAML (mappings, lists, text, numbers, "
            "booleans, dates) is allowed"
        )
    if problem == "but found another document":
        return "invalid YAML: a second document ('---'); a configuration file holds one document"
    mark = exc.problem_mark
    if problem == "found undefined alias" and mark is not None:
        line = text.split("\n")[mark.line] if mark.line < len(text.split("\n")) else ""
        name = re.match(r"\*([^\s,\[\]{}]+)", line[mark.column :])
        if name:
            return (
                f"invalid YAML: alias '*{name.group(1)}' is not defined; an alias repeats a "
                f"value marked '&{name.group(1)}' earlier in the same file"
            )
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        return "invalid YAML: a tab character; YAML indents with spaces only"
    if problem.startswith("mapping values are not allowed"):
        return (
            "invalid YAML: a ':' where no new key can start; check the indentation, or quote a "
            "value that contains ': '"
        )
    context = exc.context or ""
    start = exc.context_mark
    if context and start is not None and mark is not None and start.line != mark.line:
        context += f" that starts at line {start.line + 1}, column {start.column + 1}"
    return f"invalid YAML: {problem} ({context})" if context else f"invalid YAML: {problem}"


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _reader_error(file: str, text: str) -> Diagnostic:
    """libyaml refuses control characters; say where the first one is."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return _error(file, 1, 1, "invalid YAML: the file holds characters YAML forbids", "yaml")
    before = text[: found.start()]
    line = before.count("\n") + 1
    column = found.start() - (before.rfind("\n") + 1) + 1
    return _error(
        file,
        line,
        column,
        f"invalid YAML: the control character U+{ord(found.group()):04X} is not allowed; "
        'remove it (write it as an escape such as "\\t" inside double quotes if needed)',
        "yaml",
    )


def parse(file: str, raw: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    """Parse one file's bytes. ``file`` is the repository-relative name used in diagnostics."""
    if len(raw) > max_bytes:
        return Parsed(
            None,
            "",
            (
                _error(
                    file,
                    0,
                    0,
                    f"the file is {len(raw):,} bytes; configuration files may be at most "
                    f"{max_bytes:,} bytes",
                    "too-large",
                ),
            ),
        )
    text, problem = _decode(file, raw)
    if text is None:
        assert problem is not None
        return Parsed(None, "", (problem,))
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and "&" in text:
            size = _expanded_size(node, {}, MAX_EXPANDED_NODES)
            if size > MAX_EXPANDED_NODES:
                line, column = _first_alias(text)
                return Parsed(
                    None,
                    text,
                    (
                        _error(
                            file,
                            line,
                            column,
                            "aliases expand this document to more than "
                            f"{MAX_EXPANDED_NODES:,} values (an alias bomb?); use fewer aliases",
                            "alias-bomb",
                        ),
                    ),
                )
        builder = _Builder(loader, merges="<<" in text, aliases="&" in text)
        data = builder.build(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line, column = _mark_of(exc)
        message = _yaml_error_message(exc, text)
        return Parsed(None, text, (_error(file, line, column, message, "yaml"),))
    except yaml.reader.ReaderError:
        return Parsed(None, text, (_reader_error(file, text),))
    except yaml.YAMLError as exc:
        return Parsed(None, text, (_error(file, 1, 1, f"invalid YAML: {exc}", "yaml"),))
    except RecursionError:
        return Parsed(
            None, text, (_error(file, 1, 1, "the document is nested too deeply", "yaml"),)
        )
    finally:
        loader.dispose()
    diagnostics = tuple(
        _error(file, line, column, message, "duplicate-key" if "duplicate" in message else "key")
        for line, column, message in loader.findings
    )
    if data is None:
        return Parsed(
            None,
            text,
            (
                *diagnostics,
                _error(file, 0, 0, "the file is empty; expected a mapping of keys", "empty"),
            ),
        )
    return Parsed(data, text, diagnostics)


def _first_alias(text: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), start=1):
        index = line.find("*")
        if index >= 0:
            return number, index + 1
    return 1, 1


class PositionIndex:
    """Turns ``(file, key path)`` into ``(line, column)``, composing only files asked about."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts
        self._nodes: dict[str, yaml.Node | None] = {}

    def locate(self, file: str, path: KeyPath, *, at_key: bool = False) -> tuple[int, int]:
        """The position of the value at ``path`` (or of its key), or of the deepest parent found."""
        node = self._root(file)
        if node is None:
            return (0, 0) if file not in self._texts else (1, 1)
        for index, part in enumerate(path):
            last = index == len(path) - 1
            child, key_node = _child(node, part)
            if child is None:
                break
            if last and at_key and key_node is not None:
                node = key_node
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _root(self, file: str) -> yaml.Node | None:
        if file not in self._nodes:
            text = self._texts.get(file)
            try:
                self._nodes[file] = (
                    yaml.compose(text, Loader=_BaseLoader) if text is not None else None
                )
            except yaml.YAMLError:
                self._nodes[file] = None
        return self._nodes[file]


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                return value_node, key_node
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        item: yaml.Node = node.value[part]
        return item, None
    return None, None


def resolve(
    index: PositionIndex,
    file: str,
    path: KeyPath,
    message: str,
    *,
    severity: str = "error",
    code: str = "",
    at_key: bool = False,
) -> Diagnostic:
    """A diagnostic at the position of ``path`` in ``file``."""
    line, column = index.locate(file, path, at_key=at_key)
    return Diagnostic(
        file,
        line,
        column,
        "warning" if severity == "warning" else "error",
        printable(message),
        key_path=tuple(printable(p) if isinstance(p, str) else p for p in path),
        code=code,
    )


def suggest(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` when a close choice exists, else ``""``."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
