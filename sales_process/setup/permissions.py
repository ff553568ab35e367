"""What the app changes on ERPNext and Frappe doctypes besides fields, as data: created on install
and migrate, removed on uninstall. ERPNext v15 lets only Sales Manager read Sales Stage, so a Sales
User sees an empty stage list and cannot move a deal; stage names are shown translated and in
process order; the Checkpoint Record list shows enough columns for a manager."""

import json

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter
from frappe.permissions import add_permission, update_permission_property

GRANTS = (
	# doctype, role, rights
	("Sales Stage", "Sales User", ("read", "select")),
)


def grant_permissions():
	for doctype, role, rights in GRANTS:
		if not frappe.db.exists(
			"Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
		):
			add_permission(doctype, role, 0)
		for right in rights:
			update_permission_property(doctype, role, 0, right, 1, validate=False)
		frappe.clear_cache(doctype=doctype)


def revoke_permissions():
	for doctype, role, _rights in GRANTS:
		frappe.db.delete("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0})
		frappe.clear_cache(doctype=doctype)


PROPERTIES = (
	# doctype, property, value, type: link fields and lists show Sales Stage names translated,
	# and the list follows the process order
	("Sales Stage", "translated_doctype", "1", "Check"),
	("Sales Stage", "sort_field", "sp_sequence", "Data"),
	("Sales Stage", "sort_order", "ASC", "Data"),
	# the Lead list shows the best leads first (lead intake scores them)
	("Lead", "sort_field", "sp_score", "Data"),
	("Lead", "sort_order", "DESC", "Data"),
)
# the Checkpoint Record list shows rep, customer and due time beside the checkpoint and its light;
# the Lead list shows the grade and score first (ERPNext's own columns would push them out)
LIST_VIEWS = {
	"Sales Checkpoint Record": {"total_fields": "6"},
	"Lead": {
		"total_fields": "6",
		"fields": json.dumps(
			[
				{"fieldname": "status_field", "label": "Status"},
				{"fieldname": "sp_grade", "label": "Grade"},
				{"fieldname": "sp_score", "label": "Score"},
			]
		),
	},
}


def set_properties():
	for doctype, prop, value, property_type in PROPERTIES:
		make_property_setter(
			doctype, None, prop, value, property_type, for_doctype=True, validate_fields_for_doctype=False
		)
	for doctype, values in LIST_VIEWS.items():
		if not frappe.db.exists("List View Settings", doctype):
			frappe.get_doc({"doctype": "List View Settings", "name": doctype, **values}).insert(
				ignore_permissions=True
			)


def unset_properties():
	for doctype, prop, value, _type in PROPERTIES:
		# a value someone set afterwards is theirs: only the app's own value is taken back
		frappe.db.delete(
			"Property Setter",
			{"doc_type": doctype, "property": prop, "value": value, "doctype_or_field": "DocType"},
		)
		frappe.clear_cache(doctype=doctype)
	for doctype in LIST_VIEWS:
		frappe.db.delete("List View Settings", {"name": doctype})
