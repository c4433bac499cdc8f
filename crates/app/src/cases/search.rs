//! Zendesk-style search: parse the query (domain::search), translate each term into a typed
//! case filter, and run it in the database's full-text index.

use crate::model;
use crate::{Actor, App, AppError, Result};
use domain::search::{self, Op, Term};
use domain::text::search_words;
use domain::{Channel, JourneyStage, Kind, Priority, Status, TicketType};
use jiff::Timestamp;
use store::{CaseCol, CaseFilter, CaseSort, Cmp, Cond, Page, SortDir, TeamRow, Val};

use crate::people::UserView;

/// What the query asked for with `type:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Ticket,
    User,
    Organization,
    Group,
}

#[derive(Debug, Clone)]
pub enum Hit {
    Ticket(model::Case),
    User(UserView),
    Organization(model::Org),
    Group(model::Team),
}

/// Sort requested by URL parameters (`sort_by`, `sort_order`); the query's own
/// `order_by:`/`sort:` win.
#[derive(Debug, Clone, Copy, Default)]
pub struct SortSpec {
    pub by: Option<model::CaseOrder>,
    pub dir: Option<model::Direction>,
}

pub fn parse_sort_key(s: &str) -> Option<model::CaseOrder> {
    use model::CaseOrder as CaseSort;
    Some(match s {
        "created" | "created_at" => CaseSort::CreatedAt,
        "updated" | "updated_at" | "commented" => CaseSort::UpdatedAt,
        "priority" => CaseSort::Priority,
        "status" => CaseSort::Status,
        "ticket_type" => CaseSort::TicketType,
        "due" | "due_at" => CaseSort::NextDue,
        "id" => CaseSort::Id,
        _ => return None,
    })
}

fn qerr(detail: impl Into<String>) -> AppError {
    AppError::invalid("query", "search-query", detail)
}

fn cmp(op: Op, negated: bool) -> Cmp {
    match (op, negated) {
        (Op::Eq, false) => Cmp::Eq,
        (Op::Eq, true) => Cmp::Ne,
        (Op::Lt, false) | (Op::Ge, true) => Cmp::Lt,
        (Op::Le, false) | (Op::Gt, true) => Cmp::Le,
        (Op::Gt, false) | (Op::Le, true) => Cmp::Gt,
        (Op::Ge, false) | (Op::Lt, true) => Cmp::Ge,
    }
}

/// Day or instant → the millisecond bounds it covers.
fn parse_when(v: &str) -> Result<(i64, i64)> {
    if let Ok(t) = v.parse::<Timestamp>() {
        let m = t.as_millisecond();
        return Ok((m, m + 1));
    }
    if let Ok(d) = v.parse::<jiff::civil::Date>() {
        let start = d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| qerr(e.to_string()))?;
        let s = start.timestamp().as_millisecond();
        return Ok((s, s + 86_400_000));
    }
    Err(qerr(format!(
        "'{v}' is not a date (YYYY-MM-DD) or an instant (RFC 3339)"
    )))
}

fn date_cond(col: CaseCol, op: Op, negated: bool, v: &str) -> Result<Cond> {
    let (start, end) = parse_when(v)?;
    // `created:2024-01-01` means during that day (the upper bound is added by `and_upper`);
    // `>` after it; `<` before it.
    let c = match cmp(op, negated) {
        Cmp::Eq => Cond::Col {
            col,
            cmp: Cmp::Ge,
            val: Val::Int(start),
        },
        Cmp::Ne => {
            return Err(qerr(format!(
                "-{v}: a negated date is not supported, use < or >"
            )));
        }
        Cmp::Lt => Cond::Col {
            col,
            cmp: Cmp::Lt,
            val: Val::Int(start),
        },
        Cmp::Le => Cond::Col {
            col,
            cmp: Cmp::Lt,
            val: Val::Int(end),
        },
        Cmp::Gt => Cond::Col {
            col,
            cmp: Cmp::Ge,
            val: Val::Int(end),
        },
        Cmp::Ge => Cond::Col {
            col,
            cmp: Cmp::Ge,
            val: Val::Int(start),
        },
    };
    Ok(c)
}

/// Ordered enum values (status, priority) selected by a comparison.
fn ordered_in<T: Copy + PartialEq>(
    all: &[T],
    rank: impl Fn(T) -> u8,
    v: T,
    op: Op,
    negated: bool,
) -> Vec<T> {
    let r = rank(v);
    let keep = |x: T| match op {
        Op::Eq => rank(x) == r,
        Op::Lt => rank(x) < r,
        Op::Le => rank(x) <= r,
        Op::Gt => rank(x) > r,
        Op::Ge => rank(x) >= r,
    };
    all.iter()
        .copied()
        .filter(|x| keep(*x) != negated)
        .collect()
}

