"""Site-free checks of the sales_process app's files.

CI cannot start a Frappe site, so these tests read the app as data (JSON, `ast`,
`tomllib`) and never import frappe or erpnext. They catch what would otherwise
only fail on `bench migrate` / `bench install-app`: broken DocType JSON, links to
doctypes that do not exist, hook paths that do not resolve, bad patches.txt lines.

Upstream names (doctypes, roles, fields of the ERPNext doctypes the app extends)
come from snapshots in tests/data/ (see tests/data/README.md for how they are made).

Run:  python -m pytest tests/test_app_structure.py -q
Point the checks at another checkout with SP_REPO_ROOT=/path/to/repo.
"""

from __future__ import annotations

import ast
import configparser
import csv
import importlib
import importlib.abc
import json
import os
import re
import sys
from functools import cache
from pathlib import Path

import pytest
import tomllib

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
REPO_ROOT = Path(os.environ.get("SP_REPO_ROOT") or TESTS_DIR.parent).resolve()
APP_NAME = "sales_process"
APP_DIR = REPO_ROOT / APP_NAME
MODULE_NAME = "Sales Process"
CUSTOM_FIELD_PREFIX = "sp_"

# --- Facts copied from Frappe v15.19.1 ---------------------------------------------
# frappe/model/__init__.py: data_fieldtypes + no_value_fields. no_value_fields already
# holds table_fields ("Table", "Table MultiSelect") and the layout types (Section,
# Column and Tab Break). "Long Int" is left out on purpose: it is in data_fieldtypes
# but not among DocField.fieldtype's Select options in v15.19.1
# (frappe/core/doctype/docfield/docfield.json), so a DocType using it cannot be saved there.
DATA_FIELDTYPES = frozenset(
	{
		"Currency", "Int", "Float", "Percent", "Check", "Small Text", "Long Text", "Code",
		"Text Editor", "Markdown Editor", "HTML Editor", "Date", "Datetime", "Time", "Text",
		"Data", "Link", "Dynamic Link", "Password", "Select", "Rating", "Read Only", "Attach",
		"Attach Image", "Signature", "Color", "Barcode", "Geolocation", "Duration", "Icon",
		"Phone", "Autocomplete", "JSON",
	}
)  # fmt: skip
NO_VALUE_FIELDTYPES = frozenset(
	{
		"Section Break", "Column Break", "Tab Break", "HTML", "Table", "Table MultiSelect",
		"Button", "Image", "Fold", "Heading",
	}
)  # fmt: skip
TABLE_FIELDTYPES = frozenset({"Table", "Table MultiSelect"})  # table_fields
VALID_FIELDTYPES = DATA_FIELDTYPES | NO_VALUE_FIELDTYPES

# frappe/model/__init__.py default_fields + child_table_fields + optional_fields, and
# frappe/model/base_document.py BaseDocument._reserved_keywords: a field with one of
# these names would shadow a column or attribute every document has.
RESERVED_FIELDNAMES = frozenset(
	{
		"doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx",
		"parent", "parentfield", "parenttype",
		"_user_tags", "_comments", "_assign", "_liked_by", "_seen",
		"meta", "flags", "parent_doc", "_table_fields", "_valid_columns", "_doc_before_save",
		"_table_fieldnames", "_reserved_keywords", "permitted_fieldnames", "dont_update_if_missing",
	}
)  # fmt: skip
STANDARD_COLUMNS = frozenset({"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"})
MAX_FIELDNAME_LENGTH = 64  # frappe.database.schema.validate_column_length (MariaDB limit)
FIELDNAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # no chars validate_column_name rejects
APP_DOTTED_PATH = re.compile(rf"^{APP_NAME}(\.[A-Za-z_][A-Za-z0-9_]*)+$")
ASSET_SUFFIXES = (".js", ".css", ".scss", ".less", ".ts", ".vue", ".json", ".html", ".svg", ".png")

# --- Small helpers ------------------------------------------------------------------


def rel(path: Path) -> str:
	"""Path relative to the repo root, for messages and test ids."""
	try:
		return str(Path(path).relative_to(REPO_ROOT))
	except ValueError:
		return str(path)


def scrub(name: str) -> str:
	"""frappe.scrub: the folder / module name Frappe derives from a document name."""
	return name.replace(" ", "_").replace("-", "_").lower()


def report(path: Path, problems: list[str]) -> str:
	return f"{rel(path)}:\n  - " + "\n  - ".join(problems)


def params(items: list, what: str) -> list:
	"""pytest params with readable ids; one skipped param when the subject does not exist yet."""
	if not items:
		return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {what} in the app yet"))]
	return [pytest.param(item, id=rel(item) if isinstance(item, Path) else str(item)) for item in items]


def read_json(path: Path):
	try:
		return json.loads(path.read_text(encoding="utf-8"))
	except (json.JSONDecodeError, UnicodeDecodeError) as exc:
		pytest.fail(f"{rel(path)}: not valid JSON: {exc}")


def parse_python(path: Path) -> ast.Module:
	try:
		return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
	except SyntaxError as exc:
		pytest.fail(f"{rel(path)}: syntax error: {exc}")


def module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
	"""Top-level `NAME = value` / `NAME: type = value` assignments, by name."""
	found: dict[str, ast.expr] = {}
	for node in tree.body:
		if isinstance(node, ast.Assign):
			for target in node.targets:
				if isinstance(target, ast.Name):
					found[target.id] = node.value
		elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
			found[node.target.id] = node.value
	return found


def read_data_lines(path: Path) -> set[str]:
	return {
		line.strip()
		for line in path.read_text(encoding="utf-8").splitlines()
		if line.strip() and not line.startswith("#")
	}


def controller_class_name(doctype: str) -> str:
	# frappe.model.base_document.import_controller looks the class up by this name
	return doctype.replace(" ", "").replace("-", "")


# --- Upstream snapshots (tests/data) ------------------------------------------------


@cache
def upstream_doctypes() -> frozenset[str]:
	return frozenset(read_data_lines(DATA_DIR / "upstream_doctypes.txt"))


@cache
def upstream_roles() -> frozenset[str]:
	return frozenset(read_data_lines(DATA_DIR / "upstream_roles.txt"))


@cache
def upstream_fields() -> dict[str, list[str]]:
	return json.loads((DATA_DIR / "upstream_fields.json").read_text(encoding="utf-8"))


# --- The app's doctypes -------------------------------------------------------------


def find_doctype_jsons() -> list[Path]:
	"""`**/doctype/<x>/<x>.json`: the DocType definition inside each doctype folder."""
	return sorted(p for p in APP_DIR.glob("**/doctype/*/*.json") if p.stem == p.parent.name)


def find_report_jsons() -> list[Path]:
	return sorted(p for p in APP_DIR.glob("**/report/*/*.json") if p.stem == p.parent.name)


def is_readable_json(path: Path) -> bool:
	try:
		json.loads(path.read_text(encoding="utf-8"))
		return True
	except (json.JSONDecodeError, UnicodeDecodeError):
		return False


