"""The fast parsers used for history give exactly what the safe loader gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from hyperloop_gitops.fielddiff import same
from hyperloop_gitops.snapshot import BlockParser, InvalidYaml, parse_yaml

REPO = Path(__file__).parents[2]
CASES = [
    b"name: x\nruns: [1, 2, 3]\nexclude: [01, 2]\nempty: []\n",
    b"# leading comment\n\nname: x   # trailing\nenabled:\n- dataset: a\n  tag: t\n"
    b"# between\nb: 2\n",
    b"---\nname: x\ny: 2\n",
    b"a: 1\na: 2\n",
    b"{a: 1,\n b: 2}\n",
    b'd: "x\ny: z"\n',
    b"k: [1,\n2]\nz: 1\n",
    b"",
    b"a: yes\nb: on\nc: 1:20\nd: 0x1F\ne: 1_000\nf: .inf\ng: 2026-11-20\nh: ~\ni: 1.5e3\nj: +1\n",
    b"on: 1\n",
    b"configuration:\n  dev:\n    x: 1\n    y: [1.5, 2]\n  other: {a: 1}\nz: 3\n",
    b"configuration:\n  dev:\n    x: 1\n# a comment less indented\n    y: 2\n",
    b"configuration:\n  dev:\n    text: |\n      line one\n        indented\n    after: 1\n",
    b"configuration:\n    dev:\n        x: 1\n\n        y: 2\n",
    b"a: &anchor {x: 1}\nb: *anchor\n",
    b"a: !!str 1\nb: 2\n",
    b"<<: {x: 1}\ny: 2\n",
    b"a: [1\n",
    b"a: 1\n---\nb: 2\n",
    b"%YAML 1.1\n---\na: 1\nb: 2\n",
    b"- 1\n- 2\n",
    b"just text\n",
    b"a: caf\xc3\xa9\nb: \xe9\n",
    b"a: 'quoted: yes'\nb: \"x\\ty\"\nc: x # comment\nd: =\n",
]


@pytest.mark.parametrize("content", CASES, ids=range(len(CASES)))
def test_block_parser_matches_the_safe_loader(content: bytes) -> None:
    parser = BlockParser()
    expected = parse_yaml(content)
    first, second = parser.parse(content), parser.parse(content)  # cold, then cached
    for got in (first, second):
        if isinstance(expected, InvalidYaml):
            assert isinstance(got, InvalidYaml)
        else:
            assert same(got, expected), (got, expected)


def test_every_configuration_file_of_the_repository() -> None:
    parser = BlockParser()
    files = sorted((REPO / "config").rglob("*.yaml")) + sorted(
        (REPO / "tests/resources").rglob("*.yaml")
    )
    assert len(files) > 20
    for file in files:
        content = file.read_bytes()
        expected = parse_yaml(content)
        got = parser.parse(content)
        assert type(got) is type(expected) and (
            isinstance(expected, InvalidYaml) or same(got, expected)
        ), file


def test_unchanged_blocks_are_shared_between_versions() -> None:
    parser = BlockParser()
    old = parser.parse(b"name: w\nconfiguration:\n  t:\n    a: 1\n    b: 2\nenabled: []\n")
    new = parser.parse(b"name: w\nconfiguration:\n  t:\n    a: 1\n    b: 3\nenabled: []\n")
    assert old["enabled"] is new["enabled"]
    assert old["configuration"] is not new["configuration"]
    assert new == {"name": "w", "configuration": {"t": {"a": 1, "b": 3}}, "enabled": []}
