"""README.md and docs/ as the docs check reads them: fenced blocks, their marks, the commands in them.

A block is run by ``test_walkthrough.py`` when the line before its opening fence is a mark:

- ``<!-- docs-check: run -->``: run against the walk-through's server, which is running;
- ``<!-- docs-check: run, server stopped -->``: the server is stopped first, started after;
- ``<!-- docs-check: run postgresql -->``: run with ``PG*`` variables naming a PostgreSQL
  database of the deployment (``test_walkthrough.py``, the PostgreSQL case);
- ``<!-- docs-check: pytest -->``: a Python test file, run with pytest from the repository's
  root (``test_sandbox_example.py``: README's "Testing your integration").

Every other shell command is checked by ``test_commands.py``: our programs' by their own
parsers, others against the list of programs the documents may name.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
SHELL = ("sh", "bash", "console")
MARK = re.compile(r"^<!-- docs-check: (?P<mark>[^>]*?) -->$")
OPERATORS = {"&&", "||", "|", ";", "&"}
REDIRECTIONS = {"<", ">", ">>", "2>", "2>&1"}
# A command substitution, as one word: the check looks at the command around it.
SUBSTITUTION = re.compile(r"\$\([^()]*\)")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # the opening fence's
    language: str
    text: str
    mark: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class Command:
    where: str
    program: str
    args: tuple[str, ...]
    source: str  # the line as written (continuations joined)

    @property
    def synopsis(self) -> bool:
        return is_synopsis(self.source)


def is_synopsis(line: str) -> bool:
    """A usage line (``[--opt X]``, ``dns|mail|web``, ``X...``), not a command to copy as is."""
    code = " ".join(shlex.split(SUBSTITUTION.sub("SUBSTITUTED", line), comments=True))
    return "[" in code or "..." in code or bool(re.search(r"\w\|\w", code))


def expand_synopsis(line: str) -> str:
    """The usage line with every option given once, first alternatives chosen:
    ``migrate [--status | --dry-run]`` -> ``migrate --status``, ``--only dns|mail|web`` ->
    ``--only dns``, ``--asset TYPE=COUNT[:MAX_SIZE_MB]...`` -> ``--asset TYPE=COUNT:MAX_SIZE_MB``."""
    code = " ".join(shlex.split(SUBSTITUTION.sub("SUBSTITUTED", line), comments=True))
    while "[" in code:
        code = re.sub(r"\[([^\[\]]*)\]", lambda m: m[1].split(" | ")[0], code)
    code = code.replace("...", "")
    return re.sub(r"([\w.-]+)(\|[\w.-]+)+", r"\1", code)


def blocks(path: Path) -> list[Block]:
    found = []
    lines = path.read_text().splitlines()
    start: int | None = None
    language = ""
    for number, line in enumerate(lines, 1):
        if not line.strip().startswith("```"):
            continue
        if start is None:
            start, language = number, line.strip()[3:].strip()
            continue
        before = lines[start - 2].strip() if start >= 2 else ""
        mark = MARK.match(before)
        body = "\n".join(lines[start : number - 1])
        found.append(Block(path, start, language, body, mark["mark"] if mark else None))
        start = None
    return found


def all_blocks() -> list[Block]:
    return [block for path in DOCUMENTS for block in blocks(path)]


def logical_lines(text: str) -> list[str]:
    """Lines with their backslash continuations joined."""
    joined: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    if pending:
        joined.append(pending)
    return joined


def commands_in(text: str, where: str) -> list[Command]:
    """The simple commands of shell text: assignments, redirections and operators taken off."""
    found = []
    for line in logical_lines(text):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        code = expand_synopsis(line) if is_synopsis(line) else SUBSTITUTION.sub("SUBSTITUTED", line)
        lexer = shlex.shlex(code, posix=True, punctuation_chars="|&;<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token not in OPERATORS:
                words.append(token)
                continue
            command = _simple(words)
            if command is not None:
                found.append(Command(where, command[0], tuple(command[1:]), line.strip()))
            words = []
    return found


def _simple(words: list[str]) -> list[str] | None:
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in REDIRECTIONS:
            skip = True
            continue
        if not kept and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word):
            continue  # VAR=value before the program
        kept.append(word)
    if kept and kept[0] in ("export", "sudo", "env"):
        kept = [w for w in kept[1:] if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", w)]
        if not kept or kept[0].startswith("-"):
            return None
    if not kept:
        return None
    program = kept[0]
    if program.endswith(("/reseller-api", "/resellerctl", "/python")):
        program = program.rsplit("/", 1)[1]  # .venv/bin/reseller-api, /opt/.../reseller-api
    return [program, *kept[1:]]


def shell_commands() -> list[Command]:
    """Every command of every shell block of README.md and docs/."""
    return [
        command
        for block in all_blocks()
        if block.language in SHELL
        for command in commands_in(block.text, block.where)
    ]


INLINE = re.compile(r"`((?:\.venv/bin/)?(?:reseller-api|resellerctl|make) [^`]*)`")


def inline_commands() -> list[Command]:
    """Commands quoted in prose (`` `reseller-api migrate --status` ``), outside the blocks."""
    found = []
    for path in DOCUMENTS:
        inside = False
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip().startswith("```"):
                inside = not inside
                continue
            if inside:
                continue
            for match in INLINE.finditer(line):
                found += commands_in(match[1], f"{path.relative_to(ROOT)}:{number}")
    return found
