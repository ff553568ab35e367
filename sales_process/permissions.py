"""Row-level access: reps see their own records, managers their team's (the Sales Person tree).

The rules judge the stored document, never the incoming request: a rep who
writes their own name into `assigned_to` is judged by the name already saved.
"""

from __future__ import annotations

import frappe

from sales_process.adapters import opportunity
from sales_process.engine.rules import RecordStatus

MANAGER_ROLES = {"Sales Manager", "Sales Process Manager", "System Manager"}
RECORD = "Sales Checkpoint Record"
STAGE_LOG = "Sales Stage Log"
DEAL = "Opportunity"


def is_manager(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def team_members(user: str) -> list[str]:
	"""The user and every user below their Sales Person in the Sales Person tree (once per request)."""
	cache = getattr(frappe.local, "sales_process_teams", None)
	if cache is None:
		cache = frappe.local.sales_process_teams = {}
	if user not in cache:
		cache[user] = _team_members(user)
	return cache[user]


def forget_teams(doc=None, method=None):
	"""A Sales Person or an Employee's user changed: the teams are read again."""
	frappe.local.sales_process_teams = None


def _team_members(user: str) -> list[str]:
	sales_person = frappe.qb.DocType("Sales Person")
	employee = frappe.qb.DocType("Employee")
	own = (
		frappe.qb.from_(sales_person)
		.join(employee)
		.on(sales_person.employee == employee.name)
		.select(sales_person.lft, sales_person.rgt)
		.where(employee.user_id == user)
		.run(as_dict=True)
	)
	members = {user}
	for node in own:
		members.update(subtree_users(node.lft, node.rgt))
	return sorted(members)


def subtree_users(lft: int, rgt: int) -> list[str]:
	"""Users of the Sales Persons between `lft` and `rgt` of the tree (a node and everyone below it)."""
	sales_person = frappe.qb.DocType("Sales Person")
	employee = frappe.qb.DocType("Employee")
	return (
		frappe.qb.from_(sales_person)
		.join(employee)
		.on(sales_person.employee == employee.name)
		.select(employee.user_id)
		.distinct()
		.where((sales_person.lft >= lft) & (sales_person.rgt <= rgt) & employee.user_id.isnotnull())
		.run(pluck=True)
	)


def _team_condition(user: str | None, doctype: str, rep_field: str) -> str | None:
	user = user or frappe.session.user
	if is_manager(user):
		return None
	users = ", ".join(frappe.db.escape(member) for member in team_members(user))
	return f"(`tab{doctype}`.`{rep_field}` in ({users}) or `tab{doctype}`.`owner` = {frappe.db.escape(user)})"


def _stored(doc, fieldnames: list[str]):
	"""The values as saved; a document being created is judged on what it carries."""
	if not doc.get("name") or doc.is_new():
		return doc
	return frappe.db.get_value(doc.doctype, doc.name, fieldnames, as_dict=True) or doc


def _in_team(doc, user: str | None, rep_field: str) -> bool:
	user = user or frappe.session.user
	if is_manager(user):
		return True
	stored = _stored(doc, [rep_field, "owner"])
	return stored.get(rep_field) in team_members(user) or stored.get("owner") == user


def record_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, RECORD, "assigned_to")


def competitor_response_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Competitor Response", "assigned_to")


def objection_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Objection", "assigned_to")


def risk_signal_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Risk Signal", "assigned_to")


def visit_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Visit Log", "rep")


def alert_query_conditions(user: str | None = None) -> str | None:
	"""Alerts sent to the user's team or about the team's deals."""
	user = user or frappe.session.user
	if is_manager(user):
		return None
	users = ", ".join(frappe.db.escape(member) for member in team_members(user))
	return (
		f"(`tabSales Process Alert`.`recipient` in ({users}) or `tabSales Process Alert`.`rep` in ({users}))"
	)


def alert_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if is_manager(user):
		return True
	stored = _stored(doc, ["recipient", "rep"])
	team = team_members(user)
	return stored.get("recipient") in team or stored.get("rep") in team


def record_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	"""Checkpoint records: the rep's team; a completed or waived record is written by nobody."""
	if ptype == "write" and doc.doctype == RECORD and not doc.is_new():
		if frappe.db.get_value(RECORD, doc.name, "status") in RecordStatus.CLOSED:
			return False
	return _in_team(doc, user, "assigned_to")


def visit_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	return _in_team(doc, user, "rep")


# Sales Stage Log: a row belongs to whoever the deal belongs to now


def _deal_rep_subquery(members: list[str]):
	deal = frappe.qb.DocType(DEAL)
	return frappe.qb.from_(deal).select(deal.name).where(opportunity.rep_column(deal).isin(members))


def stage_log_query_conditions(user: str | None = None) -> str | None:
	user = user or frappe.session.user
	if is_manager(user):
		return None
	deals = _deal_rep_subquery(team_members(user)).get_sql()
	return f"(`tab{STAGE_LOG}`.`reference_doctype` = '{DEAL}' and `tab{STAGE_LOG}`.`reference_name` in ({deals}))"


def stage_log_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if is_manager(user):
		return True
	if doc.get("reference_doctype") != DEAL:
		return False
	values = frappe.db.get_value(
		DEAL, doc.get("reference_name"), ["owner", "opportunity_owner"], as_dict=True
	)
	return bool(values) and (values.opportunity_owner or values.owner) in team_members(user)


# File: evidence cannot be written or deleted by anyone (see sales_process.overrides.file)


def file_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""Deny writing or deleting evidence files; otherwise say nothing (Frappe's own rules decide).

	Returning True here would override Frappe's File permission, so only False or None.
	"""
	if ptype not in ("write", "delete", "cancel", "submit", "amend") or doc.is_new():
		return None
	from sales_process.process.evidence_files import protection_of

	return False if protection_of(doc.name) else None
