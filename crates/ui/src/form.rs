//! The pages' forms: `web::form` (shared with the customer pages).

pub use web::form::*;
