"""Is a checkpoint's condition safe to run on every deal save?

A condition is a short Python expression on the deal (`doc.opportunity_amount >
100000`). It runs inside every hooked save, so it must finish at once: a
single operation such as `9**9**9` or `"x" * 10**9` runs for minutes in C
code that no timeout can interrupt. The expression is therefore checked when
the checkpoint is saved, against a small grammar: comparisons, boolean logic,
arithmetic without powers or shifts, reading the deal's fields and a few
literals. Multiplying, dividing and `%` only take numbers (number fields of
the deal and numeric literals), so they cannot repeat or format a text into
gigabytes.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

MAX_LENGTH = 500
MAX_NODES = 120
MAX_NUMBER = 10**15
MAX_TEXT = 200
ALLOWED_NAMES = {"doc", "True", "False", "None"}
ALLOWED_CALLS = {"doc.get", "len", "abs", "min", "max", "round", "int", "float", "str", "bool"}

_COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_ARITHMETIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)


class UnsafeCondition(ValueError):
	"""The condition could run for too long or reach outside the deal; the message says why."""


def check_condition(expression: str, numeric_fields: Collection[str] = ()) -> None:
	"""Raise UnsafeCondition when `expression` is not a short, bounded expression on `doc`.

	`numeric_fields` are the deal's number fields, the only fields `*`, `/`, `//`
	and `%` may take.
	"""
	text = (expression or "").strip()
	if len(text) > MAX_LENGTH:
		raise UnsafeCondition(f"it is longer than {MAX_LENGTH} characters")
	try:
		tree = ast.parse(text, mode="eval")
	except SyntaxError as error:
		raise UnsafeCondition(f"it is not a Python expression ({error.msg})") from error
	nodes = list(ast.walk(tree))
	if len(nodes) > MAX_NODES:
		raise UnsafeCondition(f"it has more than {MAX_NODES} parts")
	numeric = frozenset(numeric_fields)
	for node in nodes:
		_check_node(node, numeric)


def _check_node(node: ast.AST, numeric: frozenset[str]) -> None:
	if isinstance(node, ast.Expression | ast.Load | ast.And | ast.Or | ast.Not | ast.USub | ast.UAdd):
		return
	if isinstance(node, ast.BoolOp | ast.IfExp | ast.Tuple | ast.List | ast.Set | ast.keyword):
		return
	if isinstance(node, ast.Compare):
		if not all(isinstance(op, _COMPARE_OPS) for op in node.ops):
			raise UnsafeCondition("it uses an unsupported comparison")
		return
	if isinstance(node, _COMPARE_OPS + _ARITHMETIC_OPS):
		return
	if isinstance(node, ast.UnaryOp):
		if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
			raise UnsafeCondition("it uses an unsupported operator")
		return
	if isinstance(node, ast.BinOp):
		_check_arithmetic(node, numeric)
		return
	if isinstance(node, ast.Constant):
		_check_constant(node.value)
		return
	if isinstance(node, ast.Name):
		if node.id not in ALLOWED_NAMES and node.id not in ALLOWED_CALLS:
			raise UnsafeCondition(f"it reads {node.id!r}; only the deal (doc) can be read")
		return
	if isinstance(node, ast.Attribute):
		if node.attr.startswith("_") or not _is_doc(node.value):
			raise UnsafeCondition(f"it reads {ast.unparse(node)!r}; read fields of the deal as doc.fieldname")
		return
	if isinstance(node, ast.Call):
		name = ast.unparse(node.func)
		if name not in ALLOWED_CALLS:
			raise UnsafeCondition(f"it calls {name}(); allowed are {', '.join(sorted(ALLOWED_CALLS))}")
		return
	raise UnsafeCondition(f"it uses {type(node).__name__}, which conditions do not support")


def _is_doc(node: ast.AST) -> bool:
	return isinstance(node, ast.Name) and node.id == "doc"


def _check_constant(value) -> None:
	if isinstance(value, bool) or value is None:
		return
	if isinstance(value, int | float):
		if abs(value) > MAX_NUMBER:
			raise UnsafeCondition(f"the number {value!r} is too large")
		return
	if isinstance(value, str):
		if len(value) > MAX_TEXT:
			raise UnsafeCondition(f"a text is longer than {MAX_TEXT} characters")
		return
	raise UnsafeCondition(f"the value {value!r} is not supported")


def _check_arithmetic(node: ast.BinOp, numeric: frozenset[str]) -> None:
	if not isinstance(node.op, _ARITHMETIC_OPS):
		raise UnsafeCondition(f"it uses {type(node.op).__name__}; powers and shifts are not allowed")
	if isinstance(node.op, ast.Add | ast.Sub):
		return
	if not (_numeric(node.left, numeric) and _numeric(node.right, numeric)):
		raise UnsafeCondition(
			f"{ast.unparse(node)!r} multiplies, divides or formats something that is not a number field of the deal"
		)


def _numeric(node: ast.AST, numeric: frozenset[str]) -> bool:
	if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
		return _numeric(node.operand, numeric)
	if isinstance(node, ast.Constant):
		return isinstance(node.value, int | float) and not isinstance(node.value, bool)
	if isinstance(node, ast.Attribute) and _is_doc(node.value):
		return node.attr in numeric
	if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC_OPS):
		return _numeric(node.left, numeric) and _numeric(node.right, numeric)
	return False
