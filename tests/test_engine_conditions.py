"""A checkpoint condition runs inside every deal save: it must be short and bounded."""

import pytest

from sales_process.engine.conditions import UnsafeCondition, check_condition

NUMERIC = {"opportunity_amount", "probability", "conversion_rate"}


@pytest.mark.parametrize(
	"expression",
	[
		"doc.opportunity_amount > 100000",
		"doc.industry == 'Auto Parts' and doc.opportunity_amount >= 5e5",
		"doc.territory in ('China', 'Japan')",
		"doc.opportunity_amount * doc.conversion_rate > 1000000",
		"(doc.opportunity_amount - 100) / 2 > 10",
		"not doc.get('contact_person')",
		"len(doc.competitors or []) >= 2",
		"doc.probability % 10 == 0",
		"doc.customer_name + ' Ltd' != 'x'",
		"-doc.opportunity_amount < 0",
	],
)
def test_ordinary_conditions_pass(expression):
	check_condition(expression, NUMERIC)


@pytest.mark.parametrize(
	"expression, reason",
	[
		("9**9**9", "powers"),
		("doc.opportunity_amount ** 2 > 1", "powers"),
		("1 << 100000000", "shifts"),
		("'x' * 10 > ''", "not a number field"),
		("doc.customer_name * 1000000", "not a number field"),
		("[0] * 100000000", "not a number field"),
		("'%0999999999d' % 1", "not a number field"),
		("10000000000000000000 > 1", "too large"),
		("__import__('os').system('true')", "calls"),
		("__builtins__", "only the deal"),
		("doc.__class__", "doc.fieldname"),
		("frappe.db.sql('select 1')", "calls frappe.db.sql"),
		("frappe.session.user == 'x'", "doc.fieldname"),
		("[x for x in range(10**8)]", "ListComp"),
		("(lambda: 1)()", "calls"),
		("doc.get('a')[0]", "Subscript"),
		("open('/etc/passwd')", "calls open"),
		("doc.opportunity_amount >", "not a Python expression"),
		("'" + "a" * 300 + "' == doc.x", "longer than 200"),
		("doc.a == 1 and " * 60 + "True", "longer than 500"),
	],
)
def test_unbounded_or_foreign_conditions_are_refused_with_the_reason(expression, reason):
	with pytest.raises(UnsafeCondition, match=reason):
		check_condition(expression, NUMERIC)


def test_too_many_parts_is_refused():
	with pytest.raises(UnsafeCondition, match="more than"):
		check_condition(" + ".join(["1"] * 100) + " > 0", NUMERIC)
