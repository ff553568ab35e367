"""Checkpoint records: start them, check their evidence, complete, waive, gate."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from sales_process.adapters import opportunity
from sales_process.engine.compliance import compliance_rate
from sales_process.engine.evidence import EvidenceInput, Missing, missing_evidence
from sales_process.engine.gate import Blocker
from sales_process.engine.rules import (
	CheckpointRule,
	DealSnapshot,
	EvidenceKind,
	RecordState,
	RecordStatus,
	Trigger,
)
from sales_process.engine.triggers import checkpoints_triggered
from sales_process.process import rule_book as book_module
from sales_process.process.deals import Deal
from sales_process.process.settings import due_soon_share

RECORD = "Sales Checkpoint Record"
COMPETITOR_KEY_PREFIX = "competitor:"


class CheckpointGateError(frappe.ValidationError):
	pass


def translate(missing: Missing) -> str:
	"""The template and the labels it carries, in the user's language."""

	def localized(value):
		if isinstance(value, tuple | list):
			return ", ".join(_(str(item)) for item in value)
		return _(value) if isinstance(value, str) else value

	return _(missing.template).format(**{key: localized(value) for key, value in missing.params.items()})


def record_states(reference_doctype: str, reference_name: str) -> list[RecordState]:
	"""The deal's records, oldest first (one indexed query; runs on every hooked save)."""
	record = frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(record)
		.select(
			record.name,
			record.checkpoint,
			record.trigger_key,
			record.status,
			record.due_on,
			record.triggered_on,
			record.completed_on,
		)
		.where((record.reference_doctype == reference_doctype) & (record.reference_name == reference_name))
		.orderby(record.creation)
		.run(as_dict=True)
	)
	return [
		RecordState(
			checkpoint=row.checkpoint,
			trigger_key=row.trigger_key,
			status=row.status,
			due_on=row.due_on,
			triggered_on=row.triggered_on,
			completed_on=row.completed_on,
			name=row.name,
		)
		for row in rows
	]


def applicable_rules(book, deal: Deal) -> list[CheckpointRule]:
	return [
		rule
		for rule in book.rules
		if (rule.applies_without_opportunity or not deal.standalone)
		and book_module.condition_holds(book, rule, deal)
	]


def start_checkpoints(
	deal: Deal,
	before: DealSnapshot | None,
	events=(),
	states: list[RecordState] | None = None,
) -> list[str]:
	"""Create the records this change starts; returns their names.

	`states` are the deal's records when the caller has them already.
	"""
	book = book_module.rule_book()
	if not book.rules:
		return []
	unchanged = before is not None and _same_triggers(before, deal.snapshot) and not events
	if unchanged and not any(rule.trigger == Trigger.CONDITION for rule in book.rules):
		# e.g. ERPNext setting the status from a Quotation: nothing can start
		return []
	rules = applicable_rules(book, deal)
	if not rules:
		return []
	if states is None:
		states = record_states(deal.doctype, deal.name)
	existing = {(r.checkpoint, r.trigger_key) for r in states}
	now = now_datetime()
	share = due_soon_share()
	started = checkpoints_triggered(
		rules,
		before,
		deal.snapshot,
		now,
		existing=existing,
		stage_order=book_module.stage_order(),
		holidays=book_module.holidays(deal.company) if book.uses_working_days else None,
		condition_holds=lambda rule: True,  # conditions already narrowed `rules`
		events=events,
	)
	names = []
	for item in started:
		record = frappe.get_doc(
			{
				"doctype": RECORD,
				"checkpoint": item.checkpoint,
				"reference_doctype": deal.doctype,
				"reference_name": deal.name,
				"trigger_key": item.trigger_key,
				"status": RecordStatus.PENDING,
				"assigned_to": deal.rep,
				"company": deal.company,
				"stage": deal.snapshot.stage,
				"triggered_on": item.triggered_on,
				"due_on": item.due_on,
				"due_soon_on": item.triggered_on + (item.due_on - item.triggered_on) * share,
			}
		)
		record.flags.sp_system_write = True
		record.insert(ignore_permissions=True)
		names.append(record.name)
	return names


def _same_triggers(before: DealSnapshot, after: DealSnapshot) -> bool:
	"""Stage, scope attributes and competitors start checkpoints; a status change alone does not."""
	return (before.stage, dict(before.attributes), before.competitors) == (
		after.stage,
		dict(after.attributes),
		after.competitors,
	)


# evidence


