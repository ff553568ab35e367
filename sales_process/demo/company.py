"""The demo company's masters, written through ERPNext's own documents: the company with its
defaults (ERPNext's setup wizard on a fresh site), fiscal years, a Holiday List, territories,
customer groups, items and prices, the sales team (Users, Employees, Sales Persons with targets),
customers with their site addresses, competitors and lost reasons; and the company's enrolment in
Sales Process Settings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import frappe
from frappe.utils import cint

from sales_process.demo import plan
from sales_process.demo import vocabulary as words

MARKER_PREFIX = "sales_process_demo:"
LEADS_MARKER_PREFIX = "sales_process_demo_leads:"


class DemoRefused(Exception):
	"""The demo will not write here; the message says why and what to do instead."""


class DemoExists(DemoRefused):
	"""The demo was already written to this site (or the company already has deals)."""


class DemoMissing(DemoRefused):
	"""Leads were asked for a demo company that is not on this site (or not as the demo wrote it)."""


@dataclass
class Masters:
	"""What the history needs to find again: document names by the plan's indexes."""

	company: str
	head: str
	finance: str
	managers: list[str]
	reps: list[str]
	customers: list[str] = field(default_factory=list)
	holiday_list: str | None = None


def marker_key(company: str) -> str:
	return MARKER_PREFIX + company


def leads_marker_key(company: str) -> str:
	return LEADS_MARKER_PREFIX + company


def stored_marker(key: str) -> str | None:
	"""A marker as stored, read from the table: the defaults cache is shared between processes, and
	another one may have filled it before this transaction wrote the marker."""
	return frappe.db.get_value("DefaultValue", {"parent": "__default", "defkey": key}, "defvalue")


def refuse_if_written(company: str):
	"""Writing the demo twice would mix two stories: say what is there and how to start over."""
	written = stored_marker(marker_key(company))
	if written:
		hint = ""
		if not stored_marker(leads_marker_key(company)):
			hint = " Its leads are not written yet: add them with --leads-only."
		raise DemoExists(
			f"The demo company {company!r} is already on this site ({written}). "
			"To start over, make a fresh site (bench new-site ...) or restore a backup taken before the demo."
			+ hint
		)
	if frappe.db.exists("Company", company) and frappe.db.exists("Opportunity", {"company": company}):
		raise DemoExists(
			f"Company {company!r} already has opportunities; the demo only fills a company of its own. "
			"Choose another name with --company, or use a fresh site."
		)


def mark_written(company: str, details: dict):
	frappe.db.set_default(marker_key(company), json.dumps(details, default=str, sort_keys=True))


def written_demo(company: str) -> dict:
	"""What the demo wrote for `company` (seed, reps, dates: the story the leads join); refuses
	when the demo is not on this site."""
	written = stored_marker(marker_key(company))
	if not written:
		raise DemoMissing(
			f"The demo company {company!r} is not on this site: write it first "
			"(bench --site <site> sales-process-demo), which adds its leads too."
		)
	return json.loads(written)


def refuse_if_leads_written(company: str, rule_name: str):
	"""The leads are written once, to a company without leads or a lead rule of its own."""
	written = stored_marker(leads_marker_key(company))
	if written:
		raise DemoExists(
			f"The demo's leads are already on this site for {company!r} ({written}). "
			"To start over, make a fresh site or restore a backup taken before the demo."
		)
	if frappe.db.exists("Lead", {"company": company}):
		raise DemoExists(
			f"Company {company!r} already has leads; the demo only adds leads to a company without them. "
			"Restore a backup taken before the leads were added, or use a fresh site."
		)
	if frappe.db.exists("Sales Lead Rule", rule_name) or frappe.db.exists(
		"Sales Lead Rule", {"company": company, "enabled": 1}
	):
		raise DemoExists(
			f"Company {company!r} already has a Sales Lead Rule; the demo writes its own. "
			"Disable or delete that rule first, or use a fresh site."
		)


def mark_leads_written(company: str, details: dict):
	frappe.db.set_default(leads_marker_key(company), json.dumps(details, default=str, sort_keys=True))


