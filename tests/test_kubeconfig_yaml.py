"""Writing entries never changes what kubectl reads elsewhere in the file, nor its bytes.

The real kubectl reads each file before and after our write; everything but
our entries must read the same, and the bytes around our entries stay as they were.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eks_token.aws.eks import EksCluster
from eks_token.kubeconfig.entries import build_entries
from eks_token.kubeconfig.update import UpdateResult, write_cluster_entries
from eks_token.kubeconfig.yaml_compat import dump_yaml, load_yaml
from tests.kubeconfig_helpers import MOTO_ACCOUNT
from tests.support.kube import Kubectl

# kubectl runs the entries written here: eks-token is on PATH, as after activating the venv.
pytestmark = pytest.mark.usefixtures("eks_token_on_path")

ARN = f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/prod"
CLUSTER = EksCluster.from_description(
    {
        "name": "prod",
        "arn": ARN,
        "status": "ACTIVE",
        "endpoint": "https://prod.example",
        "certificateAuthority": {"data": "Q0E="},
    },
    "us-west-2",
)

# Every scalar here means one thing to YAML 1.1 (PyYAML) and another to kubectl, or is a
# comment, an anchor or an alias that a load-and-dump round trip loses or rewrites.
AMBIGUOUS = """\
# Managed by hand. Do not reorder.
apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: other   # the old one
  cluster:
    server: https://other.example:6443
    extensions:
    - name: schedule
      extension: &shared
        window: 12:30
        octal: 0o17
        legacy-octal: 017
        flags: [yes, on, off]
        since: 2026-01-01
        at: 2026-01-01T10:00:00Z
        big: 1e3
        nothing: ~
        text: ".inf"
        under: 1_000
# keep this comment between entries
- name: second
  cluster:
    server: https://second.example
    tls-server-name: 12:30
users:
  - name: other
    user:
      token: "0o17"
contexts:
- name: other
  context: {cluster: other, user: other, namespace: 12:30}  # flow inside block
- name: copy
  context:
    cluster: second
    user: other
    namespace: 2026-01-01
    extensions:
    - name: same
      extension: *shared
current-context: other   # where we were
# trailing comment
"""


def kubectl_view(kubectl: Kubectl, path: Path) -> dict[str, Any]:
    result = kubectl.run(path, "config", "view", "-o", "json", "--raw")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def without(view: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The view without our entries and without current-context."""
    rest = {k: v for k, v in view.items() if k != "current-context"}
    for section in ("clusters", "users", "contexts"):
        rest[section] = [item for item in rest.get(section) or [] if item["name"] not in names]
    return rest


def named(view: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in view[section] if item["name"] == name)
    return found


def write(path: Path, **options: Any) -> UpdateResult:
    entries = build_entries(CLUSTER, **options)
    return write_cluster_entries(CLUSTER, entries, path)


def assert_subsequence(kept: list[str], lines: list[str]) -> None:
    """Every line of ``kept`` but current-context's appears in ``lines``, in order."""
    position = 0
    for line in kept:
        if line.startswith("current-context:"):
            continue
        while position < len(lines) and lines[position] != line:
            position += 1
        assert position < len(lines), f"line lost or moved: {line!r}"
        position += 1


