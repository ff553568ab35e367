// ERPNext's Lead list: the grade as a coloured pill (the list sorts by score, highest first).
(function (settings) {
	const colours = { A: "green", B: "blue", C: "orange", D: "gray" };
	settings.add_fields = [...(settings.add_fields || []), "sp_grade", "sp_score"];
	settings.formatters = Object.assign(settings.formatters || {}, {
		sp_grade(value) {
			if (!value) return "";
			return `<span class="indicator-pill ${colours[value] || "gray"}">${__("Grade {0}", [frappe.utils.escape_html(value)])}</span>`;
		},
	});
})((frappe.listview_settings["Lead"] = frappe.listview_settings["Lead"] || {}));
