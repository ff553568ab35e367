"""Install, migrate and uninstall: custom fields, roles, stage defaults, default checkpoints, backfill."""

from __future__ import annotations

import json

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from sales_process.engine.stages import (
	DEFAULT_STAGES,
	DEFAULT_STALL_ACTION,
	Position,
	transitions_from_history,
)
from sales_process.process import outcomes, stage_rollup
from sales_process.setup.custom_fields import CUSTOM_FIELDS
from sales_process.setup.default_checkpoints import DEFAULT_CHECKPOINTS
from sales_process.setup.indexes import add_report_indexes
from sales_process.setup.permissions import (
	grant_permissions,
	revoke_permissions,
	set_properties,
	unset_properties,
)
from sales_process.setup.roles import APP_ROLES
from sales_process.setup.webhook import delete_alert_webhook, make_alert_webhook


def after_install():
	make_custom_fields()
	make_roles()
	grant_permissions()
	set_properties()
	make_alert_webhook()
	set_stage_defaults()
	make_default_checkpoints()
	make_default_objections()
	enroll_existing_companies()
	backfill_stage_logs()
	add_report_indexes()


def after_migrate():
	make_custom_fields()
	make_roles()
	set_stage_defaults()  # fills only what is empty (new fields of a new version)
	grant_permissions()
	set_properties()
	make_alert_webhook()
	add_report_indexes()


def before_uninstall():
	delete_custom_fields()
	revoke_permissions()
	unset_properties()
	delete_alert_webhook()


def make_custom_fields():
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True)


def delete_custom_fields():
	for doctype, fields in CUSTOM_FIELDS.items():
		fieldnames = [field["fieldname"] for field in fields]
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", fieldnames)})
		frappe.clear_cache(doctype=doctype)


def make_roles():
	for role in APP_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def set_stage_defaults():
	"""Give ERPNext's stages an order, probability and stall limit; never overwrite what a user set."""
	for name, sequence, probability, stall_hours in DEFAULT_STAGES:
		if not frappe.db.exists("Sales Stage", name):
			frappe.get_doc({"doctype": "Sales Stage", "stage_name": name}).insert(ignore_permissions=True)
		values = frappe.db.get_value(
			"Sales Stage",
			name,
			["sp_sequence", "sp_probability", "sp_stall_hours", "sp_stall_action"],
			as_dict=True,
		)
		updates = {
			field: default
			for field, default in (
				("sp_sequence", sequence),
				("sp_probability", probability),
				("sp_stall_hours", stall_hours),
				("sp_stall_action", DEFAULT_STALL_ACTION),
			)
			if not values.get(field)
		}
		if updates:
			frappe.db.set_value("Sales Stage", name, updates, update_modified=False)


def make_default_checkpoints(definitions=DEFAULT_CHECKPOINTS):
	for definition in definitions:
		if frappe.db.exists("Sales Checkpoint", definition["checkpoint_name"]):
			continue
		doc = frappe.get_doc({"doctype": "Sales Checkpoint", "enabled": 1, **definition})
		doc.insert(ignore_permissions=True)


def make_default_objections():
	"""Objection types with Chinese and English keywords, and the strategies they point to."""
	from sales_process.setup.default_objections import DEFAULT_OBJECTION_TYPES, DEFAULT_STRATEGIES

	for strategy in DEFAULT_STRATEGIES:
		if not frappe.db.exists("Sales Response Strategy", strategy["strategy_name"]):
			frappe.get_doc({"doctype": "Sales Response Strategy", **strategy}).insert(ignore_permissions=True)
	for objection_type in DEFAULT_OBJECTION_TYPES:
		if not frappe.db.exists("Sales Objection Type", objection_type["type_name"]):
			frappe.get_doc({"doctype": "Sales Objection Type", **objection_type}).insert(
				ignore_permissions=True
			)


def enroll_existing_companies():
	"""Put the site's companies under process control; companies created later are added by a manager."""
	from sales_process.process.settings import store_missing_defaults

	store_missing_defaults()
	settings = frappe.get_single("Sales Process Settings")
	enrolled = {row.company for row in settings.companies}
	for company in frappe.get_all("Company", pluck="name"):
		if company not in enrolled:
			settings.append("companies", {"company": company})
	settings.flags.ignore_permissions = True
	settings.save()


def backfill_stage_logs():
	"""Rebuild the stage history of existing opportunities from their creation and tracked versions."""
	companies = [row.company for row in frappe.get_single("Sales Process Settings").companies]
	if not companies:
		return
	opportunities = frappe.get_all(
		"Opportunity",
		filters={"company": ("in", companies)},
		fields=["name", "creation", "owner", "sales_stage", "status"],
	)
	backfilled = 0
	for opportunity in opportunities:
		if frappe.db.exists(
			"Sales Stage Log", {"reference_doctype": "Opportunity", "reference_name": opportunity.name}
		):
			continue
		backfilled += 1
		versions = frappe.get_all(
			"Version",
			filters={"ref_doctype": "Opportunity", "docname": opportunity.name},
			fields=["creation", "owner", "data"],
			order_by="creation asc",
		)
		changes = []
		for version in versions:
			try:
				data = json.loads(version.data or "{}")
			except ValueError:
				continue
			for fieldname, old, new in data.get("changed") or []:
				changes.append((version.creation, version.owner, fieldname, old, new))
		transitions = transitions_from_history(
			opportunity.creation,
			opportunity.owner,
			Position(opportunity.sales_stage or None, opportunity.status or None),
			changes,
		)
		for transition in transitions:
			previous = transition.from_position
			frappe.get_doc(
				{
					"doctype": "Sales Stage Log",
					"reference_doctype": "Opportunity",
					"reference_name": opportunity.name,
					"from_stage": previous.stage if previous else None,
					"from_status": previous.status if previous else None,
					"to_stage": transition.to_position.stage,
					"to_status": transition.to_position.status,
					"changed_on": transition.changed_on,
					"changed_by": transition.changed_by,
					"source": "Backfill",
					"seconds_in_previous": transition.seconds_in_previous,
				}
			).insert(ignore_permissions=True)
	if backfilled:
		outcomes.backfill()
		stage_rollup.restamp_all()
