//! Guichet's vocabulary and pure rules: validated values, case lifecycle, search query
//! syntax, text folding for search, time through a `Clock`. No I/O, no SQL, no HTTP.

pub mod calendar;
pub mod clock;
pub mod enums;
pub mod lifecycle;
pub mod search;
pub mod standards;
pub mod text;
pub mod values;

pub use clock::{Clock, ManualClock, SystemClock};
pub use enums::*;
pub use values::*;
