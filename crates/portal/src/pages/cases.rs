//! The customer's cases: the list (mine, my organisation's when it shares them), a case's
//! public thread with what the customer may do (reply with files, "yes, it is solved",
//! "no, still a problem", "mark as solved", a follow-up of a closed case), and a new case.

use crate::Brand;
use crate::error::{PortalError, PortalResult, render};
use crate::pages::{Form, Path, Query};
use crate::session::Customer;
use app::cases::CustomerMove;
use app::portal::{PortalCase, PortalItem, PortalScope, Viewer};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use web::AppState;
use web::form::FormState;
use web::i18n::T;

const PAGE_SIZE: i64 = 25;

/// `/portal`: the cases of a signed-in customer, else the sign-in page.
pub async fn home(axum::Extension(m): axum::Extension<crate::session::MaybeCustomer>) -> Response {
    match m.0.map(|s| s.case_id) {
        Some(Some(id)) => Redirect::to(&format!("/portal/cases/{id}")).into_response(),
        Some(None) => Redirect::to("/portal/cases").into_response(),
        None => Redirect::to("/portal/sign-in").into_response(),
    }
}

/// What every signed-in page's frame shows.
pub struct Frame {
    pub name: String,
    pub csrf: String,
    /// A case link's session: only that case, no list, no profile.
    pub case_only: bool,
    pub section: &'static str,
}

impl Frame {
    pub fn of(c: &Customer, section: &'static str) -> Frame {
        Frame {
            name: c.s.actor.name.clone(),
            csrf: c.s.csrf.clone(),
            case_only: c.s.case_id.is_some(),
            section,
        }
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    t: T,
    brand: Brand,
    frame: Frame,
    cases: Vec<PortalItem>,
    total: i64,
    page: i64,
    pages: i64,
    scope: &'static str,
    open_only: bool,
    organisation: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    scope: Option<String>,
    open: Option<String>,
    page: Option<i64>,
}

pub async fn list(
    State(s): State<AppState>,
    c: Customer,
    Query(q): Query<ListQuery>,
) -> PortalResult {
    if let Some(id) = c.s.case_id {
        return Ok(Redirect::to(&format!("/portal/cases/{id}")).into_response());
    }
    let scope = match q.scope.as_deref() {
        Some("organisation") => PortalScope::Organisation,
        _ => PortalScope::Mine,
    };
    let open_only = q.open.as_deref() == Some("1");
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let l = s
        .app
        .portal_cases(
            &Viewer::from(&c.s),
            scope,
            open_only,
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE,
        )
        .await
        .map_err(|e| c.err(e))?;
    Ok(render(&ListPage {
        brand: crate::brand(&s).await,
        frame: Frame::of(&c, "cases"),
        pages: (l.total + PAGE_SIZE - 1) / PAGE_SIZE,
        total: l.total,
        cases: l.cases,
        page,
        scope: if scope == PortalScope::Organisation && l.organisation {
            "organisation"
        } else {
            "mine"
        },
        open_only,
        organisation: l.organisation,
        t: c.t,
    }))
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: T,
    brand: Brand,
    frame: Frame,
    pc: PortalCase,
    form: FormState,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    c: Customer,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PortalResult {
    let p = s
        .app
        .portal_case(&Viewer::from(&c.s), id)
        .await
        .map_err(|e| c.err(e))?;
    let mut n = HashMap::new();
    if let Some(v) = q.notice {
        n.insert("notice".to_string(), v);
    }
    Ok(render(&CasePage {
        notice: web::form::notice(&c.t, &n),
        brand: crate::brand(&s).await,
        frame: Frame::of(&c, "cases"),
        pc: p,
        form: FormState::default(),
        t: c.t,
    }))
}

/// A multipart form's text fields and the upload token of its files (uploaded for the
/// customer through `app::App::upload`, claimed by the message that follows).
struct Posted {
    fields: HashMap<String, String>,
    uploads: Vec<String>,
}

async fn read_multipart(s: &AppState, c: &Customer, req: Request) -> Result<Posted, PortalError> {
    let parts = crate::pages::read_parts(req, c.s.locale).await?;
    let mut token: Option<String> = None;
    for (file_name, ctype, data) in &parts.files {
        let up = s
            .app
            .upload(
                &c.s.actor,
                file_name,
                ctype.as_deref(),
                data,
                token.as_deref(),
            )
            .await
            .map_err(|e| c.err(e))?;
        token = Some(up.token);
    }
    Ok(Posted {
        fields: parts.fields,
        uploads: token.into_iter().collect(),
    })
}

/// Which inputs a use case's fields belong to.
const REPLY_FIELDS: web::form::FieldMap = &[
    ("comment.body", "body", "portal-message"),
    ("comment.uploads", "files", "portal-files"),
    ("files", "files", "portal-files"),
    ("filename", "files", "portal-files"),
    ("file", "files", "portal-files"),
];

pub async fn reply(
    State(s): State<AppState>,
    c: Customer,
    Path(id): Path<i64>,
    req: Request,
) -> PortalResult {
    let posted = read_multipart(&s, &c, req).await?;
    let body = posted.fields.get("body").cloned().unwrap_or_default();
    match s
        .app
        .portal_update(&Viewer::from(&c.s), id, &body, posted.uploads, None)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/portal/cases/{id}?notice=sent#thread-end")).into_response())
        }
        Err(e) => again(&s, c, id, &body, e).await,
    }
}

