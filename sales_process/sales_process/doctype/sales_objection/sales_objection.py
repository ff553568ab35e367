import frappe
from frappe.model.document import Document

from sales_process.adapters import opportunity
from sales_process.process import objection_rollup, objections, strategy_rollup
from sales_process.process.guards import guard_reassignment, keep_stored, require_write_on_deal

# stamped by the server from the deal (process.objection_rollup); a request cannot set them
SERVER_FIELDS = ("stage", *objection_rollup.FACT_FIELDS)


class SalesObjection(Document):
	def validate(self):
		if self.is_new():
			objection_rollup.stamp_new(self)
		else:
			keep_stored(self, self.get_doc_before_save(), SERVER_FIELDS)
		if self.is_new():
			require_write_on_deal(self)
			self.assigned_to = (
				objections.deal_rep(self.reference_doctype, self.reference_name) or frappe.session.user
			)
		else:
			guard_reassignment(self)
		if not self.objection_type:
			# one tap to confirm or correct: the rep sees the suggestion already filled in
			self.objection_type = objections.suggest(self.customer_words)
			self.suggested = int(bool(self.objection_type))
		elif not self.is_new() and self.has_value_changed("objection_type"):
			self.suggested = 0  # the rep corrected it
		if self.objection_type and not self.strategy:
			self.strategy = frappe.get_cached_value(
				"Sales Objection Type", self.objection_type, "default_strategy"
			)
		self.customer = None
		if self.reference_doctype == opportunity.DOCTYPE and self.reference_name:
			values = frappe.db.get_value(
				opportunity.DOCTYPE, self.reference_name, ["opportunity_from", "party_name"], as_dict=True
			)
			self.customer = opportunity.customer(values) if values else None

	def on_trash(self):
		objection_rollup.objection_deleted(self)

	def after_delete(self):
		strategy_rollup.answer_deleted(self)

	def on_update(self):
		"""Every risk the words carry raises its signal, besides the type the objection is filed under."""
		objection_rollup.objection_written(self)
		strategy_rollup.answer_written(self)
		if self.reference_name and (
			self.is_new()
			or self.has_value_changed("customer_words")
			or self.has_value_changed("objection_type")
		):
			signals = objections.raise_risks_in(
				self.customer_words,
				self.reference_doctype,
				self.reference_name,
				self,
				also=[self.objection_type] if self.objection_type else [],
			)
			if signals and not self.risk_signal:
				self.db_set("risk_signal", signals[0], update_modified=False)
		if self.has_value_changed("strategy") or self.has_value_changed("status"):
			objections.refresh_strategy_stats(self.strategy)
			before = self.get_doc_before_save()
			if before and before.strategy and before.strategy != self.strategy:
				objections.refresh_strategy_stats(before.strategy)


def on_doctype_update():
	# Objection Analysis reads the objections raised in a period
	frappe.db.add_index("Sales Objection", ["creation"])