def masters_of(company_plan: plan.Company, company: str) -> Masters:
	"""The written demo's people by the plan's indexes (for a phase run after the story was written);
	refuses when the site's demo was written from another seed."""
	masters = Masters(
		company=company,
		head=company_plan.head.email,
		finance=company_plan.finance.email,
		managers=[team.manager.email for team in company_plan.teams],
		reps=[rep.person.email for rep in company_plan.reps],
		holiday_list=frappe.db.get_value("Company", company, "default_holiday_list"),
	)
	missing = [user for user in [masters.head, *masters.reps] if not frappe.db.exists("User", user)]
	if missing:
		raise DemoMissing(
			f"The demo's sales team is not on this site as planned ({len(missing)} users missing, e.g. "
			f"{missing[0]}): the demo was written with other settings, so its leads cannot join its story."
		)
	return masters


def write_masters(company_plan: plan.Company, story: plan.Story, say: Callable[[str], None]) -> Masters:
	start, end = story.start.date(), story.end.date()
	company = make_company(company_plan, end)
	say(f"company {company}")
	make_fiscal_years(company, start - timedelta(days=31), end + timedelta(days=400))
	holiday_list = make_holiday_list(company, start - timedelta(days=31), end + timedelta(days=400))
	make_territories()
	make_customer_groups()
	make_items()
	make_competitors_and_reasons()
	enroll(company)
	masters = make_people(company_plan, company, story)
	masters.holiday_list = holiday_list
	say(f"sales team: 1 head of sales, {len(masters.managers)} team managers, {len(masters.reps)} reps")
	masters.customers = make_customers(company_plan, masters)
	say(f"customers: {len(masters.customers)} with site addresses")
	return masters


# company, year, calendar


def make_company(company_plan: plan.Company, end: date) -> str:
	"""A fresh site gets ERPNext's setup wizard (which makes the company); otherwise a Company is
	inserted, and ERPNext gives it its chart of accounts, warehouses and cost centre."""
	name = company_plan.name
	if not cint(frappe.db.get_single_value("System Settings", "setup_complete")):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		setup_complete(
			{
				"language": "English",
				"country": words.COUNTRY,
				"timezone": words.TIME_ZONE,
				"currency": words.CURRENCY,
				"full_name": "Administrator",
				"company_name": name,
				"company_abbr": company_plan.abbr,
				"company_tagline": "Industrial automation for China's factories",
				"chart_of_accounts": "Standard",
				"fy_start_date": f"{end.year}-01-01",
				"fy_end_date": f"{end.year}-12-31",
				"setup_demo": 0,
			}
		)
		# the wizard leaves its last step (genders, salutations, ...) for the request to commit
		frappe.db.commit()
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": company_plan.abbr,
				"default_currency": words.CURRENCY,
				"country": words.COUNTRY,
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


def make_fiscal_years(company: str, start: date, end: date):
	"""Calendar fiscal years over the story; a year kept for other companies gets this one added."""
	for year in range(start.year, end.year + 1):
		year_start, year_end = date(year, 1, 1), date(year, 12, 31)
		existing = frappe.db.get_value(
			"Fiscal Year",
			{
				"year_start_date": ("<=", year_start + timedelta(days=180)),
				"year_end_date": (">=", year_start + timedelta(days=180)),
			},
			"name",
		)
		if not existing:
			frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": str(year)
					if not frappe.db.exists("Fiscal Year", str(year))
					else f"{year} {company}",
					"year_start_date": year_start,
					"year_end_date": year_end,
				}
			).insert(ignore_permissions=True)
			continue
		fiscal_year = frappe.get_doc("Fiscal Year", existing)
		listed = {row.company for row in fiscal_year.companies}
		if listed and company not in listed:
			fiscal_year.append("companies", {"company": company})
			fiscal_year.save(ignore_permissions=True)


