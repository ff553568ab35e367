"""Every user-facing string of the app has a Simplified Chinese translation.

Reads the code as text (never imports frappe): `_("…")` in Python, `__("…")` in
JavaScript, the app's doctype names, labels, Select options and descriptions, the custom
fields' labels and descriptions, and the default checkpoints' names, evidence
labels and descriptions.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "sales_process"
ZH = APP / "translations" / "zh.csv"
JS_CALL = re.compile(r"""__\(\s*(["'`])((?:\\.|(?!\1).)*)\1""")


def translations() -> dict[str, str]:
	with ZH.open(encoding="utf-8") as f:
		return {row[0]: row[1] for row in csv.reader(f) if row}


# `_("…")` everywhere, and the engine's message templates (`Missing("…", …)`), translated when shown
TRANSLATED_CALLS = ("_", "Missing")


def python_strings():
	for path in sorted(APP.rglob("*.py")):
		if path.name.startswith("test_") or path.name == "testing.py":
			continue
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if (
				isinstance(node, ast.Call)
				and isinstance(node.func, ast.Name)
				and node.func.id in TRANSLATED_CALLS
				and node.args
				and isinstance(node.args[0], ast.Constant)
				and isinstance(node.args[0].value, str)
			):
				yield path.relative_to(ROOT), node.args[0].value


# message templates kept as data and rendered with _() in the reader's language when shown
TEMPLATE_SOURCES = {"process/alerts.py": "MESSAGES", "process/visits.py": "FLAG_"}


def template_strings():
	for relative, marker in TEMPLATE_SOURCES.items():
		path = APP / relative
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
				continue
			if not node.targets[0].id.startswith(marker):
				continue
			for value in ast.walk(node.value):
				if isinstance(value, ast.Constant) and isinstance(value.value, str) and "{" in value.value:
					yield path.relative_to(ROOT), value.value


def js_strings():
	for path in sorted(APP.rglob("*.js")):
		for match in JS_CALL.finditer(path.read_text(encoding="utf-8")):
			yield path.relative_to(ROOT), match.group(2)


def doctype_strings():
	for path in sorted(APP.glob("**/doctype/*/*.json")):
		if path.stem != path.parent.name:
			continue
		meta = json.loads(path.read_text(encoding="utf-8"))
		yield path.relative_to(ROOT), meta["name"]
		for field in meta.get("fields", []):
			for key in ("label", "description"):
				if field.get(key):
					yield path.relative_to(ROOT), field[key]
			if field.get("fieldtype") == "Select":
				for option in (field.get("options") or "").split("\n"):
					if option.strip():
						yield path.relative_to(ROOT), option


def setup_strings():
	source = (APP / "setup" / "custom_fields.py").read_text(encoding="utf-8")
	for node in ast.walk(ast.parse(source)):
		if isinstance(node, ast.Dict):
			for key, value in zip(node.keys, node.values, strict=True):
				if (
					isinstance(key, ast.Constant)
					and key.value in ("label", "description")
					and isinstance(value, ast.Constant)
				):
					yield Path("sales_process/setup/custom_fields.py"), value.value
	for defaults in ("default_checkpoints.py", "default_objections.py"):
		source = (APP / "setup" / defaults).read_text(encoding="utf-8")
		for node in ast.walk(ast.parse(source)):
			if isinstance(node, ast.Dict):
				for key, value in zip(node.keys, node.values, strict=True):
					if (
						isinstance(key, ast.Constant)
						and key.value
						in ("checkpoint_name", "label", "description", "type_name", "strategy_name")
						and isinstance(value, ast.Constant)
					):
						yield Path("sales_process/setup") / defaults, value.value


def all_strings():
	seen = {}
	for source in (python_strings(), template_strings(), js_strings(), doctype_strings(), setup_strings()):
		for path, text in source:
			seen.setdefault(text, path)
	return seen


def test_every_user_facing_string_has_a_chinese_translation():
	zh = translations()
	# "≤ 72" (a bucket's bound) reads the same in every language
	missing = {
		text: str(path)
		for text, path in all_strings().items()
		if text not in zh and any(character.isalpha() for character in text)
	}
	assert not missing, "add to sales_process/translations/zh.csv:\n" + "\n".join(
		f"  {text!r}  (from {path})" for text, path in sorted(missing.items())
	)


@pytest.mark.parametrize("source, target", sorted(translations().items()))
def test_placeholders_survive_translation(source, target):
	assert sorted(re.findall(r"\{\w*\}", source)) == sorted(re.findall(r"\{\w*\}", target)), (
		f"{source!r} -> {target!r}: placeholders differ"
	)