def evidence_for(
	record, deal: Deal, match_ratio: float | None = None, kinds=EvidenceKind.ALL
) -> EvidenceInput:
	"""What the deal and the record show; each source is read only if a requirement of `kinds` needs it."""
	competitor = None
	if (record.trigger_key or "").startswith(COMPETITOR_KEY_PREFIX):
		competitor = record.trigger_key[len(COMPETITOR_KEY_PREFIX) :]
	needs = set(kinds)
	roles = ()
	if EvidenceKind.DECISION_ROLES in needs and deal.doctype == opportunity.DOCTYPE:
		roles = opportunity.decision_roles(deal.doc)
	return EvidenceInput(
		attachments=count_attachments(record) if EvidenceKind.ATTACHMENT in needs else 0,
		summary=record.get("summary") or "",
		competitor=competitor,
		competitors=deal.snapshot.competitors,
		competitor_responses=competitor_responses(deal)
		if EvidenceKind.COMPETITOR_RESPONSE in needs
		else frozenset(),
		decision_roles=roles,
		match_ratio=match_ratio if match_ratio is not None else _stored_ratio(record),
		risk_strategy=_risk_strategy(record) if EvidenceKind.RISK_STRATEGY in needs else None,
	)


def _risk_strategy(record) -> str | None:
	from sales_process.process.objections import strategy_of_risk_key

	return strategy_of_risk_key(record.trigger_key)


def _stored_ratio(record) -> float | None:
	# a record verified without purchase history keeps no ratio
	return record.match_ratio if record.get("evidence_note") and record.get("match_ratio") else None


def claim_attachment(record, file_url: str):
	"""Use a file uploaded to this record as its evidence; a file of another document is refused.

	Marking the File as the record's `attachment` keeps Frappe from making a
	second (public) File for the field when the record is saved. Public uploads
	are refused: evidence is private.
	"""
	file_name = frappe.db.get_value(
		"File", {"file_url": file_url, "attached_to_doctype": RECORD, "attached_to_name": record.name}
	)
	if not file_name:
		frappe.throw(
			_(
				"Upload the evidence for checkpoint {0} in its Complete dialog: {1} is not attached to it."
			).format(frappe.bold(_(record.checkpoint)), frappe.utils.escape_html(file_url)),
			title=_("Evidence Missing"),
		)
	if not frappe.db.get_value("File", file_name, "is_private"):
		# flipping it to private would also move every other File with the same content
		frappe.throw(
			_("Evidence must be private: upload {0} again with “Private” ticked.").format(
				frappe.utils.escape_html(file_url)
			),
			title=_("Evidence Missing"),
		)
	frappe.db.set_value("File", file_name, "attached_to_field", "attachment", update_modified=False)
	record.attachment = file_url


def latest_attachment(record) -> str | None:
	"""The evidence file last uploaded to an open record, so a retried completion keeps it."""
	if record.get("attachment"):
		return record.attachment
	files = frappe.get_all(
		"File",
		filters={"attached_to_doctype": RECORD, "attached_to_name": record.name},
		pluck="file_url",
		order_by="creation desc",
		limit=1,
	)
	return files[0] if files else None


def count_attachments(record) -> int:
	urls = set(
		frappe.get_all(
			"File",
			filters={"attached_to_doctype": RECORD, "attached_to_name": record.name},
			pluck="file_url",
		)
		if record.name and not record.is_new()
		else []
	)
	if record.get("attachment"):
		urls.add(record.attachment)
	return len(urls)


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


def missing_for(record, deal: Deal, match_ratio: float | None = None) -> list[Missing]:
	rule = book_module.rule_book().rule(record.checkpoint)
	if rule is None:
		# a disabled checkpoint asks for nothing more
		return []
	kinds = {requirement.kind for requirement in rule.evidence}
	return missing_evidence(rule.evidence, evidence_for(record, deal, match_ratio, kinds))


# completion and waiver


def complete(record, deal: Deal, summary: str | None = None, attachment: str | None = None, note=None):
	"""Mark a record Completed when its evidence is sufficient; refuse with what is missing."""
	if record.status in RecordStatus.CLOSED:
		frappe.throw(
			_("Checkpoint {0} of {1} is already {2}; its evidence can no longer be changed.").format(
				frappe.bold(_(record.checkpoint)), deal.label, _(record.status)
			),
			title=_("Checkpoint Closed"),
		)
	if summary is not None:
		record.summary = summary
	if attachment:
		claim_attachment(record, attachment)
	missing = missing_for(record, deal)
	if missing:
		frappe.throw(
			_("Checkpoint {0} of {1} cannot be completed yet:").format(
				frappe.bold(_(record.checkpoint)), deal.label
			)
			+ "<ul>"
			+ "".join(f"<li>{frappe.utils.escape_html(translate(m))}</li>" for m in missing)
			+ "</ul>",
			title=_("Evidence Missing"),
		)
	_close(record, RecordStatus.COMPLETED, note=note)
	return record


def auto_complete(record, deal: Deal, match_ratio: float | None, note: str):
	"""The system read the evidence from the deal itself: close the record with one UPDATE.

	This runs inside a Quotation submit or a form save, so it skips the full
	document save a rep's completion goes through.
	"""
	record.match_ratio = match_ratio or 0
	_close(record, RecordStatus.COMPLETED, note=note, light=True)