def make_holiday_list(company: str, start: date, end: date) -> str:
	"""Weekends and Chinese public holidays: working-day deadlines and the demo's working days."""
	name = f"{company} Holidays"
	if not frappe.db.exists("Holiday List", name):
		frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": name,
				"from_date": start,
				"to_date": end,
				"holidays": [
					{
						"holiday_date": day,
						"description": "Weekend" if day.weekday() >= 5 else "Public holiday 法定节假日",
					}
					for day in plan.holidays_between(start, end)
				],
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value("Company", company, "default_holiday_list", name)
	return name


def enroll(company: str):
	"""Put the company under process control (what `sales_process.testing.enroll` does)."""
	settings = frappe.get_single("Sales Process Settings")
	settings.enabled = 1
	if company not in {row.company for row in settings.companies}:
		settings.append("companies", {"company": company})
	settings.save(ignore_permissions=True)


# selling masters


def _tree_node(doctype: str, name: str, parent: str, is_group: int, parent_field: str, **values):
	if not frappe.db.exists(doctype, name):
		frappe.get_doc(
			{
				"doctype": doctype,
				frappe.scrub(doctype) + "_name": name,
				parent_field: parent,
				"is_group": is_group,
				**values,
			}
		).insert(ignore_permissions=True)
	return name


def _root(doctype: str, parent_field: str) -> str:
	return frappe.db.get_value(
		doctype, {"is_group": 1, parent_field: ("in", ("", None))}, "name", order_by="lft asc"
	) or frappe.db.get_value(doctype, {"is_group": 1}, "name", order_by="lft asc")


def make_territories():
	root = _root("Territory", "parent_territory")
	for region, cities in words.REGIONS.items():
		_tree_node("Territory", region, root, 1, "parent_territory")
		for territory, _zh, _centre in cities:
			_tree_node("Territory", territory, region, 0, "parent_territory")


def make_customer_groups():
	root = _root("Customer Group", "parent_customer_group")
	for group, _word in words.CUSTOMER_GROUPS:
		_tree_node("Customer Group", group, root, 0, "parent_customer_group")


def make_items():
	root = _root("Item Group", "parent_item_group")
	for group in words.ITEM_GROUPS:
		_tree_node("Item Group", group, root, 0, "parent_item_group")
	if not frappe.db.exists("Price List", words.PRICE_LIST):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": words.PRICE_LIST,
				"currency": words.CURRENCY,
				"selling": 1,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	uom = "Nos" if frappe.db.exists("UOM", "Nos") else frappe.db.get_value("UOM", {}, "name")
	for code, name_zh, name_en, group, price, _qty in words.ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name_zh,
					"description": f"{name_zh} / {name_en}",
					"item_group": group,
					"stock_uom": uom,
					"is_stock_item": 0,
					"include_item_in_manufacturing": 0,
				}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("Item Price", {"item_code": code, "price_list": words.PRICE_LIST}):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": code,
					"price_list": words.PRICE_LIST,
					"price_list_rate": price,
				}
			).insert(ignore_permissions=True)


def make_competitors_and_reasons():
	for competitor, _model in words.COMPETITORS:
		if not frappe.db.exists("Competitor", competitor):
			frappe.get_doc({"doctype": "Competitor", "competitor_name": competitor}).insert(
				ignore_permissions=True
			)
	for reason in words.LOST_REASONS.values():
		if not frappe.db.exists("Opportunity Lost Reason", reason):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": reason}).insert(
				ignore_permissions=True
			)
		if not frappe.db.exists("Quotation Lost Reason", reason):
			frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": reason}).insert(
				ignore_permissions=True
			)


# the sales team

DESIGNATIONS = ("Head of Sales", "Sales Team Manager", "Sales Representative", "Finance Manager")


