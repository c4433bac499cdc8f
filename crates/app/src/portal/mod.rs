//! The customer's own view of their cases (issue 17): what a signed-in customer reads and
//! does in the portal, and what any user does through Zendesk's Requests API (a request is
//! the requester's view of a ticket). Every function takes a [`Viewer`]: the actor and, for
//! a portal session opened from an email's case link, the one case it may see.
//!
//! Who sees a case here: its requester; and the requester's organisation colleagues when
//! the organisation shares its cases (Zendesk's `shared_tickets`), read-only. Anything
//! else looks absent (404). What they see is built from allow-lists: the customer model of
//! the case ([`model::CustomerCase`]) and [`PortalMessage`] (public messages only, each
//! author by name — never an address, never an internal note).
//!
//! Writes go through the use cases every transport calls: `update_case` (reply, "no, still
//! a problem", "mark as solved"), `confirm_by_customer` ("yes, it is solved") and
//! `create_case` (a new case, a follow-up of a closed one, linked to it).

pub mod forms;
pub mod sign_in;

use crate::auth::sessions::Session;
use crate::cases::{CaseChanges, CaseOutcome, CommentInput, CustomerMove, NewCase};
use crate::{Actor, App, AppError, Result, model};
use domain::{Channel, LinkKind, Status};
use std::collections::HashMap;

/// Who looks: the actor and, for a session opened from a case link, its one case.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub case_id: Option<i64>,
}

impl From<&Session> for Viewer {
    fn from(s: &Session) -> Self {
        Viewer {
            actor: s.actor.clone(),
            case_id: s.case_id,
        }
    }
}

impl From<&Actor> for Viewer {
    fn from(a: &Actor) -> Self {
        Viewer {
            actor: a.clone(),
            case_id: None,
        }
    }
}

/// Which cases the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalScope {
    /// The customer's own cases.
    Mine,
    /// Every case of the customer's organisation (when it shares them).
    Organisation,
}

/// A case of the list, and whether its customer may mark it solved now.
#[derive(Debug, Clone)]
pub struct PortalItem {
    pub case: model::CustomerCase,
    /// Zendesk's `can_be_solved_by_me`: open, assigned, the team allows it, the viewer's own.
    pub can_be_solved_by_me: bool,
}

/// One page of the case list.
#[derive(Debug, Clone)]
pub struct PortalList {
    pub cases: Vec<PortalItem>,
    pub total: i64,
    /// Whether the customer's organisation shares its cases (the list offers the tab).
    pub organisation: bool,
}

/// A message of the public thread as the customer sees it.
#[derive(Debug, Clone)]
pub struct PortalMessage {
    pub id: i64,
    pub author_id: i64,
    /// Written by the signed-in customer.
    pub mine: bool,
    /// Written by the service team.
    pub from_staff: bool,
    /// The author's name (never an address).
    pub author: String,
    pub body: String,
    pub created_at: i64,
    pub attachments: Vec<PortalFile>,
}

/// A file of a public message.
#[derive(Debug, Clone)]
pub struct PortalFile {
    pub id: i64,
    pub file_name: String,
    pub size: i64,
}

/// A case page: the customer's view of the case, its public thread, and what they may do.
#[derive(Debug, Clone)]
pub struct PortalCase {
    pub case: model::CustomerCase,
    pub thread: Vec<PortalMessage>,
    /// The customer's own case (a colleague's shared case is read-only).
    pub mine: bool,
    pub requester_name: String,
    pub can_reply: bool,
    /// Solved: "Yes, it is solved" and "No, still a problem".
    pub can_confirm: bool,
    /// Open, assigned, and the team allows it.
    pub can_mark_solved: bool,
    /// Closed: a follow-up case linked to this one.
    pub can_follow_up: bool,
    /// The (sanitised) HTML of each message of the thread, by id, for the API's comments.
    pub html_bodies: HashMap<i64, String>,
}

/// Most messages a case page shows (the newest ones).
const MAX_THREAD: i64 = 500;

