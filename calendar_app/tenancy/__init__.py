"""Tenancy: businesses, their members, and who may do what. Every app imports access rules from
here, so a rule about who may act lives in one place."""
