package dev.caravel.billing.spring;

import org.springframework.web.bind.annotation.BindParam;

/**
 * What every form of the account page posts: the tenant and the link's token (the capability), the
 * CSRF token repeating the page's cookie, the form's attempt id (one per form shown), and the
 * connection a tenant pastes. Any of them may be missing: a missing one refuses the form.
 */
record AccountForm(
    String tenant,
    String token,
    String csrf,
    String attempt,
    @BindParam("nwc_uri") String nwcUri) {}
