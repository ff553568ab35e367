"""Each rollup doctype holds exactly the keys and count columns its engine contribution writes."""

import json
from pathlib import Path

import pytest

from sales_process.engine.compliance import COUNT_COLUMNS, ROLLUP_KEYS
from sales_process.engine.deal_history import (
	DEAL_ROLLUP_COUNTS,
	DEAL_ROLLUP_KEYS,
	PIPELINE_COUNTS,
	PIPELINE_KEYS,
)
from sales_process.engine.funnel import STAGE_ROLLUP_COUNTS, STAGE_ROLLUP_KEYS
from sales_process.engine.objections_report import ITEM_GROUP_COUNTS, ITEM_GROUP_KEYS
from sales_process.engine.objections_report import ROLLUP_COUNTS as OBJECTION_COUNTS
from sales_process.engine.objections_report import ROLLUP_KEYS as OBJECTION_KEYS
from sales_process.engine.strategy_uses import STRATEGY_ROLLUP_COUNTS, STRATEGY_ROLLUP_KEYS
from sales_process.engine.visits_report import ROLLUP_COUNTS as VISIT_COUNTS
from sales_process.engine.visits_report import ROLLUP_KEYS as VISIT_KEYS

DOCTYPES = Path(__file__).resolve().parent.parent / "sales_process" / "sales_process" / "doctype"


@pytest.mark.parametrize(
	"folder, keys, counts",
	[
		("sales_compliance_month", ROLLUP_KEYS, COUNT_COLUMNS),
		("sales_visit_month", VISIT_KEYS, VISIT_COUNTS),
		("sales_stage_month", STAGE_ROLLUP_KEYS, STAGE_ROLLUP_COUNTS),
		("sales_objection_month", OBJECTION_KEYS, OBJECTION_COUNTS),
		("sales_objection_item_group_month", ITEM_GROUP_KEYS, ITEM_GROUP_COUNTS),
		("sales_deal_month", DEAL_ROLLUP_KEYS, DEAL_ROLLUP_COUNTS),
		("sales_deal_trailing_year", DEAL_ROLLUP_KEYS, DEAL_ROLLUP_COUNTS),
		("sales_open_pipeline", PIPELINE_KEYS, PIPELINE_COUNTS),
		("sales_strategy_month", STRATEGY_ROLLUP_KEYS, STRATEGY_ROLLUP_COUNTS),
	],
)
def test_rollup_doctype_matches_the_engine(folder, keys, counts):
	meta = json.loads((DOCTYPES / folder / f"{folder}.json").read_text(encoding="utf-8"))
	fields = {field["fieldname"]: field for field in meta["fields"]}
	assert [name for name in keys if name not in fields] == []
	# every number that is not a key (Sales Deal Month's furthest stage is an Int key) is a count
	ints = [
		field["fieldname"]
		for field in meta["fields"]
		if field["fieldtype"] in ("Int", "Currency") and field["fieldname"] not in keys
	]
	assert sorted(ints) == sorted(counts)
	assert all(fields[name].get("read_only") for name in (*keys, *counts))
