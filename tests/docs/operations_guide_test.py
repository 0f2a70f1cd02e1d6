#!/usr/bin/env python3
"""Checks docs/operations.md against the code, so the guide cannot drift from it.

  operations_guide_test.py config REPO_ROOT
      every key of config/rxgate.toml (commented examples too), every key the loader reads
      (server/core/config.cpp) and every RXGATE_* variable the server and its commands read has a
      row in the guide's configuration table; and no row names a key the loader does not know.
  operations_guide_test.py commands REPO_ROOT RXGATE_BINARY
      every `rxgate ...` command the guide (and the README's "Operating it") shows exists (`rxgate SUB [SUB2] --help` succeeds) and
      each --option written after it is in that command's help; every `deploy/X.sh SUB` names a
      script that exists and a subcommand it handles.
Exit 1 with one line per problem.
"""
import pathlib
import re
import subprocess
import sys
import tomllib


def guide_text(root):
    return (root / "docs" / "operations.md").read_text()


def table_keys(guide):
    """Keys in the first column of the configuration table: | `section.key` | ..."""
    start = guide.index("## Configuration reference")
    end = guide.index("\n## ", start + 1)
    keys = set()
    for line in guide[start:end].splitlines():
        m = re.match(r"\|\s*`([a-z_]+(?:\.[a-z_]+)+)`\s*\|", line)
        if m:
            keys.add(m.group(1))
    return keys, guide[start:end]


def toml_keys(path):
    """Keys of the sample configuration, including commented-out `# key = value` examples."""
    keys = set()

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            keys.add(prefix)
            for item in value:
                walk(prefix, item)
        elif prefix:
            keys.add(prefix)

    walk("", tomllib.loads(path.read_text()))
    section = ""
    for line in path.read_text().splitlines():
        m = re.match(r"^\[+([a-z_.]+)\]+", line)
        if m:
            section = m.group(1)
        m = re.match(r"^#\s*([a-z_]+)\s*=\s*\S", line)
        if m and section:
            keys.add(f"{section}.{m.group(1)}")
    return keys


def loader_keys(path):
    """Keys read by server/core/config.cpp: table_reader VAR(VALUE, "prefix") and VAR.kind("key")."""
    prefix_of = {}
    last_table = ""
    keys = set()
    for line in path.read_text().splitlines():
        m = re.search(r'table_reader (\w+)\([^,]+, (?:"([^"]*)"|\w+)\)', line)
        if m:
            prefix_of[m.group(1)] = m.group(2) if m.group(2) is not None else last_table
        for var, kind, key in re.findall(r'\b(\w+)\.(string|integer|millis|strings|get)\("(\w+)"', line):
            if var not in prefix_of:
                continue
            name = f"{prefix_of[var]}.{key}" if prefix_of[var] else key
            if kind == "get":
                last_table = name  # a table (or array of tables) read by a reader below
                if prefix_of[var]:
                    keys.add(name)
            else:
                keys.add(name)
    return keys


def env_names(root):
    names = set()
    for f in list((root / "server" / "core").glob("*.cpp")) + list((root / "server" / "cli").glob("*.cpp")):
        names.update(re.findall(r'(?:getenv|env)\("(RXGATE_\w+)"\)', f.read_text()))
    return names


def check_config(root):
    guide = guide_text(root)
    rows, section = table_keys(guide)
    problems = []
    from_toml = toml_keys(root / "config" / "rxgate.toml")
    from_loader = loader_keys(root / "server" / "core" / "config.cpp")
    if len(from_loader) < 20:
        problems.append(f"the loader parse found only {len(from_loader)} keys: the test's reading of config.cpp is out of date")
    for key in sorted(from_toml | from_loader):
        if key not in rows:
            source = "config/rxgate.toml" if key in from_toml else "server/core/config.cpp"
            problems.append(f"docs/operations.md: key `{key}` ({source}) has no row in the configuration table")
    for key in sorted(rows - from_loader):
        problems.append(f"docs/operations.md: the configuration table names `{key}`, which the loader does not read")
    for name in sorted(env_names(root)):
        if f"`{name}`" not in section:
            problems.append(f"docs/operations.md: environment variable {name} (read by the server) is not in the configuration reference")
    return problems, len(from_toml | from_loader)


def code_snippets(guide):
    """Inline code spans and fenced code lines."""
    out = []
    fenced = False
    for line in guide.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            out.append(line)
        else:
            out.extend(re.findall(r"`([^`]+)`", line))
    return out


def check_commands(root, rxgate):
    problems = []
    checked = set()
    help_cache = {}

    def help_of(words):
        key = tuple(words)
        if key not in help_cache:
            r = subprocess.run([rxgate, *words, "--help"], capture_output=True, text=True)
            # --help succeeds whatever follows it; the Usage line says which command answered.
            usage = re.search(rf"^Usage: \S*rxgate {re.escape(' '.join(words))}(\s|$)", r.stdout, re.M)
            help_cache[key] = r.stdout if r.returncode == 0 and usage else None
        return help_cache[key]

    readme = (root / "README.md").read_text()
    start = readme.index("## Operating it")
    operating = readme[start:readme.index("\n## ", start + 1)]
    for snippet in code_snippets(guide_text(root)) + code_snippets(operating):
        for part in re.split(r"\||&&|;|\$\(", snippet):
            m = re.search(r"(?:^|[\s/])rxgate ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)(.*)", part)
            if m:
                words = m.group(1).split()
                text = help_of(words[:2]) if len(words) == 2 else None
                if text is None:
                    second = words[1:]
                    words = words[:1]
                    text = help_of(words)
                    if text is not None and second and re.search(r"^\s*Subcommands:", text, re.M):
                        problems.append(f"the guide or README: `rxgate {words[0]}` has no subcommand {second[0]}")
                        continue
                if text is None:
                    problems.append(f"the guide or README: `rxgate {m.group(1)}`: no such command")
                    continue
                if len(words) == 1 and m.group(2).strip() and re.search(r"^\s*Subcommands:", text, re.M):
                    problems.append(f"the guide or README: `rxgate {words[0]}` needs a subcommand: `{part.strip()}`")
                for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", m.group(2)):
                    if not re.search(rf"(?<![\w-]){re.escape(option)}\b", text):
                        problems.append(f"the guide or README: `rxgate {' '.join(words)}` has no option {option}")
                checked.add(" ".join(words))
            for script, sub in re.findall(r"\b(deploy/[a-z-]+\.sh)(?: ([a-z][a-z-]*))?", part):
                path = root / script
                if not path.is_file():
                    problems.append(f"docs/operations.md: {script} does not exist")
                    continue
                # A subcommand (or preset) the script names in its usage or its case labels.
                if sub and not re.search(rf"(?<![\w-]){re.escape(sub)}(?![\w-])", path.read_text()):
                    problems.append(f"docs/operations.md: {script} has no subcommand {sub}")
                checked.add(f"{script} {sub}".strip())
    if len(checked) < 10:
        problems.append(f"only {len(checked)} commands found in the guide: the test's reading of it is out of date")
    return problems, len(checked)


def main():
    mode, root = sys.argv[1], pathlib.Path(sys.argv[2])
    if mode == "config":
        problems, n = check_config(root)
        what = f"{n} configuration keys"
    elif mode == "commands":
        problems, n = check_commands(root, sys.argv[3])
        what = f"{n} commands"
    else:
        sys.exit("usage: operations_guide_test.py config ROOT | commands ROOT RXGATE")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"PASS: docs/operations.md covers {what}")


if __name__ == "__main__":
    main()
