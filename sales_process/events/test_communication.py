import frappe

from sales_process.testing import SalesProcessTestCase, enroll, make_opportunity, records, test_company


def _email(opportunity, subject, content, received=True):
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received" if received else "Sent",
			"subject": subject,
			"content": content,
			"sender": "buyer@example.com",
			"reference_doctype": "Opportunity",
			"reference_name": opportunity,
		}
	).insert(ignore_permissions=True)


class TestIncomingEmail(SalesProcessTestCase):
	def test_an_incoming_email_with_a_risk_word_becomes_a_suggested_objection_and_a_signal(self):
		company = test_company()
		enroll(company)
		opportunity = make_opportunity(company)
		_email(opportunity.name, "Re: 报价", "<p>王总说这个项目<b>必须公开招标</b>,下周发标书。</p>")
		(objection,) = frappe.get_all(
			"Sales Objection",
			filters={"reference_name": opportunity.name},
			fields=["objection_type", "suggested", "source", "customer_words", "risk_signal"],
		)
		self.assertEqual(
			(objection.objection_type, objection.suggested, objection.source),
			("Must Go to Tender", 1, "Email"),
		)
		self.assertNotIn("<b>", objection.customer_words)
		self.assertTrue(objection.risk_signal)
		self.assertEqual(len(records(opportunity.name, "Risk Pre-registration")), 1)

	def test_outgoing_or_unrelated_emails_are_left_alone(self):
		company = test_company()
		enroll(company)
		opportunity = make_opportunity(company)
		_email(opportunity.name, "Our offer", "Sorry it is too expensive? Here is a discount", received=False)
		_email(opportunity.name, "Thanks", "See you on Monday")
		self.assertEqual(frappe.get_all("Sales Objection", filters={"reference_name": opportunity.name}), [])