def test_kubectl_reads_everything_else_the_same_and_the_bytes_stay(
    tmp_path: Path, kubectl: Kubectl
) -> None:
    path = tmp_path / "kc"
    path.write_text(AMBIGUOUS)
    before = kubectl_view(kubectl, path)
    assert named(before, "contexts", "other")["context"]["namespace"] == "12:30"
    result = write(path, alias="12:30")
    assert (result.warnings, result.written, result.rewritten) == ([], True, False)
    after = kubectl_view(kubectl, path)
    assert without(after, {ARN, "12:30"}) == without(before, set())
    assert after["current-context"] == "12:30"
    assert named(after, "contexts", "12:30")["context"] == {"cluster": ARN, "user": ARN}
    text = path.read_text()
    assert_subsequence(AMBIGUOUS.splitlines(), text.splitlines())
    assert text.endswith("current-context: '12:30'   # where we were\n# trailing comment\n")
    # A second write replaces our entries in place and changes nothing else.
    again = write(path, alias="12:30", role_arn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/admin")
    assert not again.rewritten
    assert "replaced user " + ARN in again.changes
    final = kubectl_view(kubectl, path)
    assert without(final, {ARN, "12:30"}) == without(before, set())
    assert named(final, "users", ARN)["user"]["exec"]["args"][-2:] == [
        "-r",
        f"arn:aws:iam::{MOTO_ACCOUNT}:role/admin",
    ]
    assert_subsequence(AMBIGUOUS.splitlines(), path.read_text().splitlines())


def test_an_existing_entry_is_replaced_where_it_stands(tmp_path: Path, kubectl: Kubectl) -> None:
    original = AMBIGUOUS.replace("- name: second\n", f"- name: {ARN}\n").replace(
        "cluster: second", f"cluster: {ARN}"
    )
    path = tmp_path / "kc"
    path.write_text(original)
    before = kubectl_view(kubectl, path)
    assert not write(path).rewritten
    after = kubectl_view(kubectl, path)
    assert without(after, {ARN}) == without(before, {ARN})
    assert [c["name"] for c in after["clusters"]] == sorted(["other", ARN])
    assert named(after, "clusters", ARN)["cluster"] == {
        "server": "https://prod.example",
        "certificate-authority-data": "Q0E=",
    }
    old_entry = {"    server: https://second.example", "    tls-server-name: 12:30"}
    kept = [line for line in original.splitlines() if line not in old_entry]
    assert_subsequence(kept, path.read_text().splitlines())
    assert "# keep this comment between entries" in path.read_text()


@pytest.mark.parametrize(
    ("layout", "expected_start"),
    [
        ("apiVersion: v1\nkind: Config\n", "apiVersion: v1\nkind: Config\nclusters:\n- name: "),
        ("apiVersion: v1\nclusters:\nusers: []\ncontexts: null\n", "apiVersion: v1\nclusters:\n-"),
        ("apiVersion: v1\r\nkind: Config # crlf\r\n", "apiVersion: v1\r\nkind: Config # crlf\r\n"),
        ("apiVersion: v1\nkind: Config", "apiVersion: v1\nkind: Config\nclusters:"),
        ("# only a comment\n", "# only a comment\n"),
        ("", "apiVersion: v1\n"),
        ("  apiVersion: v1\n  kind: Config\n", "  apiVersion: v1\n  kind: Config\n  clusters:\n"),
        ("---\napiVersion: v1\n...\n", "---\napiVersion: v1\nkind: Config\nclusters:\n"),
    ],
)
def test_layouts_edited_in_place(
    tmp_path: Path, kubectl: Kubectl, layout: str, expected_start: str
) -> None:
    path = tmp_path / "kc"
    path.write_bytes(layout.encode())
    result = write(path)
    assert (result.warnings, result.rewritten) == ([], False)
    text = path.read_bytes().decode()
    assert text.startswith(expected_start)
    view = kubectl_view(kubectl, path)
    assert view["current-context"] == ARN
    assert [c["name"] for c in view["clusters"]] == [ARN]
    if "\r\n" in layout:
        assert "\n" not in text.replace("\r\n", "")


# Plain scalars go-yaml v2 (kubectl) reads as numbers, booleans or null, or keeps as strings,
# where YAML 1.1 readers may read them otherwise: underscores are dropped before a scalar
# starting with a sign or digit is read as a number; one starting with a dot is a Go float.
GO_YAML_SCALARS = (
    "1_",
    "1__0",
    "1.5_0",
    "1_e3",
    "-_1",
    "+_1",
    "_1",
    "0_17",
    "0x_1F",
    "0b1_0",
    "._5",
    "-_",
    "_",
    "1_000",
    "0o1_7",
    "1e3",
    "0o17",
    "12:30",
    "2026-01-01",
    "y",
    "n",
    "on",
    "99999999999999999999",
    "1_2.5e_3",
    "0_8",
    "08",
    "0.1_",
    "1e",
    "1.",
    "+.5",
    "0b",
    "-0b11",
    "0x",
    "+0x1",
    "9223372036854775808",
    "1_e+3",
    "1e_3",
    "0_x1",
    "-0b1_1",
    "0B1",
    "-0x1_0",
    "1_._5",
    "_.5",
    "._",
    ".1e1_0",
    "0o",
    "0o8",
    "-0o7",
    "+0b1",
    "0X1F",
    "1E3",
    "-.5",
    "+1_",
    "0_",
    "00",
    "-0",
    "0b-1",
    "0b+1",
    "-0b-1",
    "1e999",
    ".1e999",
    "1e-999",
    ".1_5",
    ".1__5",
    ".1_e5",
    ".5e_1",
    ".5e1_",
    "+_",
    "+",
    "0b2",
    "9223372036854775807",
    "-9223372036854775808",
    "0x8000000000000000",
    "0xFFFFFFFFFFFFFFFF",
    "0x10000000000000000",
    "-0x8000000000000001",
    "-.5_5",
    "0b_1",
    "+0b1_",
    "__1",
    "1__",
    "~",
    "null",
    "Null",
    "yes",
    "No",
    "OFF",
    "True",
)


def extension_values(view: dict[str, Any]) -> list[Any]:
    values: list[Any] = view["extensions"][0]["extension"]["values"]
    return values


def test_scalars_are_read_as_kubectl_reads_them(tmp_path: Path, kubectl: Kubectl) -> None:
    path = tmp_path / "kc"
    path.write_text(
        "apiVersion: v1\nkind: Config\nextensions:\n- name: probe\n  extension:\n"
        f"    values: [{', '.join(GO_YAML_SCALARS)}]\n"
    )
    theirs = extension_values(kubectl_view(kubectl, path))
    ours = load_yaml(path.read_text())["extensions"][0]["extension"]["values"]
    assert len(ours) == len(theirs) == len(GO_YAML_SCALARS)
    for scalar, mine, kubectls in zip(GO_YAML_SCALARS, ours, theirs, strict=True):
        # kubectl prints numbers as JSON: compare as float64, and strings and booleans exactly.
        if isinstance(kubectls, (int, float)) and not isinstance(kubectls, bool):
            assert isinstance(mine, (int, float)), scalar
            assert not isinstance(mine, bool), scalar
            assert float(mine) == float(kubectls), scalar
        else:
            assert mine == kubectls, scalar
            assert type(mine) is type(kubectls), scalar


def test_strings_that_kubectl_would_read_as_numbers_are_written_quoted(
    tmp_path: Path, kubectl: Kubectl
) -> None:
    strings = [*GO_YAML_SCALARS, "1_e3", "-_1", "+_1", "1.5_0", "1__0", "0_x1", "0b-1"]
    path = tmp_path / "kc"
    document: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    document["extensions"] = [{"name": "probe", "extension": {"values": strings}}]
    for flow in (False, True):
        path.write_text(dump_yaml(document, flow=flow))
        assert extension_values(kubectl_view(kubectl, path)) == strings
        assert yaml.safe_load(path.read_text())["extensions"][0]["extension"]["values"] == strings


FLOW_FILE = """\
# Flow style, commented.
{apiVersion: v1, kind: Config,  # the kind
 clusters: [{name: a, cluster: {server: 'https://a', extensions: [{name: probe, extension: {
   values: [%s]}}]}}],  # one cluster
 users: [
   {name: a, user: {token: t}},  # static token
 ],
 contexts: [{name: a, context: {cluster: a, user: a, namespace: "1_e3"}}],
 current-context: a}  # where we were
# the end
"""


def changed_spans(before: str, after: str) -> list[str]:
    """What of ``before`` was deleted or replaced to make ``after``."""
    import difflib

    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    operations = matcher.get_opcodes()
    return [before[i1:i2] for op, i1, i2, _, _ in operations if op in ("replace", "delete")]


def test_flow_style_files_are_edited_in_place_keeping_values_and_comments(
    tmp_path: Path, kubectl: Kubectl
) -> None:
    numerals = ", ".join(GO_YAML_SCALARS)
    original = FLOW_FILE % numerals
    path = tmp_path / "kc"
    path.write_text(original)
    before = kubectl_view(kubectl, path)
    result = write(path)
    assert (result.warnings, result.rewritten) == ([], False)
    after = kubectl_view(kubectl, path)
    assert without(after, {ARN}) == without(before, set())
    assert after["current-context"] == ARN
    assert named(after, "users", ARN)["user"]["exec"]["command"] == "eks-token"
    text = path.read_text()
    # Only our entries were added and current-context's value replaced: nothing else changed.
    moved = original.replace("current-context: a}", f"current-context: '{ARN}'}}")
    assert changed_spans(moved, text) == []
    for comment in ("# Flow style, commented.", "# the kind", "# one cluster", "# static token"):
        assert comment in text
    assert text.endswith("}  # where we were\n# the end\n")
    # A second write with another role replaces our user where it stands, in flow style.
    again = write(path, role_arn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/admin")
    assert (again.warnings, again.rewritten) == ([], False)
    final = kubectl_view(kubectl, path)
    assert without(final, {ARN}) == without(before, set())
    assert named(final, "users", ARN)["user"]["exec"]["args"][-1].endswith(":role/admin")
    assert "# static token" in path.read_text()


@pytest.mark.parametrize(
    "layout",
    [
        "apiVersion: v1\nclusters: [{name: a, cluster: {server: 'https://a'}}]  # c\n"
        "users: [\n  {name: a, user: {token: t}},  # u\n]\ncontexts: []\ncurrent-context: a\n",
        "{apiVersion: v1, kind: Config}  # bare\n",
        "{apiVersion: v1, clusters: , users: null, contexts: [], current-context: }  # empties\n",
        "{\n  apiVersion: v1,  # v\n  users: [{name: a, user: {token: t}}, ],\n"
        '  current-context: "a",\n}\n# after\n',
        "apiVersion: v1\r\nusers: [{name: a, user: {token: t}}]  # crlf\r\n",
        "  kind: Config\n  contexts: [{name: a, context: {cluster: a, user: a}}]  # indented\n",
    ],
    ids=["block-root", "flow-root", "flow-empties", "multi-line", "crlf", "indented"],
)
def test_flow_layouts_edited_in_place_read_by_kubectl(
    tmp_path: Path, kubectl: Kubectl, layout: str
) -> None:
    path = tmp_path / "kc"
    path.write_bytes(layout.encode())
    before = kubectl_view(kubectl, path)
    result = write(path)
    assert (result.warnings, result.rewritten) == ([], False)
    after = kubectl_view(kubectl, path)
    assert without(after, {ARN}) == without(before, set())
    assert after["current-context"] == ARN
    for section in ("clusters", "users", "contexts"):
        assert ARN in [item["name"] for item in after[section]]
    text = path.read_bytes().decode()
    for line in layout.splitlines():
        if "#" in line:
            assert line[line.index("#") :] in text


def test_flow_style_files_keep_every_ambiguous_value(tmp_path: Path, kubectl: Kubectl) -> None:
    namespaces = ["12:30", "0o17", "017", "yes", "on", "y", "2026-01-01", "1e3", "~", ".inf"]
    contexts = ", ".join(
        f'{{name: c{i}, context: {{cluster: a, user: a, namespace: "{ns}"}}}}'
        for i, ns in enumerate(namespaces)
    )
    original = (
        "# a comment that is kept\n"
        "{apiVersion: v1, kind: Config, clusters: [{name: a, cluster: {server: 'https://a'}}],"
        f" users: [{{name: a, user: {{token: t}}}}], contexts: [{contexts}]}}\n"
    )
    path = tmp_path / "kc"
    path.write_text(original)
    before = kubectl_view(kubectl, path)
    result = write(path)
    assert (result.warnings, result.rewritten) == ([], False)
    after = kubectl_view(kubectl, path)
    assert without(after, {ARN}) == without(before, set())
    assert path.read_text().startswith("# a comment that is kept\n")
    # YAML 1.1 readers (PyYAML) read the same strings too.
    contexts_read = yaml.safe_load(path.read_text())["contexts"]
    assert [c["context"].get("namespace") for c in contexts_read][:-1] == namespaces


def test_a_file_rewritten_whole_keeps_every_value_as_kubectl_reads_it(
    tmp_path: Path, kubectl: Kubectl
) -> None:
    """An anchor on a list that changes cannot be edited in place: the rewrite must still
    leave every other value as kubectl read it (underscore numerals included)."""
    numerals = ", ".join(GO_YAML_SCALARS)
    original = (
        "apiVersion: v1\nkind: Config\n"
        f"extensions: [{{name: probe, extension: {{values: [{numerals}]}}}}]\n"
        "clusters: &all [{name: a, cluster: {server: 'https://a'}}]\n"
        "users: [{name: a, user: {token: t}}]\n"
        "contexts: [{name: a, context: {cluster: a, user: a, namespace: 1_e3x}}]\n"
    )
    path = tmp_path / "kc"
    path.write_text(original)
    before = kubectl_view(kubectl, path)
    result = write(path)
    assert result.rewritten
    after = kubectl_view(kubectl, path)
    assert without(after, {ARN}) == without(before, set())
    assert extension_values(after) == extension_values(before)


def test_the_dumper_quotes_what_any_reader_could_take_for_another_type() -> None:
    values = ["12:30", "0o17", "017", "019", "0x1F", "1_000", "yes", "Y", "n", "off", "~", "null"]
    values += ["", "2026-01-01", "2026-01-01T10:00:00Z", "1e3", ".inf", "-.Inf", ".nan", "=", "<<"]
    values += ["1_e3", "-_1", "+_1", "1_", "1.5_0", "0_x1", "0b-1", ".1_5"]
    text = dump_yaml({"values": values})
    assert yaml.safe_load(text)["values"] == values
    assert load_yaml(text)["values"] == values


# --- any block-style file is edited in place --------------------------------------------------

NAMES = st.sampled_from(["a", "b", ARN, "12:30", "yes", "x y"])
COMMENT = st.sampled_from(["", "  # c", " #"])


class _IndentedDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


@st.composite
def block_files(draw: st.DrawFn) -> str:
    """Block-style kubeconfig text in varied layouts, with comments at line ends."""
    document = draw(documents())
    dumper = draw(st.sampled_from([yaml.SafeDumper, _IndentedDumper]))
    text: str = yaml.dump(document, Dumper=dumper, sort_keys=False, default_flow_style=False)
    lines = []
    for line in text.splitlines():
        lines.append(line + draw(COMMENT) if line.strip() else line)
        if draw(st.integers(0, 5)) == 0:
            lines.append(" " * draw(st.integers(0, 6)) + f"# note {len(lines)}")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline if text.strip() != "{}" else "# empty\n"


@st.composite
def flow_files(draw: st.DrawFn) -> str:
    """Kubeconfig text whose collections are in flow style (all, or all but the root),
    on one line or wrapped, with comments where a line ends after a complete item."""
    document = draw(documents())
    style = draw(st.sampled_from([True, None]))
    width = draw(st.sampled_from([10**6, 30]))
    text: str = yaml.dump(
        document, Dumper=yaml.SafeDumper, sort_keys=False, default_flow_style=style, width=width
    )
    lines = []
    for line in text.splitlines():
        ends_item = line.rstrip().endswith((",", "[", "{", "]", "}"))
        lines.append(line + draw(COMMENT) if ends_item else line)
    return "# flow\n" + "\n".join(lines) + "\n"


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {}
    keys = draw(st.permutations(["apiVersion", "kind", "clusters", "users", "contexts", "current"]))
    for key in keys:
        if key in ("apiVersion", "kind") and draw(st.booleans()):
            document[key] = "v1" if key == "apiVersion" else "Config"
        elif key == "current":
            choice = draw(st.sampled_from([None, "", "a", ARN]))
            if choice is not None:
                document["current-context"] = choice
        elif key in ("clusters", "users", "contexts"):
            shape = draw(st.sampled_from(["absent", "null", "empty", "items"]))
            if shape == "null":
                document[key] = None
            elif shape == "empty":
                document[key] = []
            elif shape == "items":
                body = key[:-1]
                names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
                items = []
                for name in names:
                    value = {"server": "https://s"} if body == "cluster" else {"k": "12:30"}
                    item = {body: value, "name": name}
                    items.append(item if draw(st.booleans()) else dict(reversed(item.items())))
                document[key] = items
    return document


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=block_files())
def test_block_files_are_edited_in_place(text: str) -> None:
    from eks_token.kubeconfig.files import parse_document
    from eks_token.kubeconfig.splice import splice_entries

    document = parse_document(text, Path("kc"))
    result = splice_entries(text, document, build_entries(CLUSTER), "kc")
    assert not result.rewritten, text
    assert load_yaml(result.text) == result.document
    spans = replaced_spans(text)
    kept, offset = [], 0
    for line in text.split("\n"):
        inside = any(offset < end and offset + len(line) > start for start, end in spans)
        offset += len(line) + 1
        # an empty list's line (`users: null`, `users: []`) becomes the list
        if line and not inside and not line.startswith(("clusters:", "users:", "contexts:")):
            kept.append(line.rstrip("\r"))
    assert_subsequence(kept, result.text.replace("\r\n", "\n").split("\n"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=flow_files())
def test_flow_files_are_edited_in_place(text: str) -> None:
    from eks_token.kubeconfig.files import parse_document
    from eks_token.kubeconfig.splice import splice_entries

    document = parse_document(text, Path("kc"))
    result = splice_entries(text, document, build_entries(CLUSTER), "kc")
    assert load_yaml(result.text) == result.document
    if not document:  # `{}` is rewritten whole, as before
        return
    assert not result.rewritten, text
    # Every comment outside our own entries (which are replaced whole) is kept.
    spans = replaced_spans(text, whole=True)
    offset = 0
    for line in text.split("\n"):
        at = line.find("#")
        if at >= 0 and not any(start <= offset + at < end for start, end in spans):
            assert line[at:] in result.text
        offset += len(line) + 1


def replaced_spans(text: str, *, whole: bool = False) -> list[tuple[int, int]]:
    """Where the entries named ARN lie: from the item's first character to its last scalar's
    end (``whole``: to the item's end, a flow item's closing bracket)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    spans: list[tuple[int, int]] = []
    if not isinstance(root, yaml.MappingNode):
        return spans
    for key, value in root.value:
        if key.value not in ("clusters", "users", "contexts"):
            continue
        if not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            names = [v.value for k, v in item.value if k.value == "name"]
            if names == [ARN]:
                end = item.end_mark.index if whole else last_scalar_end(item)
                spans.append((item.start_mark.index, end))
    return spans


def last_scalar_end(node: yaml.Node) -> int:
    if isinstance(node, yaml.ScalarNode):
        return int(node.end_mark.index)
    if isinstance(node, yaml.MappingNode):
        return max(last_scalar_end(part) for pair in node.value for part in pair)
    return max(last_scalar_end(part) for part in node.value)


def test_libyaml_and_pure_python_loaders_read_alike() -> None:
    from eks_token.kubeconfig.yaml_compat import FastLoader, KubectlLoader

    text = AMBIGUOUS + "more: [0x1F, 019, y, n, .Inf, -.inf, +1, 1_000, 3., '1e3']\n"
    slow = yaml.load(text, Loader=KubectlLoader)
    fast = yaml.load(text, Loader=FastLoader)
    assert slow == fast
    assert slow["more"] == [31, 19.0, True, False, float("inf"), float("-inf"), 1, 1000, 3.0, "1e3"]
    assert slow["clusters"][0]["cluster"]["extensions"][0]["extension"]["window"] == "12:30"


@pytest.mark.parametrize("text", ["{}\n", "null\n", "~", "--- # x\n", "\n\n"])
def test_empty_documents_of_any_form_get_a_readable_file(
    tmp_path: Path, kubectl: Kubectl, text: str
) -> None:
    path = tmp_path / "kc"
    path.write_text(text)
    result = write(path)
    assert result.warnings == []
    assert kubectl_view(kubectl, path)["current-context"] == ARN
    if not result.rewritten:
        assert path.read_text().startswith(text)


def test_migrate_changes_only_the_migrated_users(
    tmp_path: Path, kubectl: Kubectl, capsys: pytest.CaptureFixture[str]
) -> None:
    from eks_token.cli.main import main

    old_user = [
        "  - name: old",
        "    user:",
        "      exec:",
        "        apiVersion: client.authentication.k8s.io/v1beta1",
        "        command: aws",
        "        args: [--region, us-west-2, eks, get-token, --cluster-name, prod]",
    ]
    original = AMBIGUOUS.replace("contexts:\n", "\n".join([*old_user, "contexts:\n"]), 1)
    path = tmp_path / "kc"
    path.write_text(original)
    before = kubectl_view(kubectl, path)
    assert main(["kubeconfig", "migrate", "--kubeconfig", str(path)]) == 0
    assert "user old: aws" in capsys.readouterr().out
    after = kubectl_view(kubectl, path)
    assert without(after, {"old"}) == without(before, {"old"})
    assert named(after, "users", "old")["user"]["exec"]["command"] == "eks-token"
    kept = [line for line in original.splitlines() if line not in old_user]
    assert_subsequence(kept, path.read_text().splitlines())
    assert "# keep this comment between entries" in path.read_text()