DOCTYPE_JSONS = find_doctype_jsons()
# The detailed checks run on readable files only; an unreadable one fails
# test_doctype_json_identifies_a_doctype_of_this_module once instead of in every test.
READABLE_DOCTYPE_JSONS = [p for p in DOCTYPE_JSONS if is_readable_json(p)]
REPORT_JSONS = find_report_jsons()


@cache
def app_doctypes() -> dict[str, dict]:
	"""DocType name -> its JSON, for every readable DocType JSON in the app."""
	found = {}
	for path in DOCTYPE_JSONS:
		try:
			data = json.loads(path.read_text(encoding="utf-8"))
		except (json.JSONDecodeError, UnicodeDecodeError):
			continue  # reported by test_doctype_json_identifies_a_doctype_of_this_module
		if isinstance(data, dict) and data.get("doctype") == "DocType" and data.get("name"):
			found[data["name"]] = data
	return found


def doctype_exists(name: str) -> bool:
	return name in app_doctypes() or name in upstream_doctypes()


def load_doctype(path: Path) -> dict:
	data = read_json(path)
	if not isinstance(data, dict) or data.get("doctype") != "DocType":
		pytest.fail(f'{rel(path)}: not a DocType JSON ("doctype" must be "DocType")')
	return data


def fields_of(data: dict) -> list[dict]:
	return [f for f in data.get("fields") or [] if isinstance(f, dict)]


# --- The app's roles ----------------------------------------------------------------


def roles_in_literal(value) -> set[str]:
	"""Role names from a literal: strings, or dicts with role_name / name / role."""
	if isinstance(value, str):
		return {value}
	if isinstance(value, dict):
		if value.get("doctype") not in (None, "Role"):
			return set()
		name = value.get("role_name") or value.get("name") or value.get("role")
		return {name} if isinstance(name, str) else set()
	if isinstance(value, list | tuple | set | frozenset):
		return set().union(*(roles_in_literal(v) for v in value)) if value else set()
	return set()


@cache
def app_roles() -> frozenset[str]:
	"""Roles the app creates.

	Read, without importing the app, from: module-level `*ROLES` literals in
	sales_process/setup/*.py (e.g. APP_ROLES in setup/roles.py), any
	`{"doctype": "Role", "role_name": ...}` dict literal in those files, and Role
	records in JSON fixtures anywhere in the app.
	"""
	roles: set[str] = set()
	for path in sorted((APP_DIR / "setup").glob("*.py")):
		try:
			tree = ast.parse(path.read_text(encoding="utf-8"))
		except SyntaxError:
			continue
		for name, value in module_assignments(tree).items():
			if name.upper().endswith("ROLES"):
				try:
					roles |= roles_in_literal(ast.literal_eval(value))
				except ValueError:
					pass
		for node in ast.walk(tree):
			if isinstance(node, ast.Dict):
				try:
					record = ast.literal_eval(node)
				except ValueError:
					continue
				if record.get("doctype") == "Role" and isinstance(record.get("role_name"), str):
					roles.add(record["role_name"])
	for path in sorted(APP_DIR.glob("**/*.json")):
		if "doctype" in path.parts or "report" in path.parts:
			continue
		try:
			data = json.loads(path.read_text(encoding="utf-8"))
		except (json.JSONDecodeError, UnicodeDecodeError):
			continue
		records = data if isinstance(data, list) else [data]
		for record in records:
			if isinstance(record, dict) and record.get("doctype") == "Role":
				name = record.get("role_name") or record.get("name")
				if isinstance(name, str):
					roles.add(name)
	return frozenset(roles)


def role_exists(role: str) -> bool:
	return role in upstream_roles() or role in app_roles()


# --- Resolving dotted paths without importing ---------------------------------------


def module_file(dotted_module: str) -> Path | None:
	"""`sales_process/a/b.py` or `sales_process/a/b/__init__.py` for `sales_process.a.b`."""
	base = REPO_ROOT.joinpath(*dotted_module.split("."))
	for candidate in (base.with_suffix(".py"), base / "__init__.py"):
		if candidate.is_file():
			return candidate
	return None


@cache
def top_level_definitions(path: Path) -> dict[str, tuple[str, str | None]]:
	"""name -> (kind, dotted source for imports) for what a module defines at top level."""
	tree = parse_python(path)  # a syntax error fails the calling test, naming the file
	module_parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
	package_parts = module_parts[:-1]  # for a/b/__init__.py that is a.b; for a/b/c.py, a.b
	names: dict[str, tuple[str, str | None]] = {}
	for node in tree.body:
		if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
			names[node.name] = ("function", None)
		elif isinstance(node, ast.ClassDef):
			names[node.name] = ("class", None)
		elif isinstance(node, ast.Assign | ast.AnnAssign):
			targets = node.targets if isinstance(node, ast.Assign) else [node.target]
			for target in targets:
				if isinstance(target, ast.Name):
					names[target.id] = ("assignment", None)
		elif isinstance(node, ast.ImportFrom):
			source_parts = (node.module or "").split(".") if node.module else []
			if node.level:  # relative import: from the package, one level up per extra dot
				source_parts = package_parts[: len(package_parts) - (node.level - 1)] + source_parts
			for alias in node.names:
				names[alias.asname or alias.name] = ("import", ".".join([*source_parts, alias.name]))
	return names


def resolve_dotted_path(path: str, accept: frozenset[str], _seen: frozenset = frozenset()) -> str | None:
	"""None if `path` names something of a kind in `accept` ("function", "class",
	"module"); otherwise why not. Only paths inside this app are checked."""
	if not path.startswith(APP_NAME + "."):
		return None  # frappe./erpnext./other apps: not checkable here
	if "module" in accept and module_file(path):
		return None
	if "." not in path:
		return f"'{path}' is not a dotted path"
	module, attr = path.rsplit(".", 1)
	file = module_file(module)
	if file is None:
		return f"'{path}': module file {module.replace('.', '/')}.py (or its __init__.py) does not exist"
	definitions = top_level_definitions(file)
	if attr not in definitions:
		wanted = " or ".join(sorted(accept - {"module"}))
		return f"'{path}': {rel(file)} has no top-level {wanted} named '{attr}'"
	kind, source = definitions[attr]
	if kind == "import":  # a re-export: follow it (`from x import y` may also bring a module)
		if not source.startswith(APP_NAME + "."):
			return None
		if module_file(source):
			kind = "module"
		elif source in _seen:
			return f"'{path}': import cycle"
		else:
			return resolve_dotted_path(source, accept, _seen | {source})
	if kind == "assignment" or kind in accept:
		return None
	return f"'{path}': '{attr}' in {rel(file)} is a {kind}, expected a {' or '.join(sorted(accept))}"


CALLABLE = frozenset({"function", "class"})


# ===================================================================================
# 1. DocType JSON
# ===================================================================================


