//! Email transports. Each only moves bytes and calls `app`: the LMTP/SMTP listener an MTA
//! delivers to (`lmtp`), the IMAP poller (`imap`), and the sender that drains the durable
//! outbox over SMTP (`send`). Parsing, threading and every decision are `mail` and
//! `app::email`'s.

pub mod imap;
pub mod lmtp;
pub mod send;
mod tls;
