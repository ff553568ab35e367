"""Sales Process Settings gained alert switches and numbers: a site that stored its Settings before
has no value for them, which Frappe reads as 0 (off). Store their defaults once."""

from sales_process.process.settings import store_missing_defaults


def execute():
	store_missing_defaults()
