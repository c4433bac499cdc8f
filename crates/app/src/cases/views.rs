//! The agent's working views (E2): mine, unassigned, my teams, due soon, breached, pending,
//! follow-ups due, approvals waiting. Each is a case filter sorted by the time the next
//! promise falls due, so the most urgent case is on top.

use crate::model;
use crate::{Actor, App, AppError, Result};
use store::{CaseCol, CaseFilter, CaseSort, Cmp, Cond, InboxIndex, Page, SortDir, Val};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Mine,
    Unassigned,
    Teams,
    DueSoon,
    Breached,
    Pending,
    FollowUps,
    Approvals,
}

/// A case is "due soon" when its next deadline falls within this window.
pub const DUE_SOON_MS: i64 = 4 * 3600 * 1000;

impl View {
    pub const ALL: [View; 8] = [
        View::Mine,
        View::Unassigned,
        View::Teams,
        View::DueSoon,
        View::Breached,
        View::Pending,
        View::FollowUps,
        View::Approvals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Unassigned => "unassigned",
            View::Teams => "teams",
            View::DueSoon => "due-soon",
            View::Breached => "breached",
            View::Pending => "pending",
            View::FollowUps => "follow-ups",
            View::Approvals => "approvals",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The filter of this view for `actor` at `now`.
    pub(crate) fn filter(self, actor: &Actor, now: i64) -> CaseFilter {
        let active = |vals: &[&str]| Cond::In {
            col: CaseCol::Status,
            vals: vals.iter().map(|v| Val::Text(v.to_string())).collect(),
            negated: false,
        };
        let working = active(&["new", "open", "pending", "hold"]);
        let mut f = CaseFilter {
            sort: CaseSort::NextDue,
            dir: SortDir::Asc,
            ..Default::default()
        };
        match self {
            View::Mine => {
                f.push(working);
                f.push(Cond::Col {
                    col: CaseCol::AssigneeId,
                    cmp: Cmp::Eq,
                    val: Val::Int(actor.user_id),
                });
            }
            View::Unassigned => {
                f.index = Some(InboxIndex::Unassigned);
                f.push(active(&["new", "open"]));
                f.push(Cond::Null {
                    col: CaseCol::AssigneeId,
                    negated: false,
                });
            }
            View::Teams => {
                f.push(working);
                f.push(Cond::InTeamsOf {
                    user_id: actor.user_id,
                });
            }
            View::DueSoon => {
                f.index = Some(InboxIndex::OpenDue);
                f.push(active(&["new", "open"]));
                f.push(Cond::Col {
                    col: CaseCol::NextDueAt,
                    cmp: Cmp::Lt,
                    val: Val::Int(now + DUE_SOON_MS),
                });
            }
            View::Breached => {
                f.push(working);
                f.push(Cond::Overdue { now });
            }
            View::Pending => {
                f.index = Some(InboxIndex::WaitingDue);
                f.push(active(&["pending", "hold"]));
            }
            View::FollowUps => {
                f.push(Cond::FollowUpDue { now });
            }
            View::Approvals => {
                f.push(Cond::ApprovalWaiting);
            }
        }
        f
    }
}

/// What the inbox narrows a view by (its filter bar); empty narrows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub priority: Option<domain::Priority>,
    pub team_id: Option<i64>,
    pub channel: Option<domain::Channel>,
}

impl InboxFilter {
    fn conds(&self) -> Vec<Cond> {
        let mut c = vec![];
        if let Some(p) = self.priority {
            c.push(Cond::Col {
                col: CaseCol::Priority,
                cmp: Cmp::Eq,
                val: Val::Text(p.as_str().into()),
            });
        }
        if let Some(t) = self.team_id {
            c.push(Cond::Col {
                col: CaseCol::TeamId,
                cmp: Cmp::Eq,
                val: Val::Int(t),
            });
        }
        if let Some(ch) = self.channel {
            c.push(Cond::Col {
                col: CaseCol::Channel,
                cmp: Cmp::Eq,
                val: Val::Text(ch.as_str().into()),
            });
        }
        c
    }
}

impl App {
    /// The agent's teams as a list of ids: the planner then walks each team's inbox index
    /// in due order instead of scanning every open case (measured at 1M cases).
    async fn resolve_teams(&self, f: &mut CaseFilter, actor: &Actor) -> Result<()> {
        let ids = self.store.team_ids_of(actor.user_id).await?;
        for c in f.conds.iter_mut() {
            if matches!(c, Cond::InTeamsOf { .. }) {
                *c = Cond::In {
                    col: CaseCol::TeamId,
                    vals: ids.iter().map(|i| Val::Int(*i)).collect(),
                    negated: false,
                };
            }
        }
        Ok(())
    }

    /// One page of a view, optionally narrowed by more conditions (the inbox's filters).
    pub async fn view_cases(
        &self,
        actor: &Actor,
        view: View,
        narrow: &InboxFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<model::Case>> {
        actor.require_staff()?;
        if view == View::Approvals
            && !matches!(actor.role, domain::Role::Admin | domain::Role::Supervisor)
        {
            return Err(AppError::Forbidden("supervisors and administrators only"));
        }
        let mut f = view.filter(actor, self.now_ms());
        if view == View::Teams {
            self.resolve_teams(&mut f, actor).await?;
        }
        f.conds.extend(narrow.conds());
        Ok(crate::model::all(
            self.store
                .cases(
                    &f,
                    Page {
                        limit,
                        offset,
                        ..Page::default()
                    },
                )
                .await?,
        ))
    }

    /// How many cases each view holds for this actor (the inbox's side bar). Counts stop
    /// at `cap` so a huge backlog costs no more than a page.
    pub async fn view_counts(&self, actor: &Actor, cap: i64) -> Result<Vec<(View, i64)>> {
        actor.require_staff()?;
        let now = self.now_ms();
        // The counts are independent reads: run them side by side (on PostgreSQL each is a
        // round trip; measured 16 ms for the page when they ran one after the other).
        let mut set = tokio::task::JoinSet::new();
        for (i, v) in View::ALL.into_iter().enumerate() {
            if v == View::Approvals
                && !matches!(actor.role, domain::Role::Admin | domain::Role::Supervisor)
            {
                continue;
            }
            let mut f = v.filter(actor, now);
            if v == View::Teams {
                self.resolve_teams(&mut f, actor).await?;
            }
            let store = self.store.clone();
            set.spawn(async move { (i, v, store.count_cases_capped(&f, cap).await) });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            let (i, v, n) = r.map_err(|e| AppError::Internal(e.to_string()))?;
            out.push((i, v, n?));
        }
        out.sort_by_key(|(i, _, _)| *i);
        Ok(out.into_iter().map(|(_, v, n)| (v, n)).collect())
    }
}
