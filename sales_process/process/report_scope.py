"""What a Sales Process report may show, and to whom.

Every report shares the same filters (company, period, sales person with subtree,
territory and customer group with subtree, checkpoint). They are turned here into
plain lists once, intersected with the reader's row rules (DESIGN.md §4: a rep sees
their own rows, a manager their team's through the Sales Person tree, Sales Manager
all), and each report applies them to its own `frappe.qb` query with `where_in`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import frappe
from frappe import _
from frappe.utils import add_months, get_first_day, getdate, today

from sales_process.permissions import is_manager, subtree_users, team_members

FINANCE_ROLES = {"Accounts User", "Accounts Manager"}
SALES_ROLES = {"Sales User", "Sales Manager", "Sales Process Manager"}


@dataclass(frozen=True)
class ReportScope:
	company: str | None
	from_date: date
	to_date: date
	reps: list[str] | None = None  # None: every rep; [] : nobody (the reader may see no rep)
	territories: list[str] | None = None
	customer_groups: list[str] | None = None
	checkpoints: list[str] | None = None
	sales_person: str | None = None
	notes: list[str] = field(default_factory=list)

	@property
	def start(self) -> datetime:
		return datetime.combine(self.from_date, time.min)

	@property
	def end(self) -> datetime:
		"""Exclusive end: the first moment after the period."""
		return datetime.combine(frappe.utils.add_days(self.to_date, 1), time.min)

	@property
	def sees_nothing(self) -> bool:
		return self.reps == [] or self.checkpoints == []


def report_scope(filters: dict | None, user: str | None = None, default_months: int = 3) -> ReportScope:
	"""The filters as lists, limited to what `user` may read.

	A period defaults to the last `default_months` months up to today; a period that ends
	before it starts is refused with the fix.
	"""
	filters = frappe._dict(filters or {})
	user = user or frappe.session.user
	to_date = getdate(filters.get("to_date") or today())
	from_date = getdate(filters.get("from_date") or get_first_day(add_months(to_date, 1 - default_months)))
	if from_date > to_date:
		frappe.throw(
			_("From Date {0} is after To Date {1}: choose a From Date on or before the To Date.").format(
				frappe.format(from_date, "Date"), frappe.format(to_date, "Date")
			),
			title=_("Check the period"),
		)

	reps = readable_reps(user)
	if filters.get("sales_person"):
		subtree = sales_person_users(filters.sales_person)
		reps = subtree if reps is None else sorted(set(reps) & set(subtree))

	checkpoints = [filters.checkpoint] if filters.get("checkpoint") else None
	if is_finance_only(user):
		finance = finance_checkpoints()
		checkpoints = finance if checkpoints is None else [c for c in checkpoints if c in finance]

	return ReportScope(
		company=filters.get("company") or None,
		from_date=from_date,
		to_date=to_date,
		reps=reps,
		territories=subtree_names("Territory", filters.get("territory")),
		customer_groups=subtree_names("Customer Group", filters.get("customer_group")),
		checkpoints=checkpoints,
		sales_person=filters.get("sales_person") or None,
	)


def readable_reps(user: str) -> list[str] | None:
	"""None for managers and finance (every rep); else the user and their team below them."""
	if is_manager(user) or is_finance_only(user):
		return None
	return team_members(user)


def is_finance_only(user: str) -> bool:
	"""Accounts users without a sales role read company-wide figures of the contract checkpoints."""
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	return bool(roles & FINANCE_ROLES) and not roles & SALES_ROLES


def finance_checkpoints() -> list[str]:
	"""The checkpoints finance depends on: those gating a Sales Order (Contract Terms Consensus)."""
	return frappe.get_all(
		"Sales Checkpoint",
		filters={"gate": "Submit Sales Order"},
		pluck="name",
		order_by="sequence asc",
	)


def chosen(filters: dict, fieldname: str, label: str, choices, default: str) -> str:
	"""The value of a Select filter (a view, a grouping), or a refusal naming the choices."""
	value = filters.get(fieldname) or default
	if value not in choices:
		frappe.throw(
			_("{0} {1} does not exist: choose one of {2}.").format(
				_(label), frappe.bold(value), ", ".join(_(choice) for choice in choices)
			),
			title=_("Check the filters"),
		)
	return value


def sales_person_users(sales_person: str) -> list[str]:
	"""Users of the sales person and of everyone below them in the Sales Person tree."""
	node = frappe.db.get_value("Sales Person", sales_person, ["lft", "rgt"], as_dict=True)
	if not node:
		frappe.throw(
			_("Sales Person {0} does not exist: pick one from the list.").format(frappe.bold(sales_person)),
			title=_("Check the filters"),
		)
	return sorted(subtree_users(node.lft, node.rgt))


def subtree_names(doctype: str, name: str | None) -> list[str] | None:
	"""A tree node and everything below it (Territory, Customer Group); None when not filtered."""
	if not name:
		return None
	node = frappe.db.get_value(doctype, name, ["lft", "rgt"], as_dict=True)
	if not node:
		frappe.throw(
			_("{0} {1} does not exist: pick one from the list.").format(_(doctype), frappe.bold(name)),
			title=_("Check the filters"),
		)
	table = frappe.qb.DocType(doctype)
	return (
		frappe.qb.from_(table)
		.select(table.name)
		.where((table.lft >= node.lft) & (table.rgt <= node.rgt))
		.run(pluck=True)
	)


def restrict(
	query, scope: ReportScope, *, rep=None, company=None, territory=None, customer_group=None, checkpoint=None
):
	"""Add the scope's conditions to a `frappe.qb` query, on the columns the caller names."""
	if rep is not None and scope.reps is not None:
		query = query.where(rep.isin(scope.reps or [""]))
	if company is not None and scope.company:
		query = query.where(company == scope.company)
	if territory is not None and scope.territories is not None:
		query = query.where(territory.isin(scope.territories))
	if customer_group is not None and scope.customer_groups is not None:
		query = query.where(customer_group.isin(scope.customer_groups))
	if checkpoint is not None and scope.checkpoints is not None:
		query = query.where(checkpoint.isin(scope.checkpoints or [""]))
	return query