def waive(record, deal: Deal, reason: str):
	book = book_module.rule_book()
	role = book_module.waiver_role(book, record.checkpoint)
	if role not in frappe.get_roles():
		frappe.throw(
			_("Only a user with the role {0} can waive checkpoint {1}.").format(
				frappe.bold(_(role)), frappe.bold(_(record.checkpoint))
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if record.status in RecordStatus.CLOSED:
		frappe.throw(
			_("Checkpoint {0} of {1} is already {2}.").format(
				frappe.bold(_(record.checkpoint)), deal.label, _(record.status)
			)
		)
	if not (reason or "").strip():
		frappe.throw(_("Write why checkpoint {0} is waived.").format(frappe.bold(_(record.checkpoint))))
	now = now_datetime()
	record.waived_by = frappe.session.user
	record.waived_on = now
	record.waiver_reason = reason.strip()
	record.status = RecordStatus.WAIVED
	_save_closed(record)


IMMEDIATE_GRACE = timedelta(minutes=1)


def on_time(record, completed_on) -> bool:
	"""Completed by the due time; an "immediately" checkpoint met within its first minute counts too."""
	if record.due_on is None:
		return True
	deadline = get_datetime(record.due_on)
	if record.triggered_on and deadline <= get_datetime(record.triggered_on):
		deadline = get_datetime(record.triggered_on) + IMMEDIATE_GRACE
	return completed_on <= deadline


def _close(record, status: str, note: str | None = None, light: bool = False):
	now = now_datetime()
	record.status = status
	record.completed_by = frappe.session.user
	record.completed_on = now
	record.on_time = cint(on_time(record, now))
	if note:
		record.evidence_note = note
	if record.attachment:
		record.evidence_hash = attachment_sha256(record)
	_save_closed(record, light=light)


def attachment_sha256(record) -> str | None:
	"""Fingerprint of the evidence file as it was when the checkpoint closed."""
	name = frappe.db.get_value(
		"File",
		{"file_url": record.attachment, "attached_to_doctype": RECORD, "attached_to_name": record.name},
	) or frappe.db.get_value("File", {"file_url": record.attachment})
	if not name:
		frappe.throw(
			_("The evidence file {0} was not found. Attach it again, then complete the checkpoint.").format(
				record.attachment
			)
		)
	content = frappe.get_doc("File", name).get_content()
	return hashlib.sha256(content if isinstance(content, bytes) else content.encode()).hexdigest()


def _save_closed(record, light: bool = False):
	if light:
		record.modified = now_datetime()
		record.db_update()
	else:
		record.flags.sp_system_write = True
		record.save(ignore_permissions=True)
	update_deal_compliance(record.reference_doctype, record.reference_name)


def update_deal_compliance(reference_doctype: str, reference_name: str):
	if reference_doctype != opportunity.DOCTYPE:
		return
	# the column cannot hold "nothing due yet" (Frappe's Percent is NOT NULL); the panel shows that
	rate = compliance_rate(record_states(reference_doctype, reference_name), now_datetime())
	frappe.db.set_value(reference_doctype, reference_name, "sp_compliance", rate or 0, update_modified=False)


# gates


def refuse(
	deal: Deal,
	action: str,
	blockers: list[Blocker],
	match_ratio: float | None = None,
	save_draft_first=None,
	rollback_to: str | None = None,
):
	"""Raise one message naming every blocking checkpoint, what it lacks and who can waive it.

	`rollback_to` names a savepoint to undo first (records started by a refused
	submit), so even a caller that catches the error is left with nothing half-written.
	"""
	book = book_module.rule_book()
	lines = []
	if save_draft_first is not None:
		lines.append(
			_(
				"Save {0} as a draft first, then complete these checkpoints in the checkpoint panel of {1}."
			).format(_(save_draft_first.doctype), deal.label)
		)
	for blocker in blockers:
		checkpoint = frappe.bold(_(blocker.checkpoint))
		role = _(book_module.waiver_role(book, blocker.checkpoint))
		if blocker.record is None:
			if blocker.stage:
				lines.append(
					_("{0} starts in stage {1}: move the deal to {1} first and complete it there.").format(
						checkpoint, frappe.bold(_(blocker.stage))
					)
				)
			else:
				lines.append(
					_(
						"{0} has not started for this document: save it once, then complete the checkpoint."
					).format(checkpoint)
				)
			continue
		record = frappe.get_doc(RECORD, blocker.record)
		missing = [translate(m) for m in missing_for(record, deal, match_ratio)]
		detail = "; ".join(missing) if missing else _("complete it in the Checkpoints panel")
		lines.append(
			_("{0} ({1}): {2}. Or ask a {3} to waive it.").format(
				checkpoint, _(record.status), frappe.utils.escape_html(detail), role
			)
		)
	message = (
		_("{0} cannot {1} yet:").format(deal.label, action)
		+ "<ul>"
		+ "".join(f"<li>{line}</li>" for line in lines)
		+ "</ul>"
	)
	if rollback_to:
		frappe.db.rollback(save_point=rollback_to)
	frappe.throw(
		message,
		exc=CheckpointGateError,
		title=_("Sales Process Checkpoint"),
	)


def settle_auto_verified(
	blockers: list[Blocker], deal: Deal, match_ratio: float | None = None
) -> list[Blocker]:
	"""Complete blocking records whose evidence the system can read itself; return the rest."""
	book = book_module.rule_book()
	remaining = []
	for blocker in blockers:
		rule = book.rule(blocker.checkpoint)
		if blocker.record and rule and book_module.is_auto_verified(rule):
			record = frappe.get_doc(RECORD, blocker.record)
			if not missing_for(record, deal, match_ratio):
				auto_complete(record, deal, match_ratio, _auto_note(match_ratio))
				continue
		remaining.append(blocker)
	return remaining


def settle_started_by(reference_doctype: str, reference_name: str, trigger_key: str, note: str):
	"""Complete the deal's open records started by `trigger_key` whose evidence is now met.

	Used when the evidence lives in another document (a competitor response, a
	risk signal's strategy): saving that document settles its checkpoint.
	"""
	names = frappe.get_all(
		RECORD,
		filters={
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"trigger_key": trigger_key,
			"status": ("in", RecordStatus.OPEN),
		},
		pluck="name",
	)
	if not names:
		return
	from sales_process.process.deals import load

	deal = load(reference_doctype, reference_name)
	for name in names:
		record = frappe.get_doc(RECORD, name)
		if not missing_for(record, deal):
			auto_complete(record, deal, None, note)


def _auto_note(match_ratio: float | None) -> str:
	if match_ratio is None:
		return _("Verified automatically from the deal")
	return _("Verified automatically: {0}% of the quoted items match the purchase history").format(
		f"{match_ratio:g}"
	)


# the form panel


def panel(deal: Deal, trigger_key: str | None = None) -> dict:
	book = book_module.rule_book()
	now = now_datetime()
	share = due_soon_share()
	user_roles = set(frappe.get_roles())
	states = record_states(deal.doctype, deal.name)
	from sales_process.engine.status import live_status

	if trigger_key:
		states = [state for state in states if state.trigger_key == trigger_key]
	rows = []
	for state in states:
		record = frappe.get_doc(RECORD, state.name)
		status = live_status(state.status, state.triggered_on, state.due_on, now, share)
		rule = book.rule(state.checkpoint)
		open_ = status in RecordStatus.OPEN
		rows.append(
			{
				"name": state.name,
				"checkpoint": state.checkpoint,
				"checkpoint_label": _(state.checkpoint),
				"status": status,
				"status_label": _(status),
				"due_on": state.due_on,
				"completed_on": state.completed_on,
				"trigger_key": state.trigger_key,
				"missing": [translate(m) for m in missing_for(record, deal)] if open_ else [],
				"needs_attachment": bool(rule and any(r.kind == "Attachment" for r in rule.evidence)),
				"needs_summary": bool(rule and any(r.kind == "Summary" for r in rule.evidence)),
				"attachment_label": _label(rule, "Attachment"),
				"summary_label": _label(rule, "Summary"),
				"can_waive": open_ and book_module.waiver_role(book, state.checkpoint) in user_roles,
				"summary": record.summary,
				"summary_min": _minimum(rule, EvidenceKind.SUMMARY),
				"attachment": latest_attachment(record) if open_ else record.attachment,
				"needs_competitor_response": bool(
					rule and any(r.kind == EvidenceKind.COMPETITOR_RESPONSE for r in rule.evidence)
				),
				"competitor": record.trigger_key[len(COMPETITOR_KEY_PREFIX) :]
				if (record.trigger_key or "").startswith(COMPETITOR_KEY_PREFIX)
				else None,
				"waived_by": record.waived_by,
				"waiver_reason": record.waiver_reason,
				"sequence": book.sequence.get(state.checkpoint, 0),
			}
		)
	rows.sort(key=lambda row: (row["status"] not in RecordStatus.OPEN, row["due_on"] or now))
	return {"records": rows, "compliance": compliance_rate(states, now)}


def _minimum(rule: CheckpointRule | None, kind: str) -> int:
	if not rule:
		return 0
	return max((r.min_count for r in rule.evidence if r.kind == kind), default=0)


def _label(rule: CheckpointRule | None, kind: str) -> str | None:
	if not rule:
		return None
	return next((_(r.label) for r in rule.evidence if r.kind == kind and r.label), None)
