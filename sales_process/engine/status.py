"""The traffic light of a checkpoint record at a given moment."""

from __future__ import annotations

from datetime import datetime

from sales_process.engine.rules import RecordStatus

# Share of the window used after which a pending record turns yellow.
DEFAULT_DUE_SOON_SHARE = 0.75


def live_status(
	stored_status: str,
	triggered_on: datetime | None,
	due_on: datetime | None,
	now: datetime,
	due_soon_share: float = DEFAULT_DUE_SOON_SHARE,
) -> str:
	"""Pending → Due Soon → Overdue as time passes; closed records keep their status."""
	if stored_status in RecordStatus.CLOSED:
		return stored_status
	if due_on is None:
		return RecordStatus.PENDING
	if now > due_on:
		return RecordStatus.OVERDUE
	if triggered_on is None or due_on <= triggered_on:
		# a zero-length window ("immediately") is due soon from the start
		return RecordStatus.DUE_SOON
	used = (now - triggered_on) / (due_on - triggered_on)
	if used >= due_soon_share:
		return RecordStatus.DUE_SOON
	return RecordStatus.PENDING