impl App {
    /// The customer's cases (or their organisation's), newest activity first.
    pub async fn portal_cases(
        &self,
        v: &Viewer,
        scope: PortalScope,
        open_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<PortalList> {
        let me = self.portal_user(v).await?;
        let shared = match me.organization_id {
            Some(o) => self.store.org_shared_tickets(o).await?,
            None => false,
        };
        let mut f = store::CaseFilter {
            sort: store::CaseSort::UpdatedAt,
            dir: store::SortDir::Desc,
            ..Default::default()
        };
        let (col, val) = match (scope, me.organization_id) {
            (PortalScope::Organisation, Some(o)) if shared => (store::CaseCol::OrganizationId, o),
            _ => (store::CaseCol::RequesterId, me.id),
        };
        f.push(store::Cond::Col {
            col,
            cmp: store::Cmp::Eq,
            val: store::Val::Int(val),
        });
        if let Some(c) = v.case_id {
            f.push(store::Cond::Col {
                col: store::CaseCol::Id,
                cmp: store::Cmp::Eq,
                val: store::Val::Int(c),
            });
        }
        if open_only {
            f.push(store::Cond::In {
                col: store::CaseCol::Status,
                vals: [Status::New, Status::Open, Status::Pending, Status::Hold]
                    .iter()
                    .map(|s| store::Val::Text(s.as_str().into()))
                    .collect(),
                negated: false,
            });
        }
        let page = store::Page {
            limit: limit.clamp(1, 100),
            offset: offset.max(0),
            ..store::Page::default()
        };
        let rows: Vec<model::Case> = model::all(self.store.cases(&f, page).await?);
        let total = self.store.count_cases(&f).await?;
        let cases = self.portal_items(&rows, me.id).await?;
        Ok(PortalList {
            cases,
            total,
            organisation: shared && v.case_id.is_none(),
        })
    }

    /// The caller's own requests whose public text matches `query` (Zendesk's
    /// `requests/search`): searched as their customer would, whatever their role — public
    /// text only, their own cases only.
    pub async fn search_requests(
        &self,
        v: &Viewer,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PortalItem>, i64)> {
        let me = self.portal_user(v).await?;
        let as_customer = Actor {
            user_id: me.id,
            role: domain::Role::EndUser,
            name: me.name.clone(),
        };
        let sort = crate::cases::search::SortSpec {
            by: Some(model::CaseOrder::UpdatedAt),
            dir: Some(model::Direction::Desc),
        };
        let (hits, n) = self
            .search(
                &as_customer,
                query,
                sort,
                limit.clamp(1, 100),
                offset.max(0),
            )
            .await?;
        let rows: Vec<model::Case> = hits
            .into_iter()
            .filter_map(|h| match h {
                crate::cases::search::Hit::Ticket(c) => Some(c),
                _ => None,
            })
            .collect();
        Ok((self.portal_items(&rows, me.id).await?, n))
    }

    /// The list's items: each case in its customer's view, its first public message as
    /// description, and whether its requester may mark it solved now.
    async fn portal_items(&self, rows: &[model::Case], me: i64) -> Result<Vec<PortalItem>> {
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let mut desc: HashMap<i64, String> = self
            .store
            .first_public_bodies(&ids)
            .await?
            .into_iter()
            .collect();
        let mut teams: HashMap<i64, bool> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let open = !matches!(c.status.as_str(), "solved" | "closed");
            let team_ok = match c.team_id {
                Some(t) => match teams.get(&t) {
                    Some(ok) => *ok,
                    None => {
                        let ok = self.store.team_customers_can_solve(t).await?;
                        teams.insert(t, ok);
                        ok
                    }
                },
                None => true,
            };
            out.push(PortalItem {
                can_be_solved_by_me: open
                    && team_ok
                    && c.assignee_id.is_some()
                    && c.requester_id == me
                    && c.merged_into_id.is_none(),
                case: model::CustomerCase::of(c, desc.remove(&c.id).unwrap_or_default()),
            });
        }
        Ok(out)
    }