def common_filters(*, checkpoint: bool = False) -> list[dict]:
	"""The shared filter definitions, for tests and documentation (the JS files declare them too)."""
	fields = [
		{"fieldname": "company", "fieldtype": "Link", "options": "Company"},
		{"fieldname": "from_date", "fieldtype": "Date"},
		{"fieldname": "to_date", "fieldtype": "Date"},
		{"fieldname": "sales_person", "fieldtype": "Link", "options": "Sales Person"},
		{"fieldname": "territory", "fieldtype": "Link", "options": "Territory"},
		{"fieldname": "customer_group", "fieldtype": "Link", "options": "Customer Group"},
	]
	if checkpoint:
		fields.append({"fieldname": "checkpoint", "fieldtype": "Link", "options": "Sales Checkpoint"})
	return fields


def readable_links(columns: list[dict]) -> list[dict]:
	"""Link columns the reader may not read become plain text: Frappe refuses a report whose Link
	column points at a doctype the reader cannot read (finance and Sales Checkpoint)."""
	for column in columns:
		doctype = column.get("options") if column.get("fieldtype") == "Link" else None
		if doctype and not (
			frappe.has_permission(doctype, "select") or frappe.has_permission(doctype, "read")
		):
			column["fieldtype"] = "Data"
			column.pop("options")
	return columns


def full_names(users, enabled_only: bool = False) -> dict[str, str]:
	"""{user: full name} in one query (`frappe.utils.get_fullname` asks once per user: 500 reps
	were 500 queries), the user's own id where there is no name; `enabled_only` leaves out the
	users who do not exist or are disabled."""
	users = sorted({user for user in users if user})
	if not users:
		return {}
	user = frappe.qb.DocType("User")
	query = (
		frappe.qb.from_(user).select(user.name, user.first_name, user.last_name).where(user.name.isin(users))
	)
	if enabled_only:
		query = query.where(user.enabled == 1)
	names = {name: full_name(name, first, last) for name, first, last in query.run()}
	return names if enabled_only else {user: names.get(user, user) for user in users}


def full_name(user: str, first_name: str | None, last_name: str | None) -> str:
	"""As `frappe.utils.get_fullname` puts it: first and last name, else the user's id."""
	return " ".join(filter(None, (first_name, last_name))) or user


def decimal_text(value: float | None, digits: int) -> str:
	"""A report card's number as text with `digits` decimals, or "-" (a Float card shows the
	system's three)."""
	return "-" if value is None else f"{value:.{digits}f}"
