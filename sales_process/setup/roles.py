"""Roles the app creates; ERPNext's Sales User and Sales Manager are reused as they are."""

APP_ROLES = ["Sales Process Manager"]