def make_people(company_plan: plan.Company, company: str, story: plan.Story) -> Masters:
	for designation in DESIGNATIONS:
		if not frappe.db.exists("Designation", designation):
			frappe.get_doc({"doctype": "Designation", "designation_name": designation}).insert(
				ignore_permissions=True
			)
	root = _root("Sales Person", "parent_sales_person")
	targets = _targets(story)
	# Sales Master Manager too: on ERPNext v15 only that role may read Quotation Lost Reason, i.e.
	# set a submitted quotation as lost
	head = make_user(company_plan.head, ["Sales User", "Sales Manager", "Sales Master Manager"])
	make_employee(company_plan.head, head, company, "Head of Sales")
	head_node = make_sales_person(company_plan.head, head, company, root, is_group=1)
	finance = make_user(company_plan.finance, ["Accounts User", "Accounts Manager"])
	make_employee(company_plan.finance, finance, company, "Finance Manager")
	managers, team_nodes = [], []
	for team in company_plan.teams:
		# team managers see their team through the Sales Person tree (Sales Manager would see everyone)
		user = make_user(team.manager, ["Sales User"])
		make_employee(team.manager, user, company, "Sales Team Manager")
		team_nodes.append(
			make_sales_person(team.manager, user, company, head_node, is_group=1, region=team.region)
		)
		managers.append(user)
	reps = []
	for rep in company_plan.reps:
		user = make_user(rep.person, ["Sales User"])
		make_employee(rep.person, user, company, "Sales Representative")
		make_sales_person(rep.person, user, company, team_nodes[rep.team], targets=targets.get(rep.index))
		reps.append(user)
	return Masters(company=company, head=head, finance=finance, managers=managers, reps=reps)


def _targets(story: plan.Story) -> dict[int, dict[int, float]]:
	"""Each rep's yearly target: what the plan says they will win, stretched by a quarter, rounded."""
	won: dict[int, dict[int, float]] = {}
	for deal in story.deals:
		if deal.outcome == "won":
			year = deal.created.year
			won.setdefault(deal.rep, {}).setdefault(year, 0.0)
			won[deal.rep][year] += deal.amount
	return {
		rep: {year: max(round(amount * 1.25, -5), 500_000) for year, amount in years.items()}
		for rep, years in won.items()
	}


def make_user(person: plan.Person, roles: list[str]) -> str:
	from frappe.utils.password import update_password

	if not frappe.db.exists("User", person.email):
		# new_doc fills the field defaults (an import skips them on insert)
		user = frappe.new_doc("User")
		user.update(
			{
				"email": person.email,
				"first_name": person.full_name,
				"gender": person.gender,
				"language": "zh",
				"time_zone": words.TIME_ZONE,
				"send_welcome_email": 0,
				"user_type": "System User",
				"enabled": 1,
				"roles": [{"role": role} for role in roles],
			}
		)
		# Frappe refuses more than 60 new users an hour unless they are imported, which they are
		importing, frappe.flags.in_import = frappe.flags.in_import, True
		try:
			user.insert(ignore_permissions=True)
		finally:
			frappe.flags.in_import = importing
		update_password(person.email, words.PASSWORD, logout_all_sessions=False)
		# the demo has no mail server: alerts reach people in the desk (notification, ToDo) only
		if frappe.db.exists("Notification Settings", person.email):
			frappe.db.set_value("Notification Settings", person.email, "enable_email_notifications", 0)
	return person.email


