"""The rules of the sales process, as pure functions over plain values.

Nothing in this package imports frappe or erpnext: controllers, hooks and
reports read documents, call these functions and write or refuse. That is
what lets every rule be tested without a site.
"""

from sales_process.engine.deadlines import due_time, to_site_naive
from sales_process.engine.evidence import EvidenceInput, Missing, missing_evidence
from sales_process.engine.gate import Blocker, leave_stage_blockers, submit_blockers
from sales_process.engine.matching import MatchResult, purchase_history_match
from sales_process.engine.rules import (
	CheckpointRule,
	DealSnapshot,
	EvidenceKind,
	EvidenceRequirement,
	Gate,
	RecordState,
	RecordStatus,
	Trigger,
	applies,
)
from sales_process.engine.status import live_status
from sales_process.engine.triggers import TriggeredCheckpoint, checkpoints_triggered

__all__ = [
	"Blocker",
	"CheckpointRule",
	"DealSnapshot",
	"EvidenceInput",
	"EvidenceKind",
	"EvidenceRequirement",
	"Gate",
	"MatchResult",
	"Missing",
	"RecordState",
	"RecordStatus",
	"TriggeredCheckpoint",
	"Trigger",
	"applies",
	"checkpoints_triggered",
	"due_time",
	"leave_stage_blockers",
	"live_status",
	"missing_evidence",
	"purchase_history_match",
	"submit_blockers",
	"to_site_naive",
]
