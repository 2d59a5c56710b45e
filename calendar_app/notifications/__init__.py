"""Notices to the people who are coming: an outbox written with the change, sent over SMTP.

An optional app like conferencing: it follows the calendar's signals and fills its hooks from
``AppConfig.ready()``; the core never imports it.
"""