def make_employee(person: plan.Person, user: str, company: str, designation: str) -> str:
	"""The Employee behind a Sales Person. The user is linked after the insert: ERPNext's own link
	step re-saves the User (clearing Frappe's caches each time) to copy the name it already has."""
	existing = frappe.db.get_value("Employee", {"user_id": user})
	if existing:
		return existing
	department = frappe.db.get_value("Department", {"company": company, "department_name": "Sales"})
	employee = frappe.get_doc(
		{
			"doctype": "Employee",
			"first_name": person.full_name,
			"gender": person.gender,
			"date_of_birth": date(person.birth_year, 6, 15),
			"date_of_joining": person.joined,
			"company": company,
			"designation": designation,
			"department": department if designation != "Finance Manager" else None,
			"status": "Active",
			"personal_email": person.email,
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Employee", employee.name, "user_id", user)
	return employee.name


MONTHS = (
	"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December",
)  # fmt: skip


def make_distribution(company: str) -> str:
	"""The targets' Monthly Distribution: the demo's season (a slow Spring Festival, a busy fourth quarter)."""
	name = f"{company} Season"
	if not frappe.db.exists("Monthly Distribution", name):
		weights = [plan.SEASON[month] for month in range(1, 13)]
		shares = [round(100 * weight / sum(weights), 2) for weight in weights]
		shares[-1] = round(100 - sum(shares[:-1]), 2)  # exactly 100, as ERPNext checks
		frappe.get_doc(
			{
				"doctype": "Monthly Distribution",
				"distribution_id": name,
				"percentages": [
					{"month": month, "percentage_allocation": share}
					for month, share in zip(MONTHS, shares, strict=True)
				],
			}
		).insert(ignore_permissions=True)
	return name


def make_sales_person(
	person: plan.Person, user: str, company: str, parent: str, is_group: int = 0, region=None, targets=None
) -> str:
	name = person.full_name
	if frappe.db.exists("Sales Person", name):
		if frappe.db.get_value("Sales Person", name, "employee") == frappe.db.get_value(
			"Employee", {"user_id": user}
		):
			return name
		name = f"{person.full_name} ({person.email.split('@')[0]})"
	if not frappe.db.exists("Sales Person", name):
		fiscal_years = {}
		for year in targets or {}:
			fiscal_years[year] = frappe.db.get_value(
				"Fiscal Year",
				{"year_start_date": ("<=", date(year, 6, 30)), "year_end_date": (">=", date(year, 6, 30))},
				"name",
			)
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": name,
				"parent_sales_person": parent,
				"is_group": is_group,
				"enabled": 1,
				"employee": frappe.db.get_value("Employee", {"user_id": user}),
				"targets": [
					{
						"fiscal_year": fiscal_years[year],
						"target_amount": amount,
						"distribution_id": make_distribution(company),
					}
					for year, amount in sorted((targets or {}).items())
					if fiscal_years.get(year)
				],
			}
		).insert(ignore_permissions=True)
	return name


# customers


def make_customers(company_plan: plan.Company, masters: Masters) -> list[str]:
	"""Customers with a primary site address. Most sites were located by the head of sales (a
	Sales Manager: the location is confirmed); some by the rep (unconfirmed until a manager
	confirms), a few have no location yet."""
	names = []
	previous = frappe.session.user
	try:
		for customer in company_plan.customers:
			frappe.set_user("Administrator")
			if frappe.db.exists("Customer", {"customer_name": customer.name}):
				name = frappe.db.get_value("Customer", {"customer_name": customer.name})
			else:
				name = (
					frappe.get_doc(
						{
							"doctype": "Customer",
							"customer_name": customer.name,
							"customer_type": "Company",
							"customer_group": customer.group,
							"territory": customer.territory,
							"default_price_list": words.PRICE_LIST,
						}
					)
					.insert(ignore_permissions=True)
					.name
				)
				located_by = (
					masters.reps[customer.rep] if customer.location == "unconfirmed" else masters.head
				)
				frappe.set_user(located_by)
				with_point = customer.location != "none"
				frappe.get_doc(
					{
						"doctype": "Address",
						"address_title": customer.name,
						"address_type": "Billing",
						"address_line1": customer.address_line,
						"city": customer.city_zh,
						"country": words.COUNTRY,
						"is_primary_address": 1,
						"sp_latitude": customer.latitude if with_point else None,
						"sp_longitude": customer.longitude if with_point else None,
						"links": [{"link_doctype": "Customer", "link_name": name}],
					}
				).insert()
			names.append(name)
	finally:
		frappe.set_user(previous)
	return names


def contacts_of(customer_name: str, customer: plan.Customer) -> list[str]:
	"""The customer's people (made the first time a decision chain needs them), in the plan's order."""
	existing = frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "link_doctype": "Customer", "link_name": customer_name},
		pluck="parent",
		order_by="creation asc",
	)
	if existing:
		return existing
	names = []
	for full_name, title, gender in customer.contacts:
		names.append(
			frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": full_name,
					"designation": title,
					"gender": gender,
					"company_name": customer_name,
					"links": [{"link_doctype": "Customer", "link_name": customer_name}],
				}
			)
			.insert()
			.name
		)
	return names