    /// One case as its customer (or a colleague, when shared) sees it.
    pub async fn portal_case(&self, v: &Viewer, id: i64) -> Result<PortalCase> {
        let (c, mine) = self.portal_visible(v, id).await?;
        let rows = self
            .store
            .messages(
                id,
                true,
                store::Page {
                    limit: MAX_THREAD,
                    ..store::Page::default()
                },
            )
            .await?;
        let mut author_ids: Vec<i64> = rows.iter().map(|m| m.author_id).collect();
        author_ids.push(c.requester_id);
        author_ids.sort_unstable();
        author_ids.dedup();
        let authors: HashMap<i64, store::UserRow> = self
            .store
            .users_by_ids(&author_ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let mut files: HashMap<i64, Vec<PortalFile>> = HashMap::new();
        for a in self.store.attachments_of(&ids).await? {
            if let Some(m) = a.message_id {
                files.entry(m).or_default().push(PortalFile {
                    id: a.id,
                    file_name: a.file_name,
                    size: a.size,
                });
            }
        }
        let html_bodies: HashMap<i64, String> =
            rows.iter().map(|m| (m.id, m.html_body.clone())).collect();
        let thread = rows
            .into_iter()
            .map(|m| {
                let author = authors.get(&m.author_id);
                PortalMessage {
                    id: m.id,
                    author_id: m.author_id,
                    mine: m.author_id == v.actor.user_id,
                    from_staff: author.is_some_and(|u| u.role != "end-user"),
                    author: author.map(|u| u.name.clone()).unwrap_or_default(),
                    body: m.body,
                    created_at: m.created_at,
                    attachments: files.remove(&m.id).unwrap_or_default(),
                }
            })
            .collect();
        let status: Status = c.status.parse().unwrap_or(Status::Open);
        // The customer view and `can_be_solved_by_me` as the list computes them.
        let item = self
            .portal_items(std::slice::from_ref(&c), v.actor.user_id)
            .await?
            .pop()
            .ok_or(AppError::NotFound("ticket"))?;
        Ok(PortalCase {
            requester_name: authors
                .get(&c.requester_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            case: item.case,
            thread,
            mine,
            can_reply: mine && status != Status::Closed && c.merged_into_id.is_none(),
            can_confirm: mine && status == Status::Solved,
            can_mark_solved: item.can_be_solved_by_me,
            can_follow_up: mine && status == Status::Closed,
            html_bodies,
        })
    }

    /// The customer writes on their case (text and uploaded files; a solved case
    /// reopens) and/or moves it: "no, still a problem" reopens a solved case, "mark as
    /// solved" solves an open one where allowed. One audited write through `update_case`.
    pub async fn portal_update(
        &self,
        v: &Viewer,
        id: i64,
        body: &str,
        uploads: Vec<String>,
        mv: Option<CustomerMove>,
    ) -> Result<CaseOutcome> {
        self.portal_own(v, id).await?;
        let has_comment = !body.trim().is_empty() || !uploads.is_empty();
        if !has_comment && mv.is_none() {
            return Err(AppError::invalid("comment.body", "required", "body"));
        }
        self.update_case(
            &v.actor,
            id,
            CaseChanges {
                customer_move: mv,
                comment: has_comment.then(|| portal_comment(body, uploads)),
                ..Default::default()
            },
        )
        .await
    }

    /// "Yes, it is solved": the solved case closes now.
    pub async fn portal_confirm(&self, v: &Viewer, id: i64) -> Result<CaseOutcome> {
        self.portal_own(v, id).await?;
        self.confirm_by_customer(&v.actor, id).await
    }

    /// A new case from the portal; `follow_up_of` names a closed case of the customer's it
    /// continues (linked both ways, A4).
    pub async fn portal_new_case(
        &self,
        v: &Viewer,
        subject: &str,
        body: &str,
        uploads: Vec<String>,
        follow_up_of: Option<i64>,
    ) -> Result<CaseOutcome> {
        if v.case_id.is_some() {
            return Err(AppError::Forbidden("case link"));
        }
        if let Some(prev) = follow_up_of {
            let (c, mine) = self.portal_visible(v, prev).await?;
            if !mine {
                return Err(AppError::NotFound("ticket"));
            }
            if c.status != Status::Closed.as_str() {
                return Err(AppError::invalid(
                    "follow_up_of",
                    "not-closed",
                    prev.to_string(),
                ));
            }
        }
        if body.trim().is_empty() {
            return Err(AppError::invalid("comment.body", "required", "body"));
        }
        let out = self
            .create_case(
                &v.actor,
                NewCase {
                    subject: Some(subject.to_string()),
                    // The channel is the web's: a customer's case says so by itself.
                    comment: Some(portal_comment(body, uploads)),
                    ..Default::default()
                },
                None,
            )
            .await?;
        if let Some(prev) = follow_up_of {
            self.link_follow_up(&v.actor, out.case.id, prev).await?;
        }
        Ok(out)
    }

    /// A file of a public message of a case the customer may see.
    pub async fn portal_file(&self, v: &Viewer, id: i64) -> Result<(model::Attachment, Vec<u8>)> {
        let missing = || AppError::NotFound("attachment");
        let a = self.store.attachment(id).await?.ok_or_else(missing)?;
        let m = match a.message_id {
            Some(m) => self.store.message(m).await?.ok_or_else(missing)?,
            None => return Err(missing()),
        };
        if !m.public {
            return Err(missing());
        }
        self.portal_visible(v, m.case_id)
            .await
            .map_err(|_| missing())?;
        let data = self
            .store
            .blob(&a.sha256)
            .await?
            .ok_or_else(|| AppError::Internal(format!("blob {} missing", a.sha256)))?;
        Ok((a.into(), data))
    }

    /// A team's portal setting: may its customers mark their own open case solved
    /// (administrators; on by default).
    pub async fn set_team_customers_can_solve(
        &self,
        actor: &Actor,
        team_id: i64,
        on: bool,
    ) -> Result<()> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        if tx.set_team_customers_can_solve(team_id, on).await? == 0 {
            return Err(AppError::NotFound("group"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether a team lets its customers mark their own open case solved.
    pub async fn team_customers_can_solve(&self, actor: &Actor, team_id: i64) -> Result<bool> {
        actor.require_staff()?;
        Ok(self.store.team_customers_can_solve(team_id).await?)
    }

    /// The viewer's account (their organisation); staff reach their own requests through
    /// the API the same way.
    async fn portal_user(&self, v: &Viewer) -> Result<store::UserRow> {
        let u = self
            .store
            .user(v.actor.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !u.active {
            return Err(AppError::Unauthenticated);
        }
        Ok(u)
    }

    /// The case if this customer may see it, and whether it is their own.
    async fn portal_visible(&self, v: &Viewer, id: i64) -> Result<(model::Case, bool)> {
        let missing = || AppError::NotFound("ticket");
        if v.case_id.is_some_and(|c| c != id) {
            return Err(missing());
        }
        let me = self.portal_user(v).await?;
        let c: model::Case = self.store.case(id).await?.ok_or_else(missing)?.into();
        if c.requester_id == me.id {
            return Ok((c, true));
        }
        match (me.organization_id, c.organization_id) {
            (Some(a), Some(b)) if a == b && self.store.org_shared_tickets(a).await? => {
                Ok((c, false))
            }
            _ => Err(missing()),
        }
    }

    /// The case must be the customer's own (a shared colleague's case is read-only).
    async fn portal_own(&self, v: &Viewer, id: i64) -> Result<()> {
        match self.portal_visible(v, id).await? {
            (_, true) => Ok(()),
            (_, false) => Err(AppError::Forbidden("only the requester writes on a case")),
        }
    }

    /// Link a follow-up case to the closed case it continues (written by the customer's
    /// own request, so not through the agents' `link_cases`).
    async fn link_follow_up(&self, actor: &Actor, new: i64, prev: i64) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.insert_link(&store::LinkRow {
            case_id: new,
            other_id: prev,
            kind: LinkKind::FollowUp.as_str().into(),
            created_by: Some(actor.user_id),
            created_at: now,
        })
        .await?;
        for (a, b) in [(new, prev), (prev, new)] {
            tx.insert_events(
                a,
                Some(actor.user_id),
                now,
                &[store::NewEvent {
                    kind: "linked",
                    field: Some("link"),
                    old_value: None,
                    new_value: Some(format!("{}:{b}", LinkKind::FollowUp.as_str())),
                }],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn portal_comment(body: &str, uploads: Vec<String>) -> CommentInput {
    CommentInput {
        body: body.to_string(),
        uploads,
        via: Some(Channel::Web),
        ..Default::default()
    }
}

/// The company's name and colour on the customer pages (administrators set them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Branding {
    /// Empty: the pages say "Customer area" / "Espace client".
    pub name: String,
    /// `#rrggbb`, dark enough for white text on it (contrast 4.5:1 at least).
    pub colour: String,
    /// The logo's version (the start of its SHA-256) when there is one: its address
    /// changes with it, so browsers may keep it for good.
    #[serde(default)]
    pub logo: Option<String>,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            name: String::new(),
            colour: "#1d5fa8".into(),
            logo: None,
        }
    }
}

const BRANDING: &str = "branding";
const LOGO: &str = "logo";
/// Largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

async fn branding_in(tx: &mut store::Tx) -> Result<Branding> {
    Ok(tx
        .setting_in_tx(BRANDING)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Relative luminance of `#rrggbb` (WCAG 2).
fn luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let ch = |i: usize| -> f64 {
        let v = u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    Some(0.2126 * ch(0) + 0.7152 * ch(2) + 0.0722 * ch(4))
}

impl App {
    /// The portal's branding (defaults when never set).
    pub async fn branding(&self) -> Result<Branding> {
        Ok(self
            .store
            .setting(BRANDING)
            .await?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default())
    }

    /// Set the portal's name and colour (administrators). A colour white text cannot be
    /// read on is refused, naming the contrast it reaches.
    pub async fn save_branding(&self, actor: &Actor, b: Branding) -> Result<Branding> {
        actor.require_admin()?;
        let name = crate::optional_text("name", b.name.trim(), 80)?;
        let colour = b.colour.trim().to_lowercase();
        let Some(l) = luminance(&colour) else {
            return Err(AppError::invalid("colour", "invalid-value", colour));
        };
        let contrast = 1.05 / (l + 0.05);
        if contrast < 4.5 {
            return Err(AppError::invalid(
                "colour",
                "contrast-low",
                format!("{contrast:.1}"),
            ));
        }
        let mut tx = self.store.begin().await?;
        let logo = branding_in(&mut tx).await?.logo;
        let b = Branding { name, colour, logo };
        tx.put_setting(
            BRANDING,
            &serde_json::to_string(&b).unwrap_or_default(),
            self.now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    /// Set the logo (administrators): a PNG, JPEG, GIF or WebP picture (known by its
    /// bytes; SVG can carry scripts) of at most `MAX_LOGO_BYTES`; None removes it.
    pub async fn save_logo(&self, actor: &Actor, logo: Option<(&str, &[u8])>) -> Result<Branding> {
        actor.require_admin()?;
        let now = self.now_ms();
        let file = match logo {
            None => None,
            Some((name, data)) => {
                if data.len() > MAX_LOGO_BYTES {
                    return Err(AppError::invalid(
                        "logo",
                        "too-large",
                        MAX_LOGO_BYTES.to_string(),
                    ));
                }
                let Some(ctype) = crate::kb::sniff_image(data) else {
                    return Err(AppError::invalid(
                        "logo",
                        "not-an-image",
                        "PNG, JPEG, GIF or WebP",
                    ));
                };
                let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data));
                Some((
                    store::BrandFileRow {
                        name: LOGO.into(),
                        file_name: crate::cases::attachments::clean_file_name(name)
                            .unwrap_or_else(|| "logo".into()),
                        content_type: ctype.into(),
                        size: data.len() as i64,
                        sha256: sha,
                        updated_at: now,
                    },
                    data,
                ))
            }
        };
        let mut tx = self.store.begin().await?;
        if let Some((f, data)) = &file {
            tx.put_blob(&f.sha256, data, now).await?;
        }
        tx.put_brand_file(LOGO, file.as_ref().map(|x| &x.0)).await?;
        let mut b = branding_in(&mut tx).await?;
        b.logo = file.as_ref().map(|(f, _)| f.sha256[..16].to_string());
        tx.put_setting(
            BRANDING,
            &serde_json::to_string(&b).unwrap_or_default(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    /// The logo's type and bytes, if there is one (anyone: it is on every customer page).
    pub async fn logo(&self) -> Result<Option<(String, Vec<u8>)>> {
        let Some(f) = self.store.brand_file(LOGO).await? else {
            return Ok(None);
        };
        Ok(self
            .store
            .blob(&f.sha256)
            .await?
            .map(|d| (f.content_type, d)))
    }
}

#[cfg(test)]
mod tests {
    use super::luminance;

    #[test]
    fn contrast_with_white_is_measured() {
        let c = |hex: &str| 1.05 / (luminance(hex).unwrap() + 0.05);
        assert!(c("#1d5fa8") >= 4.5);
        assert!(c("#ffcc00") < 4.5);
        assert!(luminance("#12345").is_none() && luminance("blue").is_none());
    }
}
