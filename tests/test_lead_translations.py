"""The lead engine's messages (reasons a lead is or is not in the pool, what is wrong with a Sales
Lead Rule) are rendered with _() in the reader's language by process.leads: each has a Chinese
translation with the same placeholders. Read as text; frappe is never imported."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "sales_process" / "engine" / "leads.py"
ZH = ROOT / "sales_process" / "translations" / "zh.csv"


def engine_templates() -> set[str]:
	tree = ast.parse(ENGINE.read_text(encoding="utf-8"))
	found = set()
	for node in ast.walk(tree):
		# Message("…", …)
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Name)
			and node.func.id == "Message"
			and node.args
			and isinstance(node.args[0], ast.Constant)
		):
			found.add(node.args[0].value)
		# REASON_TEMPLATES = MappingProxyType({...})
		if isinstance(node, ast.Assign) and any(
			isinstance(target, ast.Name) and target.id == "REASON_TEMPLATES" for target in node.targets
		):
			for value in ast.walk(node.value):
				if isinstance(value, ast.Dict):
					found.update(v.value for v in value.values if isinstance(v, ast.Constant))
	return found


def test_the_lead_engines_messages_have_chinese_translations():
	with ZH.open(encoding="utf-8") as f:
		zh = {row[0]: row[1] for row in csv.reader(f) if row}
	templates = engine_templates()
	assert len(templates) > 30  # the reader found them
	missing = sorted(t for t in templates if t not in zh)
	assert not missing, "add to sales_process/translations/zh.csv:\n" + "\n".join(f"  {t!r}" for t in missing)
	for template in templates:
		assert sorted(re.findall(r"\{\w*\}", template)) == sorted(re.findall(r"\{\w*\}", zh[template]))
