"""The outgoing notification to WeCom / DingTalk / Slack: a Frappe Webhook on Sales Process Alert,
shipped disabled. A manager sets the chat's incoming-webhook URL and enables it (README)."""

import frappe

WEBHOOK = "Sales Process Alert to Chat"
PLACEHOLDER_URL = "https://chat.example.invalid/incoming-webhook"
# WeCom and DingTalk read {"msgtype": "text", "text": {"content": ...}}; the other keys are for any receiver
PAYLOAD = """{
  "msgtype": "text",
  "text": {
    "content": {{ (doc.level ~ " · " ~ doc.alert_type ~ (" · " ~ doc.reference_name if doc.reference_name else "") ~ (" · " ~ doc.action_text if doc.action_text else "") ~ " · " ~ utils.get_url() ~ "/app/sales-process-alert/" ~ doc.name) | tojson }}
  },
  "alert": {{ doc.name | tojson }},
  "type": {{ doc.alert_type | tojson }},
  "level": {{ doc.level | tojson }},
  "deal": {{ (doc.reference_name or "") | tojson }},
  "rep": {{ (doc.rep or "") | tojson }},
  "sent_to": {{ (doc.recipient or "") | tojson }},
  "action_text": {{ (doc.action_text or "") | tojson }},
  "link": {{ (utils.get_url() ~ "/app/sales-process-alert/" ~ doc.name) | tojson }}
}"""


def make_alert_webhook():
	if frappe.db.exists("Webhook", WEBHOOK):
		return
	frappe.get_doc(
		{
			"doctype": "Webhook",
			"webhook_doctype": "Sales Process Alert",
			"webhook_docevent": "after_insert",
			# reminders stay in the app; red alerts and escalations go to the chat
			"condition": 'doc.level in ("Alert", "Escalation")',
			"request_url": PLACEHOLDER_URL,
			"request_method": "POST",
			"request_structure": "JSON",
			"webhook_json": PAYLOAD,
			"webhook_headers": [{"key": "Content-Type", "value": "application/json"}],
			"enabled": 0,
		}
	).insert(ignore_permissions=True, set_name=WEBHOOK)


def delete_alert_webhook():
	frappe.db.delete("Webhook Header", {"parent": WEBHOOK})
	frappe.db.delete("Webhook", {"name": WEBHOOK})
