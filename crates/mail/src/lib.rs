//! Email without I/O: parse an inbound message into what a case needs (`parse`), classify
//! automatic mail (auto-replies, bounces, bulk), find its threading keys (`thread`), trim
//! quoted history and signatures for display (`trim`), and build outbound messages
//! (`build`). The transports (IMAP, LMTP/SMTP, the SMTP sender) live in `mailnet`; the
//! decisions that need the database live in `app::email`.

pub mod auth;
pub mod build;
pub mod parse;
pub mod thread;
pub mod trim;

pub use build::{Outgoing, build};
pub use parse::{Attachment, AutoKind, Bounce, Inbound, Limits, ParseError, parse};