@pytest.mark.parametrize("path", params(DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_json_identifies_a_doctype_of_this_module(path):
	data = load_doctype(path)
	problems = []
	name = data.get("name")
	if not isinstance(name, str) or not name:
		problems.append('"name" is missing')
	elif scrub(name) != path.parent.name:
		problems.append(f'"name" {name!r} belongs in folder {scrub(name)!r}, not {path.parent.name!r}')
	if data.get("module") != MODULE_NAME:
		problems.append(f'"module" is {data.get("module")!r}, expected {MODULE_NAME!r}')
	# Frappe looks the JSON up at <app>/<scrub(module)>/doctype/<scrub(name)>/
	expected_dir = APP_DIR / scrub(MODULE_NAME) / "doctype"
	if path.parent.parent != expected_dir:
		problems.append(f"file must live under {rel(expected_dir)}/ (the module folder)")
	assert not problems, report(path, problems)


@pytest.mark.parametrize("path", params(READABLE_DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_fields_are_well_formed(path):
	data = load_doctype(path)
	problems = []
	seen: set[str] = set()
	for position, field in enumerate(data.get("fields") or []):
		if not isinstance(field, dict):
			problems.append(f"fields[{position}] is not an object")
			continue
		fieldname, fieldtype = field.get("fieldname"), field.get("fieldtype")
		label = f"field {fieldname!r}" if fieldname else f"fields[{position}]"
		if not fieldname:
			problems.append(f"{label} has no fieldname")
		else:
			problems += fieldname_problems(label, fieldname)
			if fieldname in seen:
				problems.append(f"{label} is defined twice")
			seen.add(fieldname)
		if fieldtype not in VALID_FIELDTYPES:
			problems.append(f"{label} has fieldtype {fieldtype!r}, not a Frappe v15 field type")
		if fieldtype == "Select" and not str(field.get("options") or "").strip():
			problems.append(f"{label} is a Select without options")
	assert not problems, report(path, problems)


def fieldname_problems(label: str, fieldname) -> list[str]:
	if not isinstance(fieldname, str) or not FIELDNAME_PATTERN.match(fieldname):
		return [f"{label}: fieldname is not a valid identifier (letters, digits, _)"]
	problems = []
	if len(fieldname) > MAX_FIELDNAME_LENGTH:
		problems.append(f"{label}: fieldname is longer than {MAX_FIELDNAME_LENGTH} characters")
	if fieldname in RESERVED_FIELDNAMES:
		problems.append(f"{label}: fieldname is reserved by Frappe")
	return problems


@pytest.mark.parametrize("path", params(READABLE_DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_field_order_matches_fields(path):
	data = load_doctype(path)
	fieldnames = [f.get("fieldname") for f in fields_of(data) if f.get("fieldname")]
	field_order = data.get("field_order") or []
	problems = [
		f"field_order names {name!r}, which is not a field" for name in field_order if name not in fieldnames
	]
	problems += [
		f"field {name!r} is missing from field_order" for name in fieldnames if name not in field_order
	]
	if len(field_order) != len(set(field_order)):
		problems.append("field_order lists a field more than once")
	# doctype-level properties that name fields
	known = set(fieldnames) | STANDARD_COLUMNS
	for prop in (
		"title_field",
		"image_field",
		"sort_field",
		"timeline_field",
		"sender_field",
		"subject_field",
	):
		if data.get(prop) and data[prop] not in known:
			problems.append(f"{prop} {data[prop]!r} is not a field")
	for name in str(data.get("search_fields") or "").split(","):
		if name.strip() and name.strip() not in known:
			problems.append(f"search_fields names {name.strip()!r}, which is not a field")
	autoname = str(data.get("autoname") or "")
	if autoname.startswith("field:") and autoname[len("field:") :].strip() not in fieldnames:
		problems.append(f"autoname {autoname!r} names a field that does not exist")
	assert not problems, report(path, problems)


@pytest.mark.parametrize("path", params(READABLE_DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_links_and_tables_point_to_existing_doctypes(path):
	data = load_doctype(path)
	problems = []
	for field in fields_of(data):
		fieldtype, options = field.get("fieldtype"), str(field.get("options") or "").strip()
		label = f"field {field.get('fieldname')!r} ({fieldtype})"
		if fieldtype not in ("Link", *TABLE_FIELDTYPES):
			continue
		if not options:
			problems.append(f"{label} has no options (the doctype it points to)")
		elif options == "[Select]" or options == data.get("name"):
			continue  # Frappe accepts both without a lookup
		elif not doctype_exists(options):
			problems.append(f"{label} points to {options!r}, which is neither an app nor an upstream doctype")
		elif fieldtype in TABLE_FIELDTYPES and options in app_doctypes():
			if not app_doctypes()[options].get("istable"):
				problems.append(f"{label} points to {options!r}, which is not a child table (istable)")
	problems += fetch_from_problems(data)
	assert not problems, report(path, problems)


def fields_known_for(doctype: str) -> set[str] | None:
	"""Fieldnames of an app or (snapshotted) upstream doctype; None when unknown."""
	if doctype in upstream_fields():
		return (
			set(upstream_fields()[doctype]) | STANDARD_COLUMNS | app_custom_fieldnames().get(doctype, set())
		)
	if doctype in app_doctypes():
		return {f.get("fieldname") for f in fields_of(app_doctypes()[doctype])} | STANDARD_COLUMNS
	return None


def fetch_from_problems(data: dict) -> list[str]:
	"""fetch_from "link_field.source_field": the link must be a Link field here, and the
	source field must exist on the linked doctype (when its fields are known)."""
	by_name = {f.get("fieldname"): f for f in fields_of(data)}
	problems = []
	for field in fields_of(data):
		fetch_from = field.get("fetch_from")
		if not fetch_from:
			continue
		label = f"field {field.get('fieldname')!r}: fetch_from {fetch_from!r}"
		link_name, _, source = str(fetch_from).partition(".")
		link = by_name.get(link_name)
		if not source:
			problems.append(f"{label} is not of the form link_field.fieldname")
		elif link is None or link.get("fieldtype") not in ("Link", "Dynamic Link"):
			problems.append(f"{label}: {link_name!r} is not a Link field of this doctype")
		elif link.get("fieldtype") == "Link":
			known = fields_known_for(str(link.get("options")))
			if known is not None and source not in known:
				problems.append(f"{label}: {link.get('options')} has no field {source!r}")
	return problems


@pytest.mark.parametrize("path", params(READABLE_DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_dynamic_links_name_a_doctype_field(path):
	data = load_doctype(path)
	by_name = {f.get("fieldname"): f for f in fields_of(data)}
	problems = []
	for field in fields_of(data):
		if field.get("fieldtype") != "Dynamic Link":
			continue
		options = field.get("options")
		pointer = by_name.get(options)
		label = f"Dynamic Link {field.get('fieldname')!r}"
		if pointer is None:
			problems.append(f"{label}: options {options!r} is not a field of this doctype")
		elif pointer.get("fieldtype") == "Link" and pointer.get("options") != "DocType":
			problems.append(
				f"{label}: field {options!r} is a Link to {pointer.get('options')!r}, not to 'DocType'"
			)
		elif pointer.get("fieldtype") not in ("Link", "Select"):
			problems.append(
				f"{label}: field {options!r} is a {pointer.get('fieldtype')}, not a Link or Select"
			)
	assert not problems, report(path, problems)


@pytest.mark.parametrize("path", params(READABLE_DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_permissions_use_known_roles(path):
	data = load_doctype(path)
	permissions = data.get("permissions") or []
	if data.get("istable"):
		assert not permissions, report(path, ["a child table (istable) must not have permissions"])
		return
	problems = []
	for row in permissions:
		role = row.get("role") if isinstance(row, dict) else None
		if not role:
			problems.append(f"permission row {row!r} has no role")
		elif not role_exists(role):
			problems.append(
				f"permission role {role!r} exists neither upstream (tests/data/upstream_roles.txt) "
				"nor in the app (APP_ROLES in sales_process/setup/*.py or a Role JSON fixture)"
			)
	assert not problems, report(path, problems)


@pytest.mark.parametrize("path", params(READABLE_DOCTYPE_JSONS, "doctype JSON"))
def test_doctype_has_controller_class(path):
	data = load_doctype(path)
	folder = path.parent
	controller = folder / f"{folder.name}.py"
	problems = []
	if not (folder / "__init__.py").is_file():
		problems.append(f"{rel(folder)}/__init__.py is missing")
	if data.get("custom"):
		pass  # custom doctypes use frappe's Document
	elif not controller.is_file():
		problems.append(f"controller {rel(controller)} is missing")
	else:
		class_name = controller_class_name(str(data.get("name")))
		kind = top_level_definitions(controller).get(class_name, (None,))[0]
		if kind not in ("class", "import", "assignment"):
			problems.append(
				f"{rel(controller)} defines no class {class_name} (Frappe imports it by that name)"
			)
	assert not problems, report(path, problems)


def app_doctype_names() -> list[tuple[str, Path]]:
	names = []
	for path in DOCTYPE_JSONS:
		try:
			data = json.loads(path.read_text(encoding="utf-8"))
		except (json.JSONDecodeError, UnicodeDecodeError):
			continue
		if isinstance(data, dict) and data.get("name"):
			names.append((data["name"], path))
	return names


def test_app_doctype_names_are_unique_and_new():
	names = app_doctype_names()
	if not names:
		pytest.skip("no doctype JSON in the app yet")
	problems = []
	seen: dict[str, Path] = {}
	for name, path in names:
		if name in seen:
			problems.append(f"{name!r} is defined by both {rel(seen[name])} and {rel(path)}")
		seen[name] = path
		if name in upstream_doctypes():
			problems.append(f"{rel(path)}: {name!r} is already an upstream doctype (Frappe/ERPNext/payments)")
	assert not problems, "\n".join(problems)


# ===================================================================================
# 2. Custom fields on upstream doctypes (sales_process/setup/custom_fields.py)
# ===================================================================================

CUSTOM_FIELDS_FILE = APP_DIR / "setup" / "custom_fields.py"


def load_custom_fields() -> list[tuple[str, dict]]:
	"""(doctype, field) pairs in the order Frappe's create_custom_fields creates them."""
	if not CUSTOM_FIELDS_FILE.is_file():
		pytest.skip(f"{rel(CUSTOM_FIELDS_FILE)} does not exist yet")
	tree = parse_python(CUSTOM_FIELDS_FILE)
	value = module_assignments(tree).get("CUSTOM_FIELDS")
	if value is None:
		pytest.fail(f"{rel(CUSTOM_FIELDS_FILE)}: no module-level CUSTOM_FIELDS assignment")
	try:
		custom_fields = ast.literal_eval(value)
	except ValueError as exc:
		pytest.fail(
			f"{rel(CUSTOM_FIELDS_FILE)}: CUSTOM_FIELDS must be a plain literal so it can be read "
			f"without importing frappe (ast.literal_eval failed: {exc})"
		)
	if not isinstance(custom_fields, dict):
		pytest.fail(
			f"{rel(CUSTOM_FIELDS_FILE)}: CUSTOM_FIELDS must be a dict, got {type(custom_fields).__name__}"
		)
	pairs = []
	for key, fields in custom_fields.items():
		doctypes = key if isinstance(key, tuple) else (key,)
		if isinstance(fields, dict):
			fields = [fields]  # create_custom_fields accepts a single dict too
		for doctype in doctypes:
			pairs += [(doctype, field) for field in fields]
	return pairs


@cache
def app_custom_fieldnames() -> dict[str, set[str]]:
	"""doctype -> custom fieldnames the app adds; empty when custom_fields.py is absent or unreadable
	(its own tests report that)."""
	try:
		pairs = load_custom_fields()
	except (pytest.skip.Exception, pytest.fail.Exception):
		return {}
	found: dict[str, set[str]] = {}
	for doctype, field in pairs:
		if isinstance(field, dict) and field.get("fieldname"):
			found.setdefault(doctype, set()).add(field["fieldname"])
	return found


def custom_field_label(doctype: str, field) -> str:
	fieldname = field.get("fieldname") if isinstance(field, dict) else None
	return f"{rel(CUSTOM_FIELDS_FILE)}: {doctype} custom field {fieldname!r}"


def test_custom_fields_are_well_formed():
	problems = []
	for doctype, field in load_custom_fields():
		label = custom_field_label(doctype, field)
		if not isinstance(field, dict):
			problems.append(f"{label}: not a dict")
			continue
		fieldname = field.get("fieldname")
		if not fieldname:
			problems.append(f"{label}: no fieldname")
		else:
			problems += fieldname_problems(label, fieldname)
			if not str(fieldname).startswith(CUSTOM_FIELD_PREFIX):
				problems.append(f"{label}: fieldname must start with {CUSTOM_FIELD_PREFIX!r}")
		if field.get("fieldtype", "Data") not in VALID_FIELDTYPES:  # Custom Field defaults to Data
			problems.append(f"{label}: fieldtype {field.get('fieldtype')!r} is not a Frappe v15 field type")
		if field.get("fieldtype") == "Select" and not str(field.get("options") or "").strip():
			problems.append(f"{label}: Select without options")
		if not doctype_exists(doctype):
			problems.append(f"{label}: target doctype {doctype!r} does not exist (app or upstream)")
	assert not problems, "\n".join(problems)


def test_custom_field_links_point_to_existing_doctypes():
	problems = []
	for doctype, field in load_custom_fields():
		if not isinstance(field, dict) or field.get("fieldtype") not in ("Link", *TABLE_FIELDTYPES):
			continue
		options = str(field.get("options") or "").strip()
		label = custom_field_label(doctype, field)
		if not options:
			problems.append(f"{label}: {field['fieldtype']} without options")
		elif not doctype_exists(options):
			problems.append(f"{label}: options {options!r} is neither an app nor an upstream doctype")
		elif field["fieldtype"] in TABLE_FIELDTYPES and options in app_doctypes():
			if not app_doctypes()[options].get("istable"):
				problems.append(f"{label}: table options {options!r} is not a child table (istable)")
	assert not problems, "\n".join(problems)


def test_custom_fields_insert_after_an_existing_field():
	problems = []
	defined: dict[str, set[str]] = {}  # doctype -> custom fieldnames created so far
	for doctype, field in load_custom_fields():
		if not isinstance(field, dict):
			continue
		label = custom_field_label(doctype, field)
		insert_after = field.get("insert_after")
		upstream = upstream_fields().get(doctype)
		if insert_after:
			if upstream is None and doctype not in app_doctypes():
				problems.append(
					f"{label}: no upstream field list for {doctype!r} in tests/data/upstream_fields.json "
					"(add it to FIELDS_FOR in the generator, see tests/data/README.md)"
				)
			else:
				own = upstream or [f.get("fieldname") for f in fields_of(app_doctypes().get(doctype, {}))]
				if insert_after not in own and insert_after not in defined.get(doctype, set()):
					problems.append(
						f"{label}: insert_after {insert_after!r} is neither a field of {doctype} "
						"nor a custom field defined before it"
					)
		defined.setdefault(doctype, set()).add(field.get("fieldname"))
	assert not problems, "\n".join(problems)


def test_custom_fieldnames_do_not_collide():
	problems = []
	seen: dict[str, set[str]] = {}
	for doctype, field in load_custom_fields():
		if not isinstance(field, dict) or not field.get("fieldname"):
			continue
		fieldname, label = field["fieldname"], custom_field_label(doctype, field)
		if fieldname in upstream_fields().get(doctype, []):
			problems.append(f"{label}: {doctype} already has an upstream field with this name")
		if fieldname in seen.setdefault(doctype, set()):
			problems.append(f"{label}: defined twice for {doctype}")
		seen[doctype].add(fieldname)
	assert not problems, "\n".join(problems)


def test_upstream_snapshots_cover_the_doctypes_the_app_extends():
	# guards the data files themselves: a truncated snapshot would make other tests lie
	missing = [
		name
		for name in ("Opportunity", "Quotation", "Sales Order", "User", "Role")
		if name not in upstream_doctypes()
	]
	assert not missing, (
		f"tests/data/upstream_doctypes.txt lacks {missing}; regenerate it (tests/data/README.md)"
	)
	assert {"Sales Manager", "Sales User", "System Manager"} <= upstream_roles()
	assert "opportunity_from" in upstream_fields()["Opportunity"]


# ===================================================================================
# 3. hooks.py
# ===================================================================================

HOOKS_FILE = APP_DIR / "hooks.py"

# Hooks whose values (and dict values, never dict keys) are dotted paths to callables.
CALLABLE_HOOKS = frozenset(
	{
		"doc_events", "scheduler_events", "after_install", "after_migrate", "before_migrate",
		"before_install", "before_uninstall", "after_uninstall", "after_app_install",
		"before_app_uninstall", "after_app_uninstall", "permission_query_conditions",
		"has_permission", "override_whitelisted_methods", "boot_session", "extend_bootinfo",
		"before_tests", "notification_config", "standard_queries", "on_session_creation",
		"on_login", "on_logout", "before_request", "after_request", "before_job", "after_job",
		"get_translated_dict", "auth_hooks", "update_website_context", "get_website_user_home_page",
		"filters_config", "default_log_clearing_doctypes",
	}
)  # fmt: skip
CLASS_HOOKS = frozenset({"override_doctype_class", "extend_doctype_class"})
MODULE_OR_CALLABLE_HOOKS = frozenset({"jinja"})  # jinja methods/filters may name whole modules
# {doctype: "public/js/x.js" | [...]}: file paths relative to the app package
DOCTYPE_ASSET_HOOKS = frozenset(
	{
		"doctype_js",
		"doctype_list_js",
		"doctype_tree_js",
		"doctype_calendar_js",
		"page_js",
		"webform_include_js",
		"webform_include_css",
	}
)
# "/assets/sales_process/..." or a "*.bundle.js|css" name, built from the app's public/ folder
INCLUDE_ASSET_HOOKS = frozenset(
	{
		"app_include_js",
		"app_include_css",
		"web_include_js",
		"web_include_css",
		"email_css",
		"website_theme_scss",
	}
)


def parse_hooks() -> tuple[dict, dict[str, str]]:
	"""(hook name -> literal value, hook name -> why it is not a literal)."""
	values, not_literal = {}, {}
	for name, node in module_assignments(parse_python(HOOKS_FILE)).items():
		try:
			values[name] = ast.literal_eval(node)
		except ValueError:
			not_literal[name] = ast.unparse(node)[:80]
	return values, not_literal


def strings_in(value) -> list[str]:
	"""Every string in a hook value; for dicts only the values (keys are doctypes, events, ...)."""
	if isinstance(value, str):
		return [value]
	if isinstance(value, dict):
		return [s for v in value.values() for s in strings_in(v)]
	if isinstance(value, list | tuple | set):
		return [s for v in value for s in strings_in(v)]
	return []


def acceptable_kinds(hook: str) -> frozenset[str]:
	"""What a dotted path in this hook may name."""
	if hook in CLASS_HOOKS:
		return frozenset({"class"})
	if hook in CALLABLE_HOOKS:
		return CALLABLE
	# jinja methods/filters may name whole modules; in any other hook what a path names must exist
	return CALLABLE | {"module"}


def hook_paths() -> list[tuple[str, str, frozenset[str]]]:
	"""(hook, dotted path, acceptable kinds) for every app path named in hooks.py."""
	if not HOOKS_FILE.is_file():
		return []
	try:
		tree = ast.parse(HOOKS_FILE.read_text(encoding="utf-8"))
	except SyntaxError:
		return []  # reported by test_hooks_py_is_readable_and_identifies_the_app
	found = []
	for name, node in module_assignments(tree).items():
		try:
			value = ast.literal_eval(node)
		except ValueError:
			continue
		if name in DOCTYPE_ASSET_HOOKS | INCLUDE_ASSET_HOOKS:
			continue
		accept = acceptable_kinds(name)
		for string in strings_in(value):
			if APP_DOTTED_PATH.match(string) and not string.endswith(ASSET_SUFFIXES):
				found.append((name, string, accept))
	return found


HOOK_PATHS = hook_paths()


def test_hooks_py_is_readable_and_identifies_the_app():
	if not HOOKS_FILE.is_file():
		pytest.skip(f"{rel(HOOKS_FILE)} does not exist yet")
	values, not_literal = parse_hooks()
	problems = []
	checked = (
		CALLABLE_HOOKS | CLASS_HOOKS | MODULE_OR_CALLABLE_HOOKS | DOCTYPE_ASSET_HOOKS | INCLUDE_ASSET_HOOKS
	)
	for name, source in not_literal.items():
		if name in checked | {"app_name", "required_apps"}:
			problems.append(
				f"hook {name} is not a literal ({source}...), so it cannot be checked without frappe"
			)
	if values.get("app_name") != APP_NAME:
		problems.append(f"app_name is {values.get('app_name')!r}, expected {APP_NAME!r}")
	if values.get("required_apps") != ["frappe/erpnext"]:
		problems.append(f"required_apps is {values.get('required_apps')!r}, expected ['frappe/erpnext']")
	assert not problems, report(HOOKS_FILE, problems)


@pytest.mark.parametrize(
	"hook, dotted_path, accept",
	[pytest.param(*entry, id=f"{entry[0]}:{entry[1]}") for entry in HOOK_PATHS]
	or [
		pytest.param(
			None, None, None, marks=pytest.mark.skip(reason="no sales_process.* paths in hooks.py yet")
		)
	],
)
def test_hook_paths_resolve(hook, dotted_path, accept):
	problem = resolve_dotted_path(dotted_path, accept)
	assert problem is None, f"{rel(HOOKS_FILE)}: hook {hook}: {problem}"


def test_hook_asset_files_exist():
	if not HOOKS_FILE.is_file():
		pytest.skip(f"{rel(HOOKS_FILE)} does not exist yet")
	values, _ = parse_hooks()
	problems = []
	for hook in sorted(DOCTYPE_ASSET_HOOKS & values.keys()):
		for path in strings_in(values[hook]):
			if not (APP_DIR / path).is_file():
				problems.append(f"{hook}: {path!r} does not exist as {rel(APP_DIR / path)}")
	for hook in sorted(INCLUDE_ASSET_HOOKS & values.keys()):
		for path in strings_in(values[hook]):
			problem = include_asset_problem(path)
			if problem:
				problems.append(f"{hook}: {problem}")
	assert not problems, report(HOOKS_FILE, problems)


# hooks keyed by doctype name ("*" = every doctype, for doc_events)
DOCTYPE_KEYED_HOOKS = frozenset(
	{
		"doc_events", "permission_query_conditions", "has_permission", "standard_queries",
		"override_doctype_class", "extend_doctype_class", "doctype_js", "doctype_list_js",
		"doctype_tree_js", "doctype_calendar_js",
	}
)  # fmt: skip


def test_hook_doctype_keys_exist():
	if not HOOKS_FILE.is_file():
		pytest.skip(f"{rel(HOOKS_FILE)} does not exist yet")
	values, _ = parse_hooks()
	problems = [
		f"{hook}: {doctype!r} is neither an app nor an upstream doctype"
		for hook in sorted(DOCTYPE_KEYED_HOOKS & values.keys())
		if isinstance(values[hook], dict)
		for doctype in values[hook]
		if doctype != "*" and not doctype_exists(doctype)
	]
	assert not problems, report(HOOKS_FILE, problems)


def include_asset_problem(path: str) -> str | None:
	public = APP_DIR / "public"
	prefix = f"/assets/{APP_NAME}/"
	if path.startswith(prefix):
		target = public / path[len(prefix) :]
		if target.is_file():
			return None
		# a built bundle: /assets/<app>/dist/... is produced from *.bundle.* sources
		if "/dist/" in path or ".bundle." in path:
			return bundle_problem(Path(path).name)
		return f"{path!r} does not exist as {rel(target)}"
	if "/" not in path and ".bundle." in path:
		return bundle_problem(path)
	return None  # another app's asset, or a URL


def bundle_problem(bundle: str) -> str | None:
	"""esbuild builds x.bundle.css from x.bundle.(s)css/less, x.bundle.js from x.bundle.(js|ts|...)"""
	stem = bundle.split(".bundle.")[0] + ".bundle"
	public = APP_DIR / "public"
	if any(p.name.startswith(stem + ".") for p in public.glob("**/*.bundle.*")):
		return None
	return f"bundle {bundle!r}: no {stem}.* source under {rel(public)}/"


# ===================================================================================
# 4. Reports
# ===================================================================================


@pytest.mark.parametrize("path", params(REPORT_JSONS, "report JSON"))
def test_report_json_is_a_standard_report_of_this_module(path):
	data = read_json(path)
	if not isinstance(data, dict) or data.get("doctype") != "Report":
		pytest.fail(f'{rel(path)}: not a Report JSON ("doctype" must be "Report")')
	problems = []
	name = data.get("name") or data.get("report_name")
	if not name or scrub(name) != path.parent.name:
		problems.append(f"name {name!r} belongs in folder {scrub(name or '')!r}, not {path.parent.name!r}")
	if data.get("module") != MODULE_NAME:
		problems.append(f'"module" is {data.get("module")!r}, expected {MODULE_NAME!r}')
	if data.get("is_standard") != "Yes":
		problems.append(f'"is_standard" is {data.get("is_standard")!r}, expected "Yes"')
	ref_doctype = data.get("ref_doctype")
	if not ref_doctype or not doctype_exists(ref_doctype):
		problems.append(f"ref_doctype {ref_doctype!r} is neither an app nor an upstream doctype")
	for row in data.get("roles") or []:
		role = row.get("role") if isinstance(row, dict) else None
		if not role or not role_exists(role):
			problems.append(f"roles: {role!r} exists neither upstream nor in the app")
	if data.get("report_type") == "Script Report":
		script = path.with_suffix(".py")
		if not script.is_file():
			problems.append(f"Script Report without {rel(script)}")
		elif top_level_definitions(script).get("execute", (None,))[0] not in (
			"function",
			"import",
			"assignment",
		):
			problems.append(f"{rel(script)} defines no top-level execute()")
	for string in strings_in(data):
		if APP_DOTTED_PATH.match(string):
			problem = resolve_dotted_path(string, CALLABLE | {"module"})
			if problem:
				problems.append(problem)
	assert not problems, report(path, problems)


# ===================================================================================
# 4b. Workspace widgets: number cards and dashboard charts
# ===================================================================================

WIDGET_JSONS = sorted(
	p
	for folder in ("number_card", "dashboard_chart")
	for p in APP_DIR.glob(f"**/{folder}/*/*.json")
	if p.stem == p.parent.name
)


def whitelisted_functions(path: Path) -> set[str]:
	"""Top-level functions decorated with `@frappe.whitelist` / `@frappe.whitelist(...)`."""
	found = set()
	for node in parse_python(path).body:
		if not isinstance(node, ast.FunctionDef):
			continue
		for decorator in node.decorator_list:
			target = decorator.func if isinstance(decorator, ast.Call) else decorator
			if ast.unparse(target) in ("frappe.whitelist", "whitelist"):
				found.add(node.name)
	return found


@pytest.mark.parametrize("path", params(WIDGET_JSONS, "number card / dashboard chart JSON"))
def test_workspace_widget_json_is_standard_and_its_method_is_whitelisted(path):
	data = read_json(path)
	expected = "Number Card" if path.parent.parent.name == "number_card" else "Dashboard Chart"
	problems = []
	if data.get("doctype") != expected:
		problems.append(f'"doctype" is {data.get("doctype")!r}, expected {expected!r}')
	name = data.get("name")
	if not name or scrub(name) != path.parent.name:
		problems.append(f"name {name!r} belongs in folder {scrub(name or '')!r}, not {path.parent.name!r}")
	if data.get("module") != MODULE_NAME or not data.get("is_standard"):
		problems.append(f"must be a standard widget of module {MODULE_NAME!r}")
	document_type = data.get("document_type")
	if document_type and not doctype_exists(document_type):
		problems.append(f"document_type {document_type!r} is neither an app nor an upstream doctype")
	if expected == "Number Card" and not document_type:
		# Frappe shows a card only to readers of its document_type, Custom cards included
		problems.append("document_type is required (Frappe hides cards without one from non-System Managers)")
	report_name = data.get("report_name")
	if report_name and not any(scrub(report_name) == report_json.parent.name for report_json in REPORT_JSONS):
		problems.append(f"report_name {report_name!r} is not a report of this app")
	method = data.get("method")
	if method:
		problem = resolve_dotted_path(method, CALLABLE)
		if problem:
			problems.append(problem)
		else:
			module, function = method.rsplit(".", 1)
			if function not in whitelisted_functions(module_file(module)):
				problems.append(f"method {method!r} is not decorated with @frappe.whitelist()")
	assert not problems, report(path, problems)


# ===================================================================================
# 5. patches.txt
# ===================================================================================

PATCHES_FILE = APP_DIR / "patches.txt"
PATCH_SECTIONS = ("pre_model_sync", "post_model_sync")


def test_patches_txt_parses_like_frappe():
	if not PATCHES_FILE.is_file():
		pytest.skip(f"{rel(PATCHES_FILE)} does not exist yet")
	text = PATCHES_FILE.read_text(encoding="utf-8")
	if not re.search(r"^\[", text, re.M):
		return  # old single-list format, read line by line
	# frappe.modules.patch_handler.parse_as_configfile reads it exactly like this and
	# indexes both sections when running all patches
	parser = configparser.ConfigParser(allow_no_value=True, delimiters="\n")
	parser.optionxform = str
	try:
		parser.read_string(text, source=str(PATCHES_FILE))
	except configparser.Error as exc:
		pytest.fail(f"{rel(PATCHES_FILE)}: Frappe's parser rejects it: {exc}")
	missing = [s for s in PATCH_SECTIONS if s not in parser.sections()]
	assert not missing, f"{rel(PATCHES_FILE)}: sections {missing} are missing (Frappe needs both)"


def patch_lines() -> list[tuple[int, str]]:
	if not PATCHES_FILE.is_file():
		return []
	lines = []
	for number, line in enumerate(PATCHES_FILE.read_text(encoding="utf-8").splitlines(), start=1):
		stripped = line.strip()
		if stripped and not stripped.startswith(("#", ";", "[")):
			lines.append((number, stripped))
	return lines


@pytest.mark.parametrize(
	"number, line",
	[pytest.param(n, line, id=f"line{n}:{line[:60]}") for n, line in patch_lines()]
	or [pytest.param(None, None, marks=pytest.mark.skip(reason="no patches in patches.txt yet"))],
)
def test_patch_line_resolves(number, line):
	where = f"{rel(PATCHES_FILE)} line {number} ({line!r})"
	if line.startswith("execute:"):
		assert line[len("execute:") :].strip(), f"{where}: empty execute: statement"
		return
	module = line.split(maxsplit=1)[
		0
	]  # patch_handler.execute_patch: text after a space is a comment/rerun tag
	assert module.startswith(APP_NAME + "."), f"{where}: must be execute:... or a {APP_NAME}.* module path"
	file = module_file(module)
	assert file is not None, f"{where}: module file {module.replace('.', '/')}.py does not exist"
	assert top_level_definitions(file).get("execute", (None,))[0] == "function", (
		f"{where}: {rel(file)} has no top-level def execute()"
	)


# ===================================================================================
# 6. The engine stays free of frappe / erpnext
# ===================================================================================

ENGINE_DIR = APP_DIR / "engine"
ENGINE_FILES = sorted(ENGINE_DIR.glob("**/*.py"))
FORBIDDEN_ROOTS = ("frappe", "erpnext")


@pytest.mark.parametrize("path", params(ENGINE_FILES, "engine module"))
def test_engine_module_does_not_import_frappe(path):
	problems = []
	for node in ast.walk(parse_python(path)):  # at any depth, inside functions too
		if isinstance(node, ast.Import):
			modules = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and not node.level:
			modules = [node.module or ""]
		else:
			continue
		for module in modules:
			if module.split(".")[0] in FORBIDDEN_ROOTS:
				problems.append(f"line {node.lineno}: imports {module}")
	assert not problems, report(path, problems)


class _BlockFrappe(importlib.abc.MetaPathFinder):
	"""Makes `import frappe` / `import erpnext` fail even where they are installed."""

	def find_spec(self, fullname, path=None, target=None):
		if fullname.split(".")[0] in FORBIDDEN_ROOTS:
			raise ModuleNotFoundError(
				f"{fullname} is blocked here: sales_process/__init__.py and the engine must not import it",
				name=fullname,
			)
		return None


def test_engine_imports_without_frappe():
	if not (ENGINE_DIR / "__init__.py").is_file():
		pytest.skip(f"{rel(ENGINE_DIR)}/__init__.py does not exist yet")
	frappe_was_loaded = "frappe" in sys.modules
	saved = {n: m for n, m in sys.modules.items() if n == APP_NAME or n.startswith(APP_NAME + ".")}
	for name in saved:
		del sys.modules[name]  # import afresh from REPO_ROOT
	blocker = _BlockFrappe()
	sys.meta_path.insert(0, blocker)
	sys.path.insert(0, str(REPO_ROOT))
	try:
		engine = importlib.import_module(f"{APP_NAME}.engine")
		assert Path(engine.__file__).resolve().is_relative_to(REPO_ROOT), (
			f"imported {engine.__file__}, not the engine under {REPO_ROOT}"
		)
		if not frappe_was_loaded:
			assert "frappe" not in sys.modules, "importing sales_process.engine loaded frappe"
	except ImportError as exc:
		pytest.fail(f"import {APP_NAME}.engine failed without frappe: {exc!r}")
	finally:
		sys.path.remove(str(REPO_ROOT))
		sys.meta_path.remove(blocker)
		for name in [n for n in sys.modules if n == APP_NAME or n.startswith(APP_NAME + ".")]:
			del sys.modules[name]
		sys.modules.update(saved)


# ===================================================================================
# 7. Integration tests inside the app: not collected here, present, v15/v16-compatible
# ===================================================================================

APP_TEST_FILES = sorted(APP_DIR.glob("**/test_*.py"))


def load_pyproject() -> dict:
	path = REPO_ROOT / "pyproject.toml"
	if not path.is_file():
		pytest.fail("pyproject.toml is missing")
	try:
		return tomllib.loads(path.read_text(encoding="utf-8"))
	except tomllib.TOMLDecodeError as exc:
		pytest.fail(f"pyproject.toml: invalid TOML: {exc}")


def test_pytest_collects_only_the_site_free_tests():
	# the test_*.py beside doctypes need a site; plain pytest must not pick them up
	options = load_pyproject().get("tool", {}).get("pytest", {}).get("ini_options", {})
	assert options.get("testpaths") == ["tests"], (
		f'pyproject.toml [tool.pytest.ini_options] testpaths is {options.get("testpaths")!r}, expected ["tests"]'
	)


def imports_compatible_test_case(tree: ast.Module) -> bool:
	"""try: from frappe.tests import IntegrationTestCase / except ImportError: FrappeTestCase."""
	for node in ast.walk(tree):
		if not isinstance(node, ast.Try):
			continue
		tries_new = any(
			isinstance(n, ast.ImportFrom)
			and (n.module or "").startswith("frappe.tests")
			and any(a.name == "IntegrationTestCase" for a in n.names)
			for n in node.body
		)
		falls_back = any(
			handler_catches_import_error(handler)
			and any(
				isinstance(n, ast.ImportFrom)
				and (n.module or "").startswith("frappe.tests")
				and any(a.name == "FrappeTestCase" for a in n.names)
				for n in handler.body
			)
			for handler in node.handlers
		)
		if tries_new and falls_back:
			return True
	return False


def handler_catches_import_error(handler: ast.ExceptHandler) -> bool:
	caught = handler.type
	names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
	return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def compat_testcase_import_problem(path: Path) -> str | None:
	"""None if the file gets its TestCase the v15/v16-compatible way, directly or via an app helper."""
	tree = parse_python(path)
	if imports_compatible_test_case(tree):
		return None
	for node in tree.body:
		if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(APP_NAME + "."):
			helper = module_file(node.module)
			if helper and helper != path and imports_compatible_test_case(parse_python(helper)):
				return None
	return (
		f"{rel(path)}: import the test case as `try: from frappe.tests import IntegrationTestCase` / "
		"`except ImportError: from frappe.tests.utils import FrappeTestCase as IntegrationTestCase` "
		"(directly or from a sales_process helper module that does)"
	)


@pytest.mark.parametrize("path", params(APP_TEST_FILES, "integration test file"))
def test_integration_test_imports_a_v15_v16_compatible_test_case(path):
	problem = compat_testcase_import_problem(path)
	assert problem is None, problem


def is_child_table(path: Path) -> bool:
	try:
		return bool(json.loads(path.read_text(encoding="utf-8")).get("istable"))
	except AttributeError:
		return False  # not an object: reported by test_doctype_json_identifies_a_doctype_of_this_module


@pytest.mark.parametrize(
	"path", params([p for p in READABLE_DOCTYPE_JSONS if not is_child_table(p)], "non-child doctype")
)
def test_doctype_has_an_integration_test(path):
	data = load_doctype(path)
	tests = sorted(path.parent.glob("test_*.py"))
	assert tests, f"{rel(path.parent)}: doctype {data.get('name')!r} has no test_*.py"


# ===================================================================================
# 8. Packaging
# ===================================================================================


def test_pyproject_declares_the_app():
	pyproject = load_pyproject()
	problems = []
	dependencies = pyproject.get("tool", {}).get("bench", {}).get("frappe-dependencies", {})
	for app in ("frappe", "erpnext"):
		if app not in dependencies:
			problems.append(f"[tool.bench.frappe-dependencies] has no {app} entry")
	build = pyproject.get("build-system", {})
	if build.get("build-backend") != "flit_core.buildapi" or not any(
		str(r).startswith("flit_core") for r in build.get("requires", [])
	):
		problems.append(f"[build-system] must use flit_core (got {build!r})")
	project = pyproject.get("project", {})
	if project.get("name") != APP_NAME:
		problems.append(f"[project] name is {project.get('name')!r}, expected {APP_NAME!r}")
	if "version" not in project.get("dynamic", []):
		problems.append('[project] dynamic must contain "version" (flit reads __version__)')
	assert not problems, report(REPO_ROOT / "pyproject.toml", problems)


def test_package_defines_version():
	init = APP_DIR / "__init__.py"
	assert init.is_file(), f"{rel(init)} is missing"
	assert "__version__" in module_assignments(parse_python(init)), f"{rel(init)} does not define __version__"


def test_module_is_declared_and_has_its_folder():
	modules_txt = APP_DIR / "modules.txt"
	assert modules_txt.is_file(), f"{rel(modules_txt)} is missing"
	modules = [line.strip() for line in modules_txt.read_text(encoding="utf-8").splitlines() if line.strip()]
	assert MODULE_NAME in modules, f"{rel(modules_txt)} does not list {MODULE_NAME!r} (has {modules})"
	module_init = APP_DIR / scrub(MODULE_NAME) / "__init__.py"
	assert module_init.is_file(), f"{rel(module_init)} is missing (the module folder must be a package)"


# ===================================================================================
# 9. Translations
# ===================================================================================


def test_chinese_translations_are_well_formed():
	path = APP_DIR / "translations" / "zh.csv"
	if not path.is_file():
		pytest.skip(f"{rel(path)} does not exist yet")
	problems = []
	sources: dict[str, int] = {}
	with path.open(encoding="utf-8", newline="") as handle:
		for number, row in enumerate(csv.reader(handle), start=1):
			if not row:
				continue
			if len(row) < 2:
				problems.append(f"row {number}: {row!r} has fewer than 2 columns")
				continue
			source, target = row[0], row[1]
			if not source.strip() or not target.strip():
				problems.append(f"row {number}: empty source or target ({row!r})")
			if source in sources:
				problems.append(
					f"row {number}: source {source!r} already translated in row {sources[source]}"
				)
			sources.setdefault(source, number)
	assert not problems, report(path, problems)


def workspace_doctype_links() -> list[tuple[Path, str]]:
	links = []
	for path in sorted(APP_DIR.glob("**/workspace/*/*.json")):
		for link in read_json(path).get("links") or []:
			if link.get("type") == "Link" and link.get("link_type") == "DocType":
				links.append((path, link["link_to"]))
	return links


@pytest.mark.parametrize(("path", "doctype"), workspace_doctype_links())
def test_a_doctype_the_workspace_links_to_can_be_opened_on_the_desk(path, doctype):
	# Frappe leaves a read-only DocType out of `can_read`, so the desk router says "Page not found"
	# for its list and forms, even to a user who may read it; the app's own doctypes refuse writes
	# in their controllers instead
	meta = app_doctypes().get(doctype)
	if meta is None:
		return  # an ERPNext or Frappe doctype
	assert not meta.get("read_only"), f"{rel(path)} links to {doctype}, which is a read-only DocType"
