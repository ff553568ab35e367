"""ToDo hooks: closing the ToDo of an alert is acting on it."""

import frappe

from sales_process.engine.alerts import Acted
from sales_process.process import alerts


def on_update(doc, method=None):
	if doc.status != "Closed" or not doc.has_value_changed("status"):
		return
	if not frappe.db.exists(alerts.ALERT, {"todo": doc.name}):
		return
	alerts.acted(Acted.TODO_CLOSED, frappe.session.user, todo=doc.name)
