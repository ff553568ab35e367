"""Frappe's File, asked first whether it is evidence.

Frappe's File deletes the bytes in `on_trash`, moves them in `validate` when
`is_private` changes and rewrites them in `optimize_file`, each before any
`doc_events` hook could object (hooks run after the controller's method).
Evidence must be refused before anything touches the disk, so the check runs
at the start of those three methods.
"""

from __future__ import annotations

import frappe
from frappe.core.doctype.file.file import File

from sales_process.process.evidence_files import refuse_change


class EvidenceAwareFile(File):
	def validate(self):
		refuse_change(self, "save")
		super().validate()

	def on_trash(self):
		refuse_change(self, "delete")
		super().on_trash()

	@frappe.whitelist()
	def optimize_file(self):
		refuse_change(self, "rewrite")
		super().optimize_file()
