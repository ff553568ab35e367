from sales_process.setup.install import make_default_objections


def execute():
	"""Sites that installed the app before visits and objections existed get the defaults too."""
	make_default_objections()
