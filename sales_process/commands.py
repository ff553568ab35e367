"""Bench commands of the app (Frappe finds them in `commands`)."""

from __future__ import annotations

import sys

import click
from frappe.commands import get_site, pass_context


@click.command("sales-process-demo")
@click.option("--reps", default=30, show_default=True, type=click.IntRange(1, 2000), help="Sales reps")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 36), help="Months of history")
@click.option("--seed", default=2026, show_default=True, type=int, help="Same seed, same story")
@click.option(
	"--end-date",
	default=None,
	help="Last day of the story (YYYY-MM-DD, not included); default today. The story starts on the "
	"first day of the month --months before it.",
)
@click.option(
	"--scale",
	is_flag=True,
	default=False,
	help="Benchmark volumes (DESIGN.md section 3), written in bulk rows instead of through the app's logic",
)
@click.option(
	"--deals-per-rep-month",
	type=float,
	default=None,
	help="New opportunities per rep per month (default 1.0; 34.3 with --scale)",
)
@click.option("--company", default=None, help="Company name (default SP Demo Trading)")
@click.option("--abbr", default=None, help="Company abbreviation (default SPDT)")
@click.option(
	"--leads-only",
	is_flag=True,
	default=False,
	help="Add the leads (lead rule, sources, campaigns, engagements, converted deals) to a demo written "
	"without them; the seed, reps and dates are the ones the demo was written with",
)
@pass_context
def sales_process_demo(
	context, reps, months, seed, end_date, scale, deals_per_rep_month, company, abbr, leads_only
):
	"""Fill the site with a demo company (China, CNY), a history of its sales process and its leads.

	Refuses to run twice for the same company: to start over, use a fresh site. A demo written
	before it had leads gets them with --leads-only.
	"""
	import dataclasses

	import frappe

	from sales_process import demo
	from sales_process.demo import plan
	from sales_process.demo import vocabulary as words
	from sales_process.demo.company import DemoRefused

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		if leads_only:
			demo.add_leads(
				company=company or words.COMPANY_NAME, say=lambda line: click.echo(line, err=False)
			)
			return
		volumes = plan.BENCHMARK_VOLUMES if scale else plan.DEMO_VOLUMES
		if deals_per_rep_month is not None:
			volumes = dataclasses.replace(volumes, deals_per_rep_month=deals_per_rep_month)
		demo.run(
			reps=reps,
			months=months,
			seed=seed,
			end_date=end_date,
			scale=scale,
			volumes=volumes,
			company=company or words.COMPANY_NAME,
			abbr=abbr or words.COMPANY_ABBR,
			say=lambda line: click.echo(line, err=False),
		)
	except DemoRefused as refusal:
		click.secho(str(refusal), fg="red", err=True)
		sys.exit(1)
	finally:
		frappe.destroy()


commands = [sales_process_demo]