impl App {
    async fn person_ids(&self, actor: &Actor, v: &str) -> Result<Option<Vec<i64>>> {
        if v == "me" {
            return Ok(Some(vec![actor.user_id]));
        }
        if v == "none" {
            return Ok(None);
        }
        if let Ok(id) = v.parse::<i64>() {
            return Ok(Some(vec![id]));
        }
        if let Ok(e) = domain::EmailAddress::parse(v) {
            if let Some(u) = self.store.user_by_identity("email", e.as_str()).await? {
                return Ok(Some(vec![u.id]));
            }
            return Ok(Some(vec![]));
        }
        let (users, _) = self.store.search_users(v, 100, 0).await?;
        Ok(Some(users.into_iter().map(|u| u.id).collect()))
    }

    /// Translate a parsed query into a case filter (staff scope; customers are narrowed by
    /// the caller). Returns the filter and the `type:` asked for.
    async fn case_filter(
        &self,
        actor: &Actor,
        q: &search::Query,
        sort: SortSpec,
    ) -> Result<(CaseFilter, Option<ResultType>)> {
        let mut f = CaseFilter::default();
        let mut rtype = None;
        let (mut by, mut dir) = (sort.by, sort.dir);
        for term in &q.terms {
            match term {
                Term::Text { text, negated } => {
                    let words = search_words(text);
                    if words.is_empty() {
                        continue;
                    }
                    let phrase = text.contains(char::is_whitespace);
                    f.push(Cond::Text {
                        words,
                        phrase,
                        negated: *negated,
                    });
                }
                Term::Field {
                    key,
                    op,
                    value,
                    negated,
                } => {
                    let (op, neg, v) = (*op, *negated, value.as_str());
                    match key.as_str() {
                        "type" => {
                            rtype = Some(match v {
                                "ticket" => ResultType::Ticket,
                                "user" => ResultType::User,
                                "organization" => ResultType::Organization,
                                "group" => ResultType::Group,
                                _ => {
                                    return Err(qerr(format!(
                                        "type:{v} (ticket, user, organization, group)"
                                    )));
                                }
                            })
                        }
                        "status" => {
                            let s: Status = v
                                .parse()
                                .map_err(|e: domain::UnknownValue| qerr(e.to_string()))?;
                            let vals = ordered_in(Status::ALL, Status::rank, s, op, neg);
                            f.push(Cond::In {
                                col: CaseCol::Status,
                                vals: vals.iter().map(|s| Val::Text(s.as_str().into())).collect(),
                                negated: false,
                            });
                        }
                        "priority" => {
                            let p: Priority = v
                                .parse()
                                .map_err(|e: domain::UnknownValue| qerr(e.to_string()))?;
                            let vals = ordered_in(Priority::ALL, Priority::rank, p, op, neg);
                            f.push(Cond::In {
                                col: CaseCol::Priority,
                                vals: vals.iter().map(|s| Val::Text(s.as_str().into())).collect(),
                                negated: false,
                            });
                        }
                        "ticket_type" => {
                            let t: TicketType = v
                                .parse()
                                .map_err(|e: domain::UnknownValue| qerr(e.to_string()))?;
                            f.push(Cond::Col {
                                col: CaseCol::TicketType,
                                cmp: cmp(Op::Eq, neg),
                                val: Val::Text(t.as_str().into()),
                            });
                        }
                        "kind" => {
                            let t: Kind = v
                                .parse()
                                .map_err(|e: domain::UnknownValue| qerr(e.to_string()))?;
                            f.push(Cond::Col {
                                col: CaseCol::Kind,
                                cmp: cmp(Op::Eq, neg),
                                val: Val::Text(t.as_str().into()),
                            });
                        }
                        "channel" | "via" => {
                            let t: Channel = v
                                .parse()
                                .map_err(|e: domain::UnknownValue| qerr(e.to_string()))?;
                            f.push(Cond::Col {
                                col: CaseCol::Channel,
                                cmp: cmp(Op::Eq, neg),
                                val: Val::Text(t.as_str().into()),
                            });
                        }
                        "journey_stage" | "stage" => {
                            let t: JourneyStage = v
                                .parse()
                                .map_err(|e: domain::UnknownValue| qerr(e.to_string()))?;
                            f.push(Cond::Col {
                                col: CaseCol::JourneyStage,
                                cmp: cmp(Op::Eq, neg),
                                val: Val::Text(t.as_str().into()),
                            });
                        }
                        "requester" | "assignee" | "submitter" => {
                            let col = match key.as_str() {
                                "requester" => CaseCol::RequesterId,
                                "assignee" => CaseCol::AssigneeId,
                                _ => CaseCol::SubmitterId,
                            };
                            match self.person_ids(actor, v).await? {
                                None => f.push(Cond::Null { col, negated: neg }),
                                Some(ids) => f.push(Cond::In {
                                    col,
                                    vals: ids.into_iter().map(Val::Int).collect(),
                                    negated: neg,
                                }),
                            };
                        }
                        "group" | "organization" => {
                            let col = if key == "group" {
                                CaseCol::TeamId
                            } else {
                                CaseCol::OrganizationId
                            };
                            if v == "none" {
                                f.push(Cond::Null { col, negated: neg });
                                continue;
                            }
                            let id = match v.parse::<i64>() {
                                Ok(id) => Some(id),
                                Err(_) if key == "group" => self
                                    .store
                                    .team_by_name_key(&domain::text::fold(v))
                                    .await?
                                    .map(|t| t.id),
                                Err(_) => self
                                    .store
                                    .org_by_name_key(&domain::text::fold(v))
                                    .await?
                                    .map(|o| o.id),
                            };
                            f.push(Cond::In {
                                col,
                                vals: id.into_iter().map(Val::Int).collect(),
                                negated: neg,
                            });
                        }
                        "tags" | "tag" => {
                            let t =
                                domain::Tag::parse(v).map_err(|e| qerr(format!("tags:{v} {e}")))?;
                            f.push(Cond::Tag {
                                tag: t.as_str().into(),
                                negated: neg,
                            });
                        }
                        "created" | "created_at" => f
                            .push(date_cond(CaseCol::CreatedAt, op, neg, v)?)
                            .and_upper(CaseCol::CreatedAt, op, neg, v)?,
                        "updated" | "updated_at" => f
                            .push(date_cond(CaseCol::UpdatedAt, op, neg, v)?)
                            .and_upper(CaseCol::UpdatedAt, op, neg, v)?,
                        "solved" | "solved_at" => f
                            .push(date_cond(CaseCol::SolvedAt, op, neg, v)?)
                            .and_upper(CaseCol::SolvedAt, op, neg, v)?,
                        "due_date" | "due_at" => f
                            .push(date_cond(CaseCol::DueAt, op, neg, v)?)
                            .and_upper(CaseCol::DueAt, op, neg, v)?,
                        "subject" => {
                            f.push(Cond::SubjectLike {
                                text: domain::text::fold(v),
                                negated: neg,
                            });
                        }
                        "description" | "comment" => {
                            let words = search_words(v);
                            f.push(Cond::Text {
                                phrase: words.len() > 1,
                                words,
                                negated: neg,
                            });
                        }
                        "id" | "ticket_id" => {
                            let id: i64 = v
                                .parse()
                                .map_err(|_| qerr(format!("{key}:{v} is not a number")))?;
                            f.push(Cond::Col {
                                col: CaseCol::Id,
                                cmp: cmp(op, neg),
                                val: Val::Int(id),
                            });
                        }
                        "external_id" => {
                            f.push(Cond::Col {
                                col: CaseCol::ExternalId,
                                cmp: cmp(Op::Eq, neg),
                                val: Val::Text(v.into()),
                            });
                        }
                        "order_by" => {
                            by = Some(
                                parse_sort_key(v).ok_or_else(|| qerr(format!("order_by:{v}")))?,
                            );
                        }
                        "sort" => {
                            dir = Some(match v {
                                "asc" => model::Direction::Asc,
                                "desc" => model::Direction::Desc,
                                _ => return Err(qerr(format!("sort:{v} (asc or desc)"))),
                            });
                        }
                        other => return Err(qerr(format!("unknown keyword '{other}'"))),
                    }
                }
            }
        }
        f.sort = by.map_or(CaseSort::UpdatedAt, Into::into);
        f.dir = dir.map_or(SortDir::Desc, Into::into);
        Ok((f, rtype))
    }

