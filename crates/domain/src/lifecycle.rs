//! A3 case lifecycle: new → open → pending / hold → solved → closed.
//! The customer ends the case: a solved case closes when the customer confirms or after a
//! quiet period; a customer reply reopens it. Closed is final.

use crate::Status;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("a closed case cannot change; open a follow-up case instead")]
    Closed,
    #[error("a case cannot go back to 'new'")]
    BackToNew,
    #[error("only the customer (or the quiet period) closes a case; set it to 'solved'")]
    AgentCannotClose,
    #[error("only a solved case can be confirmed by the customer")]
    NotSolved,
}

/// Result of a status change: the new status and whether it counts as a reopen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub to: Status,
    pub reopened: bool,
}

/// An agent sets the status explicitly.
pub fn agent_sets_status(from: Status, to: Status) -> Result<Transition, LifecycleError> {
    if from == Status::Closed {
        return Err(LifecycleError::Closed);
    }
    if to == from {
        return Ok(Transition {
            to,
            reopened: false,
        });
    }
    match to {
        Status::New => Err(LifecycleError::BackToNew),
        Status::Closed => Err(LifecycleError::AgentCannotClose),
        _ => Ok(Transition {
            to,
            reopened: from == Status::Solved,
        }),
    }
}

/// An agent posts a public reply without choosing a status: a new case becomes open.
pub fn after_agent_reply(from: Status) -> Result<Transition, LifecycleError> {
    match from {
        Status::Closed => Err(LifecycleError::Closed),
        Status::New => Ok(Transition {
            to: Status::Open,
            reopened: false,
        }),
        s => Ok(Transition {
            to: s,
            reopened: false,
        }),
    }
}

/// The customer writes again: waiting or solved cases come back to the agents.
pub fn after_customer_reply(from: Status) -> Result<Transition, LifecycleError> {
    match from {
        Status::Closed => Err(LifecycleError::Closed),
        Status::Pending | Status::Hold => Ok(Transition {
            to: Status::Open,
            reopened: false,
        }),
        Status::Solved => Ok(Transition {
            to: Status::Open,
            reopened: true,
        }),
        s => Ok(Transition {
            to: s,
            reopened: false,
        }),
    }
}

/// The customer confirms that the problem is solved.
pub fn customer_confirms(from: Status) -> Result<Transition, LifecycleError> {
    match from {
        Status::Solved => Ok(Transition {
            to: Status::Closed,
            reopened: false,
        }),
        Status::Closed => Err(LifecycleError::Closed),
        _ => Err(LifecycleError::NotSolved),
    }
}

/// The customer says the solution did not work ("No, still a problem"): a solved case
/// reopens and the reopening counts.
pub fn customer_reopens(from: Status) -> Result<Transition, LifecycleError> {
    match from {
        Status::Solved => Ok(Transition {
            to: Status::Open,
            reopened: true,
        }),
        Status::Closed => Err(LifecycleError::Closed),
        _ => Err(LifecycleError::NotSolved),
    }
}

/// The customer marks their own case solved before the team does (where the team allows
/// it: the caller checks). A solved case stays as it is.
pub fn customer_solves(from: Status) -> Result<Transition, LifecycleError> {
    match from {
        Status::Closed => Err(LifecycleError::Closed),
        _ => Ok(Transition {
            to: Status::Solved,
            reopened: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn the_customer_reopens_only_a_solved_case_and_solves_any_open_one() {
        assert_eq!(
            customer_reopens(Solved).unwrap(),
            Transition {
                to: Open,
                reopened: true
            }
        );
        assert_eq!(customer_reopens(Open), Err(LifecycleError::NotSolved));
        assert_eq!(customer_reopens(Closed), Err(LifecycleError::Closed));
        assert_eq!(customer_solves(Pending).unwrap().to, Solved);
        assert_eq!(customer_solves(New).unwrap().to, Solved);
        assert_eq!(customer_solves(Closed), Err(LifecycleError::Closed));
    }

    #[test]
    fn customer_reply_reopens_solved_and_counts_it() {
        assert_eq!(
            after_customer_reply(Solved).unwrap(),
            Transition {
                to: Open,
                reopened: true
            }
        );
        assert_eq!(
            after_customer_reply(Pending).unwrap(),
            Transition {
                to: Open,
                reopened: false
            }
        );
        assert_eq!(after_customer_reply(New).unwrap().to, New);
        assert_eq!(after_customer_reply(Closed), Err(LifecycleError::Closed));
    }

    #[test]
    fn agents_cannot_close_or_go_back_to_new() {
        assert_eq!(
            agent_sets_status(Open, Closed),
            Err(LifecycleError::AgentCannotClose)
        );
        assert_eq!(agent_sets_status(Open, New), Err(LifecycleError::BackToNew));
        assert_eq!(agent_sets_status(Closed, Open), Err(LifecycleError::Closed));
        assert!(agent_sets_status(Solved, Open).unwrap().reopened);
        assert!(!agent_sets_status(Open, Pending).unwrap().reopened);
    }

    #[test]
    fn only_solved_cases_can_be_confirmed() {
        assert_eq!(customer_confirms(Solved).unwrap().to, Closed);
        assert_eq!(customer_confirms(Open), Err(LifecycleError::NotSolved));
    }

    #[test]
    fn first_agent_reply_opens_a_new_case() {
        assert_eq!(after_agent_reply(New).unwrap().to, Open);
        assert_eq!(after_agent_reply(Pending).unwrap().to, Pending);
    }
}
