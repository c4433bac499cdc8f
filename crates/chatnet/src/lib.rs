//! The live chat transport (ADR 0004), beside `mailnet`: the widget's WebSocket and its
//! fallback (server-sent events + POST) where WebSockets are blocked. Like `mailnet`, it
//! only moves frames and calls `app` (the chat use cases: post a message with its client
//! id, read what a visitor missed since a sequence number, typing and read marks), so the
//! rules — who may read a conversation, ordering and deduplication — live in one place.
//! It depends on `app` and `domain`, never on `store` (`crates/app/tests/boundaries.rs`).
//!
//! Empty today: the chat and routing issue builds it.