    /// Run a search; returns one page of hits and the total count.
    pub async fn search(
        &self,
        actor: &Actor,
        query: &str,
        sort: SortSpec,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Hit>, i64)> {
        let q = search::parse(query).map_err(|e| qerr(e.to_string()))?;
        let types_only: Option<ResultType> = q.terms.iter().find_map(|t| match t {
            Term::Field { key, value, .. } if key == "type" => match value.as_str() {
                "user" => Some(ResultType::User),
                "organization" => Some(ResultType::Organization),
                "group" => Some(ResultType::Group),
                _ => None,
            },
            _ => None,
        });
        if let Some(rt) = types_only {
            return self.search_people(actor, rt, &q, limit, offset).await;
        }
        if !actor.role.is_staff() {
            end_user_terms(&q)?;
        }
        let (mut f, _) = self.case_filter(actor, &q, sort).await?;
        if !actor.role.is_staff() {
            // A customer's words match public text only (never an internal note).
            f.public_text = true;
            f.push(Cond::Col {
                col: CaseCol::RequesterId,
                cmp: Cmp::Eq,
                val: Val::Int(actor.user_id),
            });
        }
        let n = self.store.count_cases(&f).await?;
        let rows = self
            .store
            .cases(
                &f,
                Page {
                    limit,
                    offset,
                    ..Page::default()
                },
            )
            .await?;
        Ok((
            rows.into_iter().map(Into::into).map(Hit::Ticket).collect(),
            n,
        ))
    }

