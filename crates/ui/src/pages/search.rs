//! Search (issue 5 §8): cases by the Zendesk query language (subjects, messages, fields) and
//! customers by name, email or phone, on one page.

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::Query;
use crate::i18n::T;
use crate::pages::inbox::{Row, rows_of};
use crate::session::Agent;
use app::cases::search::{Hit, SortSpec};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use web::AppState;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    t: T,
    chrome: Chrome,
    q: String,
    rows: Vec<Row>,
    total: i64,
    people: Vec<(i64, String, String)>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn show_search(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let text = q.q.trim().to_string();
    let (mut rows, mut total, mut people, mut error) = (vec![], 0, vec![], None);
    if !text.is_empty() {
        match s
            .app
            .search(agent.actor(), &text, SortSpec::default(), 50, 0)
            .await
        {
            Ok((hits, n)) => {
                let cases = hits
                    .into_iter()
                    .filter_map(|h| match h {
                        Hit::Ticket(c) => Some(c),
                        _ => None,
                    })
                    .collect();
                rows = rows_of(&s.app, agent.actor(), cases).await;
                total = n;
            }
            Err(app::AppError::Invalid(errs)) => {
                error = errs.first().map(|f| {
                    web::i18n::tr(
                        agent.s.locale,
                        &format!("err-{}", f.code),
                        &[("field", &f.field), ("detail", &f.detail)],
                    )
                });
            }
            Err(e) => return Err(agent.err(e)),
        }
        if let Ok((users, _)) = s.app.search_users(agent.actor(), &text, 20, 0).await {
            people = users
                .into_iter()
                .map(|u| {
                    let contact = u
                        .primary_email()
                        .or(u.primary_phone())
                        .unwrap_or("")
                        .to_string();
                    (u.user.id, u.user.name, contact)
                })
                .collect();
        }
    }
    let chrome = Chrome::of(&agent, &s.app, "search").await;
    Ok(render(&SearchPage {
        t: agent.t,
        chrome,
        q: text,
        rows,
        total,
        people,
        error,
    }))
}
