//! The inbox (E2): the agent's views with their counts, one list sorted by the next
//! deadline, filters, and a rows fragment that live updates re-read.

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::{Path, Query};
use crate::i18n::T;
use crate::session::Agent;
use app::cases::views::{InboxFilter, View};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use web::AppState;

pub struct Row {
    pub id: i64,
    pub subject: String,
    pub requester: String,
    pub status: String,
    pub priority: String,
    pub channel: String,
    pub team: String,
    pub assignee: String,
    pub next_due_at: i64,
    pub updated_at: i64,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    t: T,
    chrome: Chrome,
    view: &'static str,
    counts: Vec<(&'static str, i64)>,
    rows: Vec<Row>,
    teams: Vec<(i64, String)>,
    f: InboxQuery,
    page: i64,
    more: bool,
}

#[derive(Template)]
#[template(path = "inbox_rows.html")]
struct RowsFragment {
    t: T,
    rows: Vec<Row>,
}

#[derive(Deserialize, Default, Clone)]
pub struct InboxQuery {
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub partial: Option<u8>,
}

pub const PAGE: i64 = 50;
/// The side bar counts stop here ("999+").
pub const COUNT_CAP: i64 = 1000;

pub async fn home() -> axum::response::Response {
    super::see_other("/inbox/mine")
}

fn narrowing(a: &Agent, q: &InboxQuery) -> Result<InboxFilter, crate::error::PageError> {
    Ok(InboxFilter {
        priority: if q.priority.is_empty() {
            None
        } else {
            Some(super::parse_enum(a, "priority", &q.priority)?)
        },
        team_id: super::opt_id(a, "team", &q.team)?,
        channel: if q.channel.is_empty() {
            None
        } else {
            Some(super::parse_enum(a, "channel", &q.channel)?)
        },
    })
}

pub async fn rows_of(app: &app::App, actor: &app::Actor, cases: Vec<app::model::Case>) -> Vec<Row> {
    let ids: Vec<i64> = cases
        .iter()
        .flat_map(|c| [Some(c.requester_id), c.assignee_id])
        .flatten()
        .collect();
    let names = super::names(app, actor, ids).await;
    let teams = super::team_names(app, actor).await;
    cases
        .into_iter()
        .map(|c| Row {
            id: c.id,
            requester: names.get(&c.requester_id).cloned().unwrap_or_default(),
            assignee: c
                .assignee_id
                .and_then(|a| names.get(&a).cloned())
                .unwrap_or_default(),
            team: c
                .team_id
                .and_then(|t| teams.get(&t).cloned())
                .unwrap_or_default(),
            subject: c.subject,
            status: c.status,
            priority: c.priority.unwrap_or_default(),
            channel: c.channel,
            next_due_at: c.next_due_at,
            updated_at: c.updated_at,
        })
        .collect()
}

pub async fn show_inbox(
    State(s): State<AppState>,
    agent: Agent,
    Path(view): Path<String>,
    Query(q): Query<InboxQuery>,
) -> PageResult {
    let v = View::parse(&view).ok_or_else(|| agent.err(app::AppError::NotFound("view")))?;
    let narrow = narrowing(&agent, &q)?;
    let page = q.page.unwrap_or(0).clamp(0, 1000);
    let list = async {
        let mut cases = s
            .app
            .view_cases(agent.actor(), v, &narrow, PAGE + 1, page * PAGE)
            .await?;
        let more = cases.len() as i64 > PAGE;
        cases.truncate(PAGE as usize);
        Ok::<_, app::AppError>((rows_of(&s.app, agent.actor(), cases).await, more))
    };
    if q.partial == Some(1) {
        let (rows, _) = list.await.map_err(|e| agent.err(e))?;
        return Ok(render(&RowsFragment { t: agent.t, rows }));
    }
    // The list, the counts, the teams and the frame are independent: fetch them together.
    let (listed, counts, teams, chrome) = tokio::join!(
        list,
        s.app.view_counts(agent.actor(), COUNT_CAP),
        super::team_choices(&agent, &s.app),
        Chrome::of(&agent, &s.app, "inbox"),
    );
    let (rows, more) = listed.map_err(|e| agent.err(e))?;
    let counts = counts
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|(v, n)| (v.as_str(), n))
        .collect();
    let teams = teams?;
    Ok(render(&InboxPage {
        t: agent.t,
        chrome,
        view: v.as_str(),
        counts,
        rows,
        teams,
        f: q,
        page,
        more,
    }))
}
