"""What a checkpoint record has as evidence: read from the deal, the record and its files.

"Nothing needed" is never read from a missing or zero value: the purchase
history is looked up, files are listed from the database, roles are read
from the deal. Every file that backs a completion is private, uploaded to the
record itself and fingerprinted.
"""

from __future__ import annotations

import hashlib

import frappe
from frappe import _

from sales_process.adapters import opportunity
from sales_process.engine.evidence import EvidenceInput, Missing, missing_evidence
from sales_process.engine.matching import MatchResult
from sales_process.engine.rules import EvidenceKind
from sales_process.engine.triggers import COMPETITOR_PREFIX, RISK_PREFIX, subject_of
from sales_process.process import rule_book as book_module
from sales_process.process.deals import Deal
from sales_process.process.records import RECORD

QUOTATION_PREFIX = "Quotation:"


def translate(missing: Missing) -> str:
	"""The template and the labels it carries, in the user's language."""

	def localized(value):
		if isinstance(value, tuple | list):
			return ", ".join(_(str(item)) for item in value)
		return _(value) if isinstance(value, str) else value

	return _(missing.template).format(**{key: localized(value) for key, value in missing.params.items()})


def missing_for(record, deal: Deal, match: MatchResult | None = None) -> list[Missing]:
	rule = book_module.rule_book().rule(record.checkpoint)
	if rule is None:
		# disabled or deleted after the record started: nobody can meet it, a manager waives it
		return [
			Missing(
				"Checkpoint {checkpoint} is no longer in use: ask a Sales Manager to waive it",
				{"checkpoint": record.checkpoint},
			)
		]
	kinds = {requirement.kind for requirement in rule.evidence}
	return missing_evidence(rule.evidence, evidence_for(record, deal, match, kinds))


def evidence_for(
	record, deal: Deal, match: MatchResult | None = None, kinds=EvidenceKind.ALL
) -> EvidenceInput:
	"""What the deal and the record show; each source is read only if a requirement of `kinds` needs it."""
	needs = set(kinds)
	roles = ()
	if EvidenceKind.DECISION_ROLES in needs and deal.doctype == opportunity.DOCTYPE:
		roles = opportunity.decision_roles(deal.doc)
	if EvidenceKind.PURCHASE_MATCH in needs and match is None:
		match = purchase_match_of(record)
	return EvidenceInput(
		attachments=len(record_files(record)) if EvidenceKind.ATTACHMENT in needs else 0,
		summary=record.get("summary") or "",
		competitor=subject_of(record.trigger_key, COMPETITOR_PREFIX),
		competitors=deal.snapshot.competitors,
		competitor_responses=competitor_responses(deal)
		if EvidenceKind.COMPETITOR_RESPONSE in needs
		else frozenset(),
		decision_roles=roles,
		match_ratio=match.ratio if match else None,
		purchase_history=match.purchase_history if match else None,
		risk_strategy=risk_strategy_of(record) if EvidenceKind.RISK_STRATEGY in needs else None,
	)


def purchase_match_of(record) -> MatchResult | None:
	"""The quotation's match against the customer's history, computed now (None: not a quotation's record)."""
	from sales_process.process.purchase_history import match_quotation

	name = subject_of(record.trigger_key, QUOTATION_PREFIX)
	if not name or not frappe.db.exists("Quotation", name):
		return None
	return match_quotation(frappe.get_doc("Quotation", name))


def risk_strategy_of(record) -> str | None:
	"""The strategy the rep chose on the risk signal that started the record."""
	signal = subject_of(record.trigger_key, RISK_PREFIX)
	return frappe.db.get_value("Sales Risk Signal", signal, "strategy") if signal else None


def competitor_responses(deal: Deal) -> frozenset[str]:
	if not deal.snapshot.competitors:
		return frozenset()
	return frozenset(
		frappe.get_all(
			"Sales Competitor Response",
			filters={"reference_doctype": deal.doctype, "reference_name": deal.name},
			pluck="competitor",
		)
	)


# files


def record_files(record) -> list:
	"""Files uploaded to the record (read from the database, never from the request)."""
	if not record.name or record.is_new():
		return []
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": RECORD, "attached_to_name": record.name, "is_folder": 0},
		fields=["name", "file_url", "file_name", "is_private"],
		order_by="creation asc",
	)


def check_named_files(record, file_urls: list[str]) -> None:
	"""Each file the completion names must have been uploaded to this record."""
	uploaded = {row.file_url for row in record_files(record)}
	for file_url in file_urls:
		if file_url not in uploaded:
			frappe.throw(
				_(
					"Upload the evidence for checkpoint {0} in its Complete dialog: {1} is not attached to it."
				).format(frappe.bold(_(record.checkpoint)), frappe.utils.escape_html(file_url)),
				title=_("Evidence Missing"),
			)


def fingerprint_files(record) -> list[dict]:
	"""SHA-256 of every file uploaded to the record; each must be private."""
	rows = []
	for row in record_files(record):
		if not row.is_private:
			frappe.throw(
				_(
					"Evidence must be private: {0} is public. Remove it from checkpoint {1} and upload it again with “Private” ticked."
				).format(frappe.bold(row.file_name or row.file_url), frappe.bold(_(record.checkpoint))),
				title=_("Evidence Missing"),
			)
		content = frappe.get_doc("File", row.name).get_content()
		digest = hashlib.sha256(content if isinstance(content, bytes) else content.encode()).hexdigest()
		rows.append({"file": row.file_url, "file_name": row.file_name, "sha256": digest})
	return rows


def latest_attachment(record) -> str | None:
	"""The evidence file last uploaded to an open record, so a retried completion keeps it."""
	if record.get("attachment"):
		return record.attachment
	files = record_files(record)
	return files[-1].file_url if files else None
