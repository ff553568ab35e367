"""Row-level access: reps see their own checkpoint records, managers their team's."""

from __future__ import annotations

import frappe

MANAGER_ROLES = {"Sales Manager", "Sales Process Manager", "System Manager"}


def _is_manager(user: str) -> bool:
	return user == "Administrator" or bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def team_members(user: str) -> list[str]:
	"""The user and every user below their Sales Person in the Sales Person tree."""
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
		rows = (
			frappe.qb.from_(sales_person)
			.join(employee)
			.on(sales_person.employee == employee.name)
			.select(employee.user_id)
			.where(
				(sales_person.lft >= node.lft) & (sales_person.rgt <= node.rgt) & employee.user_id.isnotnull()
			)
			.run()
		)
		members.update(row[0] for row in rows)
	return sorted(members)


def _team_condition(user: str | None, doctype: str, rep_field: str) -> str | None:
	user = user or frappe.session.user
	if _is_manager(user):
		return None
	users = ", ".join(frappe.db.escape(member) for member in team_members(user))
	return f"(`tab{doctype}`.`{rep_field}` in ({users}) or `tab{doctype}`.`owner` = {frappe.db.escape(user)})"


def _in_team(doc, user: str | None, rep_field: str) -> bool:
	user = user or frappe.session.user
	if _is_manager(user):
		return True
	return doc.get(rep_field) in team_members(user) or doc.owner == user


def record_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Checkpoint Record", "assigned_to")


def competitor_response_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Competitor Response", "assigned_to")


def objection_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Objection", "assigned_to")


def risk_signal_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Risk Signal", "assigned_to")


def visit_query_conditions(user: str | None = None) -> str | None:
	return _team_condition(user, "Sales Visit Log", "rep")


def record_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	"""Checkpoint records, competitor responses, objections and risks: the rep's team or the author."""
	return _in_team(doc, user, "assigned_to")


def visit_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	return _in_team(doc, user, "rep")
