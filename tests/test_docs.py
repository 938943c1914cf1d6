"""The documentation stays true: the README is a short front door, the configuration reference
is what the config itself says, and every relative link leads somewhere."""

from __future__ import annotations

import importlib.util
import re
import typing
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path

import pytest

from pyreslib import config

CHECKOUT = Path(__file__).resolve().parents[1]
README = CHECKOUT / "README.md"
DOCS = CHECKOUT / "docs"
REGENERATE = ".venv/bin/python scripts/configuration_doc.py"


def _generator():
    """scripts/configuration_doc.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "configuration_doc", CHECKOUT / "scripts" / "configuration_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the configuration reference ------------------------------------------------------------


def test_the_configuration_reference_is_what_the_config_says_today():
    generated = _generator().configuration_markdown()
    written = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert written == generated, (
        "docs/configuration.md differs from what pyreslib/config.py gives today (a default, a "
        f"range or EXAMPLE_TOML changed?): run {REGENERATE} and commit the file.")


def _config_keys():
    """(section or None, name, field) of every key a config file can set."""
    hints = typing.get_type_hints(config.Config)
    sections = [(None, config.Config)] + [(f.name, hints[f.name]) for f in fields(config.Config)
                                           if is_dataclass(hints[f.name])]
    for section, cls in sections:
        types = typing.get_type_hints(cls)
        for f in fields(cls):
            if not f.metadata.get("internal") and not is_dataclass(types[f.name]):
                yield section, f.name, f


def test_every_key_is_in_the_reference_with_its_default_and_range():
    doc = (DOCS / "configuration.md").read_text(encoding="utf-8")
    generator = _generator()
    keys = list(_config_keys())
    assert len(keys) > 40
    for section, name, f in keys:
        heading = "## Top level" if section is None else f"## `[{section}]`"
        table = doc[doc.index(heading):].split("\n## ", 1)[0]
        (row,) = [line for line in table.splitlines() if line.startswith(f"| `{name}` |")]
        default = f.default if f.default is not MISSING else f.default_factory()
        if default is not None:
            assert f"`{generator._toml(default)}`" in row, (section, name, row)
        if "bounds" in f.metadata:
            key = f"{section}.{name}" if section else name
            assert generator.range_text(key, f.metadata) in row, (section, name, row)


def test_the_complete_file_in_the_reference_is_a_valid_config(tmp_path):
    doc = (DOCS / "configuration.md").read_text(encoding="utf-8")
    example = re.search(r"## A complete file\n.*?```toml\n(.*?)```", doc, flags=re.DOTALL)[1]
    for name in ("patents.csv", "covariates.csv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "run.toml").write_text(example, encoding="utf-8")
    cfg = config.load_config(tmp_path / "run.toml")
    assert cfg.seed == 2023 and cfg.ergm.formulas().keys() == {"study", "extended"}


def test_the_generator_refuses_a_key_it_cannot_explain():
    generator = _generator()
    generator.MEANINGS.pop("figures.dpi")
    with pytest.raises(SystemExit, match=r"missing: \['figures.dpi'\]"):
        generator.configuration_markdown()


def test_the_generator_checks_the_file_without_writing_it():
    before = (DOCS / "configuration.md").stat().st_mtime_ns
    assert _generator().main(["--check"]) == 0
    assert (DOCS / "configuration.md").stat().st_mtime_ns == before


# ---- the README -----------------------------------------------------------------------------


def test_the_readme_is_a_front_door_of_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail into docs/."


def test_the_readme_shows_one_python_example_and_links_every_guide():
    text = README.read_text(encoding="utf-8")
    assert len(re.findall(r"^```python$", text, flags=re.MULTILINE)) == 1
    for target in ("docs/method.md", "docs/configuration.md", "docs/security.md",
                   "docs/results-schema.md", "docs/ergm-formulas.md", "docs/ergm-multi.md",
                   "docs/reading-ergm-output.md", "BENCHMARKS.md", "TESTING.md"):
        assert f"]({target})" in text, target
    for command in ("make demo", "make test"):
        assert re.search(rf"^{command} ", text, flags=re.MULTILINE), command


# ---- links ----------------------------------------------------------------------------------

PAGES = [README, *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", flags=re.MULTILINE)


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where brackets are not links."""
    text = re.sub(r"^(```|~~~).*?^\1[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", text, flags=re.DOTALL)


def _anchors(page: Path) -> set[str]:
    """The heading anchors GitHub gives a Markdown page."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$",
                              re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"),
                                     flags=re.MULTILINE | re.DOTALL), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in found:
            n += 1
            anchor = f"{slug}-{n}"
        found.add(anchor)
    return found


def _relative_links(page: Path) -> list[str]:
    prose = _prose(page.read_text(encoding="utf-8"))
    targets = LINK.findall(prose) + REFERENCE.findall(prose)
    return [t for t in targets if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(CHECKOUT).as_posix())
def test_every_relative_link_leads_to_a_file_that_exists(page):
    broken = []
    for target in _relative_links(page):
        path, _, anchor = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if not where.exists():
            broken.append(f"{target}: no such file")
        elif anchor and where.suffix == ".md" and anchor not in _anchors(where):
            broken.append(f"{target}: no heading with that anchor in {where.name}")
    assert not broken, f"{page.relative_to(CHECKOUT)}: broken links: {broken}"


def test_the_link_check_sees_links_and_only_links(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A page\n\nSee [the method](method.md#the-model), ![a figure](f.png), "
                    "[up](#a-page) and <https://example.org>.\n\n```python\nx = d[k](1)\n```\n"
                    "`[not](a-link.md)`\n\n[ref]: other.md\n", encoding="utf-8")
    assert _relative_links(page) == ["method.md#the-model", "f.png", "#a-page", "other.md"]
    assert _anchors(page) == {"a-page"}
