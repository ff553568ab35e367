"""Target Back-calculation reads its default history (the twelve months before the period) from
Sales Deal Trailing Year: count it from the deals' facts."""

from sales_process.process import deal_rollup, rollups


def execute():
	rollups.rebuild(deal_rollup.TRAILING)
