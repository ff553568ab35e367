import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.engine.conditions import check_condition
from sales_process.engine.rules import EvidenceKind, Gate, Trigger
from sales_process.process import rule_book

NUMBER_FIELDTYPES = ("Int", "Float", "Currency", "Percent", "Check")

DECISION_ROLES = ("Initiator", "Influencer", "Decision Maker", "Veto Holder", "User")


class SalesCheckpoint(Document):
	def validate(self):
		self.validate_trigger()
		self.validate_gate()
		self.validate_condition()
		self.validate_evidence()

	def validate_stage_order(self, stage: str | None, what: str):
		"""A gate or trigger on a stage without an order cannot tell forward from back."""
		if stage and stage not in rule_book.stage_order():
			frappe.throw(
				_(
					"Stage {0} ({1}) has no Order: give it an Order in Sales Stage first, so the process knows which stages come after it."
				).format(frappe.bold(_(stage)), _(what)),
				title=_("Stage Without Order"),
			)

	def on_update(self):
		rule_book.clear_cache()

	def on_trash(self):
		rule_book.clear_cache()

	def validate_trigger(self):
		if self.trigger == Trigger.ENTERS_STAGE and not self.trigger_stage:
			frappe.throw(
				_("Checkpoint {0} starts when a deal enters a stage: choose the Stage.").format(
					frappe.bold(self.name)
				)
			)
		if self.trigger != Trigger.ENTERS_STAGE:
			self.trigger_stage = None
		self.validate_stage_order(self.trigger_stage, "Stage")

	def validate_gate(self):
		if self.gate != Gate.LEAVE_STAGE:
			self.gate_stage = None
		elif not (self.gate_stage or self.trigger_stage):
			frappe.throw(
				_("Checkpoint {0} gates leaving a stage: choose the Stage That Cannot Be Left.").format(
					frappe.bold(self.name)
				)
			)
		if self.gate not in (Gate.SUBMIT_QUOTATION, Gate.SUBMIT_SALES_ORDER):
			self.applies_without_opportunity = 0
		if self.gate == Gate.LEAVE_STAGE:
			self.validate_stage_order(self.gate_stage or self.trigger_stage, "Stage That Cannot Be Left")

	def validate_condition(self):
		"""Refuse a condition that cannot run, so it can never block a document later."""
		condition = (self.condition or "").strip()
		self.condition = condition
		if not condition:
			if self.trigger == Trigger.CONDITION:
				frappe.throw(
					_("Checkpoint {0} starts when its condition is met: write the condition.").format(
						frappe.bold(self.name)
					)
				)
			return
		numeric = [
			df.fieldname for df in frappe.get_meta("Opportunity").fields if df.fieldtype in NUMBER_FIELDTYPES
		]
		sample = frappe.new_doc("Opportunity").as_dict()
		try:
			# checked before it ever runs: a condition like 9**9**9 would hang every deal save
			check_condition(condition, numeric)
			frappe.safe_eval(condition, None, {"doc": sample})
		except Exception as error:
			frappe.throw(
				_(
					"The condition of checkpoint {0} cannot be evaluated: {1}. Write a Python expression on the opportunity, e.g. {2}."
				).format(
					frappe.bold(self.name),
					frappe.utils.escape_html(str(error) or type(error).__name__),
					"<code>doc.opportunity_amount &gt; 100000</code>",
				),
				title=_("Invalid Condition"),
			)

	def validate_evidence(self):
		if not self.evidence:
			frappe.throw(
				_(
					"Checkpoint {0}: add at least one row to Evidence Required, so completing it proves something."
				).format(frappe.bold(self.name)),
				title=_("Evidence Required"),
			)
		for row in self.evidence:
			if row.kind == EvidenceKind.PURCHASE_MATCH and not (0 < (row.min_ratio or 0) <= 100):
				frappe.throw(
					_("Row {0} of Evidence Required: set a Minimum Match between 1 and 100 %.").format(
						row.idx
					)
				)
			if row.kind == EvidenceKind.DECISION_ROLES and row.required_roles:
				unknown = [
					role.strip()
					for role in row.required_roles.split(",")
					if role.strip() and role.strip() not in DECISION_ROLES
				]
				if unknown:
					frappe.throw(
						_("Row {0} of Evidence Required: unknown roles {1}. Use: {2}.").format(
							row.idx, ", ".join(unknown), ", ".join(DECISION_ROLES)
						)
					)
			if (row.min_count or 0) < 0:
				frappe.throw(
					_("Row {0} of Evidence Required: Minimum Count cannot be negative.").format(row.idx)
				)