/// The case page again with what was typed and the message next to its field.
async fn again(s: &AppState, c: Customer, id: i64, body: &str, e: app::AppError) -> PortalResult {
    let form = FormState::typed([("body", body)])
        .refused(&c.t, e, REPLY_FIELDS)
        .map_err(|e| c.err(e))?;
    let p = s
        .app
        .portal_case(&Viewer::from(&c.s), id)
        .await
        .map_err(|e| c.err(e))?;
    let mut r = render(&CasePage {
        notice: None,
        brand: crate::brand(s).await,
        frame: Frame::of(&c, "cases"),
        pc: p,
        form,
        t: c.t,
    });
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    body: String,
}

/// "Yes, it is solved": the case closes now.
pub async fn confirm(State(s): State<AppState>, c: Customer, Path(id): Path<i64>) -> PortalResult {
    match s.app.portal_confirm(&Viewer::from(&c.s), id).await {
        Ok(_) => Ok(Redirect::to(&format!("/portal/cases/{id}?notice=closed")).into_response()),
        Err(e) => again(&s, c, id, "", e).await,
    }
}

/// "No, still a problem": the case reopens, with the customer's word if they gave one.
pub async fn reopen(
    State(s): State<AppState>,
    c: Customer,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> PortalResult {
    customer_move(&s, c, id, &f.body, CustomerMove::StillAProblem, "reopened").await
}

/// "Mark as solved" on an open case (where the team allows it).
pub async fn mark_solved(
    State(s): State<AppState>,
    c: Customer,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> PortalResult {
    customer_move(&s, c, id, &f.body, CustomerMove::Solved, "solved").await
}

async fn customer_move(
    s: &AppState,
    c: Customer,
    id: i64,
    body: &str,
    mv: CustomerMove,
    notice: &str,
) -> PortalResult {
    match s
        .app
        .portal_update(&Viewer::from(&c.s), id, body, vec![], Some(mv))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/portal/cases/{id}?notice={notice}")).into_response()),
        Err(e) => again(s, c, id, body, e).await,
    }
}

#[derive(Template)]
#[template(path = "new_case.html")]
struct NewPage {
    t: T,
    brand: Brand,
    frame: Frame,
    form: FormState,
    follow_up_of: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    follow_up_of: Option<i64>,
}

pub async fn new_form(
    State(s): State<AppState>,
    c: Customer,
    Query(q): Query<NewQuery>,
) -> PortalResult {
    if c.s.case_id.is_some() {
        return Err(c.err(app::AppError::Unauthenticated));
    }
    Ok(render(&NewPage {
        brand: crate::brand(&s).await,
        frame: Frame::of(&c, "new"),
        form: FormState::default(),
        follow_up_of: q.follow_up_of,
        t: c.t,
    }))
}

const NEW_FIELDS: web::form::FieldMap = &[
    ("subject", "subject", "portal-subject"),
    ("comment", "body", "portal-message"),
    ("comment.body", "body", "portal-message"),
    ("comment.uploads", "files", "portal-files"),
    ("files", "files", "portal-files"),
    ("filename", "files", "portal-files"),
    ("file", "files", "portal-files"),
];

pub async fn create(State(s): State<AppState>, c: Customer, req: Request) -> PortalResult {
    if c.s.case_id.is_some() {
        return Err(c.err(app::AppError::Unauthenticated));
    }
    let posted = read_multipart(&s, &c, req).await?;
    let get = |k: &str| posted.fields.get(k).cloned().unwrap_or_default();
    let (subject, body) = (get("subject"), get("body"));
    let follow_up_of = get("follow_up_of").trim().parse::<i64>().ok();
    match s
        .app
        .portal_new_case(
            &Viewer::from(&c.s),
            &subject,
            &body,
            posted.uploads,
            follow_up_of,
        )
        .await
    {
        Ok(out) => {
            crate::pages::help::case_filed(&s, &get("kb_visitor"), "portal", out.case.id).await;
            Ok(
                Redirect::to(&format!("/portal/cases/{}?notice=created", out.case.id))
                    .into_response(),
            )
        }
        Err(e) => {
            let form = FormState::typed([("subject", subject.as_str()), ("body", body.as_str())])
                .refused(&c.t, e, NEW_FIELDS)
                .map_err(|e| c.err(e))?;
            let mut r = render(&NewPage {
                brand: crate::brand(&s).await,
                frame: Frame::of(&c, "new"),
                form,
                follow_up_of,
                t: c.t,
            });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

/// A file of a public message of a case the customer may see.
pub async fn file(State(s): State<AppState>, c: Customer, Path(id): Path<i64>) -> PortalResult {
    let (a, data) = s
        .app
        .portal_file(&Viewer::from(&c.s), id)
        .await
        .map_err(|e| c.err(e))?;
    Ok(web::browser::file_response(
        &a.file_name,
        &a.content_type,
        data,
    ))
}
