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


def record_query_conditions(user: str | None = None, doctype: str = "Sales Checkpoint Record") -> str | None:
	user = user or frappe.session.user
	if _is_manager(user):
		return None
	users = ", ".join(frappe.db.escape(member) for member in team_members(user))
	return f"(`tab{doctype}`.`assigned_to` in ({users}) or `tab{doctype}`.`owner` = {frappe.db.escape(user)})"


def record_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if _is_manager(user):
		return True
	return doc.get("assigned_to") in team_members(user) or doc.owner == user


def competitor_response_query_conditions(user: str | None = None) -> str | None:
	return record_query_conditions(user, "Sales Competitor Response")
