"""Sales Risk Signal gained `closed_on` (stamped when the status leaves Open). A signal closed
before has no such stamp: its last change (`modified`) is the best moment stored, and it is never
earlier than the real one, so the close-probability model learns nothing from the future."""

import frappe


def execute():
	signal = frappe.qb.DocType("Sales Risk Signal")
	(
		frappe.qb.update(signal)
		.set(signal.closed_on, signal.modified)
		.where(signal.status.notin(["Open", ""]) & signal.closed_on.isnull())
		.run()
	)
