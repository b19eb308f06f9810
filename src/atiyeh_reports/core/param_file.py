"""Reading a parameter file safely, and the limits of what its texts may hold.

A parameter file is YAML typed by a person: a key given twice (YAML would keep the second
silently), an alias (``*name``, refused before anything is expanded: an alias bomb), sections
nested too deep, a file too large, not UTF-8, or empty is a :class:`ParamsError` naming the line.
A text parameter is one line of at most so many characters, without control or invisible format
characters (ZWNJ and ZWJ excepted, Persian needs them); a path's parts fit a file system.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from atiyeh_reports.errors import ParamsError

MAX_PARAMS_BYTES = 1 << 20

#: How deep sections and lists may nest in a parameter file (the deepest real key is 3 levels).
MAX_DEPTH = 20


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML would keep the last).

    It also refuses, while the document is composed and before anything is expanded or walked,
    a YAML alias (``*name``: a parameter file has no use for one, and a few lines of nested
    aliases expand to billions of values) and nesting deeper than :data:`MAX_DEPTH` (20,000
    ``[`` would otherwise exhaust Python's recursion limit).
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark.line + 1,
                           f"a YAML alias (*{event.anchor}); parameter files use no anchors or aliases: "
                           "write the value out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark.line + 1,
                               f"sections or lists nested more than {MAX_DEPTH} deep; a parameter file "
                               "nests at most 3")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: yaml.Node) -> Any:
        _check_unique(node, ())
        return super().construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # 2024-13-45 as a date, a 5,000-digit number
            shown = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else node.tag
            why = "a number of more than 4,300 digits" if "digits" in str(exc) else str(exc)
            raise _Refused(node.start_mark.line + 1,
                           f"the value {shown!r} cannot be read ({why}); a Jalali date is written "
                           "1404/02/15, a number with at most 16 digits") from None


class _Refused(Exception):
    def __init__(self, line: int, what: str) -> None:
        super().__init__(line, what)
        self.line, self.what = line, what


def _check_unique(node: yaml.Node, path: tuple[str, ...]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(".".join((*path, key)), seen[key], line)
            seen[key] = line
            _check_unique(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_unique(item, (*path, str(i)))


class _DuplicateKey(Exception):
    def __init__(self, key: object, first: int, second: int) -> None:
        super().__init__(key, first, second)
        self.key, self.first, self.second = key, first, second


#: The longest programme name: a line, not a page. It goes into each letter's DOCX subject
#: («ابلاغ اعتبار «…» سال ۱۴۰۴», at most 255 characters in DOCX core properties) and titles.
MAX_NAME_CHARS = 200
#: A path in the parameter file: the usual PATH_MAX, and NAME_MAX bytes for each of its parts.
MAX_PATH_CHARS, MAX_PATH_PART_BYTES = 4096, 255
#: Lists of years or shares hold a handful of values.
MAX_LIST_ITEMS = 20
#: The two format characters Persian text needs (the half-space and its joiner); every other
#: format character (Unicode category Cf: direction overrides U+202A–U+202E, isolates
#: U+2066–U+2069, marks, soft hyphens) is refused in a parameter's text.
_KEPT_FORMAT = frozenset("\u200c\u200d")


def text_problem(value: str, *, limit: int, what: str = "text") -> str | None:
    """Why ``value`` cannot be one line of a document's text (``None`` when it can).

    Too long, a control character (a line break, a tab, NUL), a lone surrogate (a
    half of a UTF-16 pair: no file can store it) or an invisible format character
    (U+202E, a right-to-left override, makes a name display reversed).
    """
    if len(value) > limit:
        return f"{len(value):,} characters; {what} holds at most {limit:,} (one line): shorten it"
    for at, ch in enumerate(value, start=1):
        kind = unicodedata.category(ch)
        if kind == "Cs":
            return (f"character {at} is a lone surrogate (U+{ord(ch):04X}), which no file can store; "
                    "retype the text")
        if kind == "Cc":
            return (f"character {at} is a control character (U+{ord(ch):04X}); {what} is one line, "
                    "without line breaks, tabs or control characters")
        if kind == "Cf" and ch not in _KEPT_FORMAT:
            name = unicodedata.name(ch, "a format character")
            return (f"character {at} is an invisible format character (U+{ord(ch):04X} {name}), which can "
                    "make the text display reversed or hide it; delete it")
    return None


def _one_line(limit: int, what: str):  # noqa: ANN202 - a pydantic validator
    def check(value: Any) -> Any:
        if isinstance(value, str):
            problem = text_problem(value, limit=limit, what=what)
            if problem:
                raise ValueError(problem)
            if not value.strip():
                raise ValueError(f"{what} is empty")
        return value

    return check


def path_problem(value: str) -> str | None:
    """Why ``value`` cannot be a path in the parameter file (``None`` when it can)."""
    problem = text_problem(value, limit=MAX_PATH_CHARS, what="a path")
    if problem:
        return problem
    for part in value.replace("\\", "/").split("/"):
        try:
            size = len(part.encode("utf-8"))
        except UnicodeEncodeError:  # pragma: no cover - surrogates were refused above
            size = MAX_PATH_PART_BYTES + 1
        if size > MAX_PATH_PART_BYTES:
            return (f"the name {part[:40]!r}… is {size:,} bytes; a file or folder name holds at most "
                    f"{MAX_PATH_PART_BYTES} bytes")
    return None


def _a_path(value: Any) -> Any:
    if isinstance(value, (str, Path)):
        problem = path_problem(str(value))
        if problem:
            raise ValueError(problem)
    return value


def _read_yaml(path: Path) -> Any:
    """The file's YAML, or a :class:`ParamsError` saying why it is not a parameter file."""
    if path.is_dir():
        raise ParamsError(f"{path}: is a folder, not a parameter file; pass the .yaml file inside it")
    if path.exists() and not path.is_file():
        raise ParamsError(f"{path}: is not a regular file (a pipe or device?); pass a .yaml file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PARAMS_BYTES + 1)
    except FileNotFoundError:
        raise ParamsError(f"{path}: parameter file not found; copy params/1404.yaml and edit it") from None
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read the parameter file: {exc.strerror}") from None
    if len(data) > MAX_PARAMS_BYTES:
        raise ParamsError(f"{path}: is larger than {MAX_PARAMS_BYTES:,} bytes: not a parameter file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParamsError(
            f"{path}: line {line}: not UTF-8 text (byte {data[exc.start]:#04x}); save the file as UTF-8"
        ) from None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise ParamsError(f"{path}: the parameter file is empty; copy params/1404.yaml and edit it")
    try:
        return yaml.load(text.removeprefix("\ufeff"), Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader
    except _DuplicateKey as dup:
        raise ParamsError(
            f"{path}: key {dup.key!r} is given twice, on lines {dup.first} and {dup.second}; keep one"
        ) from None
    except _Refused as refused:
        raise ParamsError(f"{path}: line {refused.line}: {refused.what}") from None
    except RecursionError:  # a safety net: the depth limit above comes first
        raise ParamsError(f"{path}: sections or lists nested too deep; a parameter file nests at most 3") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    except (ValueError, OverflowError) as exc:  # a safety net: construct_object names the line first
        raise ParamsError(f"{path}: a value YAML cannot read ({type(exc).__name__}); check the dates "
                          "(a Jalali date is written 1404/02/15) and numbers") from None