    pub async fn search_count(&self, actor: &Actor, query: &str) -> Result<i64> {
        let (_, n) = self.search(actor, query, SortSpec::default(), 0, 0).await?;
        Ok(n)
    }

    async fn search_people(
        &self,
        actor: &Actor,
        rt: ResultType,
        q: &search::Query,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Hit>, i64)> {
        actor.require_staff()?;
        let mut text = Vec::new();
        for t in &q.terms {
            match t {
                Term::Text {
                    text: s,
                    negated: false,
                } => text.push(s.clone()),
                Term::Field {
                    key,
                    value,
                    negated: false,
                    ..
                } if key == "email" || key == "name" => text.push(value.clone()),
                Term::Field { key, .. } if key == "type" => {}
                other => {
                    return Err(qerr(format!(
                        "{other:?} is not supported when searching people"
                    )));
                }
            }
        }
        let text = text.join(" ");
        match rt {
            ResultType::User => {
                let (users, n) = self.search_users(actor, &text, limit, offset).await?;
                Ok((users.into_iter().map(Hit::User).collect(), n))
            }
            ResultType::Organization => {
                let all = self
                    .store
                    .orgs_by_name(&domain::text::fold(&text), 1000)
                    .await?;
                let n = all.len() as i64;
                Ok((
                    all.into_iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .map(Into::into)
                        .map(Hit::Organization)
                        .collect(),
                    n,
                ))
            }
            _ => {
                let key = domain::text::fold(&text);
                let all: Vec<TeamRow> = self
                    .store
                    .teams(0, 1000)
                    .await?
                    .into_iter()
                    .filter(|t| domain::text::fold(&t.name).contains(&key))
                    .collect();
                let n = all.len() as i64;
                Ok((
                    all.into_iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .map(Into::into)
                        .map(Hit::Group)
                        .collect(),
                    n,
                ))
            }
        }
    }
}

/// Keywords a customer may search by: what their end-user view shows. Internal fields
/// (tags, assignee, group, priority…) would let them probe values they cannot read.
const END_USER_KEYWORDS: &[&str] = &[
    "type",
    "status",
    "subject",
    "description",
    "comment",
    "id",
    "ticket_id",
    "created",
    "created_at",
    "updated",
    "updated_at",
    "solved",
    "solved_at",
    "order_by",
    "sort",
];

fn end_user_terms(q: &search::Query) -> Result<()> {
    for t in &q.terms {
        if let Term::Field { key, .. } = t
            && !END_USER_KEYWORDS.contains(&key.as_str())
        {
            return Err(qerr(format!(
                "'{key}:' is not available to end users ({})",
                END_USER_KEYWORDS.join(", ")
            )));
        }
    }
    Ok(())
}

/// Dates on equality need an upper bound too (`created:2024-01-01` = that whole day).
trait AndUpper {
    fn and_upper(&mut self, col: CaseCol, op: Op, negated: bool, v: &str) -> Result<()>;
}

impl AndUpper for CaseFilter {
    fn and_upper(&mut self, col: CaseCol, op: Op, negated: bool, v: &str) -> Result<()> {
        if op == Op::Eq && !negated {
            let (_, end) = parse_when(v)?;
            self.push(Cond::Col {
                col,
                cmp: Cmp::Lt,
                val: Val::Int(end),
            });
        }
        Ok(())
    }
}
