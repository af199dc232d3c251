/**
 * What a host uses: the engine ({@link dev.caravel.billing.Billing} and its builder), the values it
 * records and returns, the rail ports the builder takes, and the exceptions.
 *
 * <h2>The billing rules</h2>
 *
 * <p>Money is a {@code long} in minor units of the catalogue's one currency; time is a UTC instant
 * in whole seconds. No floating point is used where money or time is computed.
 *
 * <dl>
 *   <dt>S1 Anchor
 *   <dd>A tenant's billing anchor is the time of its first activity. It never moves.
 *   <dt>S2 Periods
 *   <dd>Period <i>k</i> is {@code [anchor + k months, anchor + (k+1) months)}, each boundary
 *       computed from the anchor itself with the day clamped to the month's end; one period ends
 *       exactly where the next begins, and finding the period of an instant costs O(1).
 *   <dt>S3 Proration
 *   <dd>At instant <i>t</i> in period {@code [s, e)}, a plan of price <i>p</i> is worth {@code
 *       round_half_up(p × (e − t) / (e − s))}, exactly, over seconds.
 *   <dt>S4 State
 *   <dd>A relay's state is the fold of its activities, oldest first: create → active on its plan;
 *       update with a plan → that plan; activate → active; deactivate → inactive.
 *   <dt>S5 Items from transitions
 *   <dd>Each activity compares the relay's state just before and just after it, with the plans as
 *       of that moment: inactive → active charges the rest of the period, active → inactive credits
 *       it, a plan change while active charges the difference; anything else bills nothing. Every
 *       activity is billed exactly once.
 *   <dt>S6 Renewals
 *   <dd>At each period start after the first, every relay active then on a paid plan is charged its
 *       full price; missed periods are caught up one by one; a period is renewed once, however
 *       often and from however many instances billing runs.
 *   <dt>S7 Invoices
 *   <dd>Generating an invoice reconciles, renews, then puts all unclaimed items on one invoice if
 *       their sum is positive; a net credit carries to the next invoice.
 *   <dt>S8 Determinism
 *   <dd>The items are a function of the activity log and the instants billing ran, nothing else.
 *   <dt>S9 Payment cascade
 *   <dd>Lightning through the tenant's NWC wallet (then asking the service wallet whether it
 *       settled anyway), then the saved card (off-session, an idempotency key per invoice and
 *       round), then a DM with the payment link and the last error. An invoice is paid at most
 *       once.
 *   <dt>S10 BOLT11
 *   <dd>An invoice's Lightning request is made once, as the service wallet makes it, reused while
 *       settled or unexpired, and replaced once it expires unpaid.
 *   <dt>S11 Retries
 *   <dd>Unpaid invoices are tried again on a schedule (1, 3 and 7 days after the first attempt); a
 *       round starts only when it is due, and a round that ends in a DM sends one DM.
 *   <dt>S12 The poll
 *   <dd>Every hour: generate and collect for every tenant, and retry what is due.
 * </dl>
 *
 * <h2>Errors</h2>
 *
 * <p>A programming mistake (a null, a builder set wrong) is the JDK's {@code NullPointerException},
 * {@code IllegalArgumentException} or {@code IllegalStateException}. The library's own exceptions
 * are few: {@link dev.caravel.billing.InvalidInputException} for bad data (with its kinds {@link
 * dev.caravel.billing.ActivityRejectedException} and {@link
 * dev.caravel.billing.InvalidInputException.ConflictingKeyException}), {@link
 * dev.caravel.billing.RailException} when a rail could not do what was asked, and {@link
 * dev.caravel.billing.spi.StorageException} when the storage failed (safe to run again). Expected
 * outcomes (a declined card, an unpaid invoice, a race lost) are values, never exceptions.
 *
 * <p>The storage SPI is {@link dev.caravel.billing.spi}.
 */
package dev.caravel.billing;
