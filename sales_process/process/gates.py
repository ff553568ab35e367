"""Gates: refuse a stage move, a late-stage creation or a submit while a checkpoint holds the deal."""

from __future__ import annotations

import frappe
from frappe import _

from sales_process.engine.gate import Blocker, creation_blockers, leave_stage_blockers
from sales_process.process import evidence, records, stage_log
from sales_process.process import rule_book as book_module
from sales_process.process.completion import settle_auto_verified
from sales_process.process.deals import Deal

MANAGER_ROLES = {"Sales Manager", "Sales Process Manager", "System Manager"}


class CheckpointGateError(frappe.ValidationError):
	pass


def check_stage_move(deal: Deal, old_stage: str | None, new_stage: str | None):
	"""Refuse a move that would pass a gate; checkpoints the system can verify itself settle first."""
	book = book_module.rule_book()
	order = book_module.stage_order()
	last = None
	if old_stage not in order:
		last = stage_log.last_ordered_stage(deal.doctype, deal.name, order)
	blockers = leave_stage_blockers(
		book_module.gating_rules(book, deal),
		records.record_states(deal.doctype, deal.name),
		deal.snapshot,
		old_stage,
		new_stage,
		order,
		before=deal.before,
		last_ordered_stage=last,
		condition_holds=lambda rule: book_module.condition_holds(book, rule, deal),
	)
	blockers = settle_auto_verified(blockers, deal)
	if blockers:
		refuse(
			deal,
			_("move from stage {0} to {1}").format(stage_label(old_stage), stage_label(new_stage)),
			blockers,
		)


def stage_label(stage: str | None) -> str:
	return frappe.bold(_(stage)) if stage else frappe.bold(_("(no stage)"))


def refuse_late_creation(deal: Deal):
	"""A rep cannot create a deal beyond a gate it would start: create it earlier and move it on.

	Managers may (importing an existing pipeline); the deal's checkpoints then start open.
	"""
	if MANAGER_ROLES & set(frappe.get_roles()):
		return
	book = book_module.rule_book()
	blockers = creation_blockers(book_module.applicable(book, deal), deal.snapshot, book_module.stage_order())
	if not blockers:
		return
	lines = [
		_("{0} must be done before a deal leaves stage {1}.").format(
			frappe.bold(_(blocker.checkpoint)), frappe.bold(_(blocker.stage))
		)
		for blocker in blockers
	]
	earliest = min((blocker.stage for blocker in blockers), key=lambda s: book_module.stage_order().get(s, 0))
	frappe.throw(
		_("A new {0} cannot start at stage {1}:").format(_(deal.doctype), stage_label(deal.snapshot.stage))
		+ "<ul>"
		+ "".join(f"<li>{line}</li>" for line in lines)
		+ "</ul>"
		+ _("Create it at stage {0} or earlier and move it on, or ask a Sales Manager to create it.").format(
			frappe.bold(_(earliest))
		),
		exc=CheckpointGateError,
		title=_("Sales Process Checkpoint"),
	)


def refuse(
	deal: Deal,
	action: str,
	blockers: list[Blocker],
	match=None,
	save_draft_first=None,
	rollback_to: str | None = None,
):
	"""Raise one message naming every blocking checkpoint, what it lacks and who can waive it.

	`rollback_to` names a savepoint to undo first (records started by a refused
	submit), so even a caller that catches the error is left with nothing half-written.
	"""
	book = book_module.rule_book()
	lines = []
	if deal.via:
		lines.append(deal.via)
	if save_draft_first is not None:
		lines.append(
			_(
				"Save {0} as a draft first, then complete these checkpoints in the checkpoint panel of {1}."
			).format(_(save_draft_first.doctype), deal.label)
		)
	for blocker in blockers:
		checkpoint = frappe.bold(_(blocker.checkpoint))
		role = _(book_module.waiver_role(book, blocker.checkpoint))
		if deal.standalone:
			lines.append(
				_(
					"{0} gates documents without an Opportunity (“Also Gate Documents Without an Opportunity”)."
				).format(checkpoint)
			)
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
		record = frappe.get_doc(records.RECORD, blocker.record)
		missing = [evidence.translate(m) for m in evidence.missing_for(record, deal, match)]
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
	frappe.throw(message, exc=CheckpointGateError, title=_("Sales Process Checkpoint"))
