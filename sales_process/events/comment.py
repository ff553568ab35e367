"""Comment hooks: a comment on a deal by an alert's recipient is acting on it."""

from sales_process.adapters import opportunity
from sales_process.engine.alerts import Acted
from sales_process.process import alerts


def after_insert(doc, method=None):
	if (
		doc.comment_type != "Comment"
		or doc.reference_doctype != opportunity.DOCTYPE
		or not doc.reference_name
	):
		return
	alerts.acted(
		Acted.COMMENT, doc.owner, on=doc.creation, reference=(doc.reference_doctype, doc.reference_name)
	)
