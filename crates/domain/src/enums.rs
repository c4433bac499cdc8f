//! Closed sets of values used across Guichet, with their stable wire names.

/// Error for a value outside a closed set; carries the accepted names for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not one of: {allowed}")]
pub struct UnknownValue {
    pub value: String,
    pub allowed: String,
}

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $wire)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::enums::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($wire => Ok($name::$variant),)+
                    _ => Err($crate::enums::UnknownValue {
                        value: s.to_string(),
                        allowed: [$($wire),+].join(", "),
                    }) }
            }
        }
    };
}

pub(crate) use wire_enum;

wire_enum!(
    /// A3 lifecycle. The order of the variants is the order Zendesk search uses (`status<solved`).
    Status { New = "new", Open = "open", Pending = "pending", Hold = "hold", Solved = "solved", Closed = "closed" }
);

impl Status {
    /// Rank used by ordered comparisons in search.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

wire_enum!(Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" });

impl Priority {
    pub fn rank(self) -> u8 {
        self as u8
    }
}

wire_enum!(
    /// A1 kind of contact (Guichet's own field, distinct from Zendesk's `type`).
    Kind { Question = "question", Complaint = "complaint", Incident = "incident", Request = "request", Suggestion = "suggestion", Praise = "praise" }
);

wire_enum!(
    /// Zendesk's ticket `type`, kept as given so Zendesk clients round-trip it.
    TicketType { Problem = "problem", Incident = "incident", Question = "question", Task = "task" }
);

wire_enum!(
    /// Where a case came from (A1, A6, C1–C5).
    Channel { Web = "web", Email = "email", Chat = "chat", Phone = "phone", Visit = "visit", Letter = "letter", Fax = "fax", Social = "social", Api = "api" }
);

wire_enum!(
    /// Buyer-journey stage (seed 000/003).
    JourneyStage { Awareness = "awareness", Consideration = "consideration", Decision = "decision", PostPurchase = "post-purchase" }
);

wire_enum!(
    /// I2 roles. `EndUser` is a customer.
    Role { EndUser = "end-user", Agent = "agent", Supervisor = "supervisor", Admin = "admin", Analyst = "analyst" }
);

impl Role {
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::EndUser)
    }
    /// May change cases (analysts only read).
    pub fn can_write_cases(self) -> bool {
        matches!(self, Role::Agent | Role::Supervisor | Role::Admin)
    }
    /// The role Zendesk clients understand (`end-user`, `agent`, `admin`).
    pub fn zendesk_role(self) -> &'static str {
        match self {
            Role::EndUser => "end-user",
            Role::Admin => "admin",
            _ => "agent",
        }
    }
}

wire_enum!(
    /// A2 compensation kinds.
    CompensationKind { Refund = "refund", Replacement = "replacement", Voucher = "voucher", Gift = "gift", Other = "other" }
);

wire_enum!(
    /// How two cases relate (A4).
    LinkKind { Related = "related", Duplicate = "duplicate", Cause = "cause", FollowUp = "follow_up" }
);
