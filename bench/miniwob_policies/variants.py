"""Tasks that are variants of ones with a policy (no animation delay, easier or harder settings,
more instruction phrasings): the same policy reads their state."""
from __future__ import annotations

from bench.miniwob_policies import apps, choices, clicks, email

POLICIES = {
    "book-flight-nodelay": apps.book_flight,
    "choose-date-easy": apps.choose_date, "choose-date-medium": apps.choose_date, "choose-date-nodelay": apps.choose_date,
    "click-collapsible-nodelay": clicks.click_collapsible,
    "click-collapsible-2-nodelay": clicks.POLICIES["click-collapsible-2"],
    "click-tab-2-easy": clicks.POLICIES["click-tab-2"], "click-tab-2-medium": clicks.POLICIES["click-tab-2"],
    "click-tab-2-hard": clicks.POLICIES["click-tab-2"],
    "click-test-transfer": clicks.click_test,
    "use-autocomplete-nodelay": choices.use_autocomplete,
    **{name: email.email_inbox for name in ("email-inbox-forward", "email-inbox-forward-nl-turk", "email-inbox-important",
                                            "email-inbox-noscroll", "email-inbox-star-reply")},
}
