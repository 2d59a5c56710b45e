"""Tenancy in one place: businesses and their members (``models``, app label ``calendar_app``),
who may do what (``access``, asked by every service that changes data and by the views), the
current business of a request (``middleware``, ``context_processors``), the team's services,
forms and pages, and the login form. Every app imports these from here."""
