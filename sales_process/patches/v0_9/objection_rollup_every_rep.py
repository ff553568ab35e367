"""Sales Objection Month keeps its counts once more summed over every rep
(`engine.rollup.EVERY_REP`), which Objection Analysis reads for a reader who sees every rep: count
the rollup again so the rows exist for the months before this version."""

from sales_process.process import objection_rollup


def execute():
	objection_rollup.rebuild()
