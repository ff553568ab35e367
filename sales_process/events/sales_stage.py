"""Sales Stage hooks: the stage order is cached for gates, refresh it on change."""

from sales_process.process import rule_book


def on_change(doc, method=None):
	rule_book.clear_cache()
