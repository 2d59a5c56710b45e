"""What every page's header shows that only an upstream knows: the upstream registers it from
its ``AppConfig.ready()``, so the core never imports it (``calendar_app.extensions.Hook``)."""

from calendar_app.extensions import Hook

# The warning every page of a business shows about where its calendar lives (for example a
# business set to mirror Wix that is not connected yet: its calendar is read-only until then);
# empty when there is nothing to say.
backend_notice = Hook("backend_notice", lambda business: "")
