//! The customer-facing pages (ADR 0004): the customer portal (my cases, a case's public
//! thread, "yes, it is solved" / "no, still a problem"), the embeddable contact form and the
//! chat widget's iframe. Kept apart from the agent screens (`ui`) so that nothing written
//! for staff can reach a customer by accident:
//!
//! - its own session cookie ([`SESSION_COOKIE`]), never the agents' one, so a customer
//!   session can never authorize an agent page and the reverse;
//! - its own templates (`templates/`), rendering only the customer read models `app`
//!   returns to an end user (the public thread; never an internal note, an internal field
//!   or another customer's address);
//! - every read and write through an `app` use case called with the customer's `Actor`,
//!   like every other transport; this crate depends on `app`, `domain` and `web` (state,
//!   errors, translations), never on `store` (`crates/app/tests/boundaries.rs`).
//!
//! Today it serves no route: the portal issue fills [`router`] in; the binary already
//! merges it beside the API and the agent screens.

use axum::Router;
use web::AppState;

/// The customer session cookie; the agents' is `ui::session::COOKIE` (`guichet_session`).
pub const SESSION_COOKIE: &str = "guichet_customer_session";

/// The customer pages' routes, merged by the binary beside `web` and `ui`.
pub fn router(state: AppState) -> Router {
    Router::new().with_state(state)
}
