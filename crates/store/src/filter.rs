//! Typed case filters turned into SQL with numbered binds. Column names come from a closed
//! enum, values are always bound: no user text is ever spliced into SQL.

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "<>",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseCol {
    Id,
    Status,
    Priority,
    Kind,
    TicketType,
    Channel,
    JourneyStage,
    RequesterId,
    SubmitterId,
    AssigneeId,
    TeamId,
    OrganizationId,
    CategoryId,
    ExternalId,
    CreatedAt,
    UpdatedAt,
    SolvedAt,
    DueAt,
    NextDueAt,
}

impl CaseCol {
    fn sql(self) -> &'static str {
        match self {
            CaseCol::Id => "id",
            CaseCol::Status => "status",
            CaseCol::Priority => "priority",
            CaseCol::Kind => "kind",
            CaseCol::TicketType => "ticket_type",
            CaseCol::Channel => "channel",
            CaseCol::JourneyStage => "journey_stage",
            CaseCol::RequesterId => "requester_id",
            CaseCol::SubmitterId => "submitter_id",
            CaseCol::AssigneeId => "assignee_id",
            CaseCol::TeamId => "team_id",
            CaseCol::OrganizationId => "organization_id",
            CaseCol::CategoryId => "category_id",
            CaseCol::ExternalId => "external_id",
            CaseCol::CreatedAt => "created_at",
            CaseCol::UpdatedAt => "updated_at",
            CaseCol::SolvedAt => "solved_at",
            CaseCol::DueAt => "due_at",
            CaseCol::NextDueAt => "next_due_at",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Col {
        col: CaseCol,
        cmp: Cmp,
        val: Val,
    },
    In {
        col: CaseCol,
        vals: Vec<Val>,
        negated: bool,
    },
    Null {
        col: CaseCol,
        negated: bool,
    },
    Tag {
        tag: String,
        negated: bool,
    },
    /// Folded words; a phrase keeps their order.
    Text {
        words: Vec<String>,
        phrase: bool,
        negated: bool,
    },
    /// Subject contains (case-insensitive, folded by the caller).
    SubjectLike {
        text: String,
        negated: bool,
    },
    /// Always false (e.g. `requester:` names nobody we know).
    Nothing,
    /// A compensation above its requester's authority waits for a decision (A8).
    ApprovalWaiting,
    /// A running clock of a standard is past its due time (B3).
    Overdue {
        now: i64,
    },
    /// The complaint's follow-up date has come and the follow-up is not done (A2).
    FollowUpDue {
        now: i64,
    },
    /// The case's team is one of this user's teams.
    InTeamsOf {
        user_id: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseSort {
    #[default]
    Id,
    CreatedAt,
    UpdatedAt,
    Priority,
    Status,
    NextDue,
    TicketType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

/// Statuses written as SQL literals in canonical order, so that the planners can match the
/// partial inbox index (`WHERE status IN ('new', 'open', 'pending', 'hold')`), which they
/// cannot do through bound parameters. Only the six known statuses qualify.
fn status_literals(col: CaseCol, vals: &[Val]) -> Option<Vec<String>> {
    const ORDER: [&str; 6] = ["new", "open", "pending", "hold", "solved", "closed"];
    if col != CaseCol::Status {
        return None;
    }
    let mut wanted = [false; 6];
    for v in vals {
        let Val::Text(t) = v else { return None };
        let i = ORDER.iter().position(|o| o == t)?;
        wanted[i] = true;
    }
    Some(
        ORDER
            .iter()
            .zip(wanted)
            .filter(|(_, w)| *w)
            .map(|(o, _)| format!("'{o}'"))
            .collect(),
    )
}

/// An FTS5 MATCH expression. Words are letters and digits only
/// (`domain::text::search_words`), so quoting them is enough to keep FTS5 syntax out.
pub(crate) fn fts5_match(words: &[String], phrase: bool) -> String {
    if phrase {
        format!("\"{}\"", words.join(" "))
    } else {
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// SQLite: how to scan `cases` when full-text terms match many cases and the order is by
/// time or id. Walking the order's index and probing the match list finds a page quickly,
/// where the planner's default sorts every match. `None` for rare terms (sorting a few
/// matches is cheapest) and for other orders.
pub(crate) fn frequent_text_scan(f: &CaseFilter) -> Option<(String, &'static str)> {
    let words = f.conds.iter().find_map(|c| match c {
        Cond::Text {
            words,
            phrase,
            negated: false,
        } if !words.is_empty() => Some(fts5_match(words, *phrase)),
        _ => None,
    })?;
    let hint = match f.sort {
        CaseSort::UpdatedAt => " INDEXED BY cases_updated",
        CaseSort::CreatedAt => " INDEXED BY cases_created",
        CaseSort::Id => " NOT INDEXED",
        _ => return None,
    };
    Some((words, hint))
}

/// A LIKE pattern matching `s` literally (with `ESCAPE '\\'`), on both databases.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The SQLite full-text table a filter's text terms read.
pub(crate) fn fts_table(public_text: bool) -> &'static str {
    if public_text {
        "case_fts_public"
    } else {
        "case_fts"
    }
}

/// Matches beyond which `frequent_text_scan` applies.
pub(crate) const FREQUENT_MATCHES: i64 = 2_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub conds: Vec<Cond>,
    pub sort: CaseSort,
    pub dir: SortDir,
    /// SQLite only: the partial index that serves this filter in its order. With bound
    /// values the planner cannot see that `next_due_at < $1` is selective and picks the
    /// status index, sorting hundreds of thousands of rows (measured at 1M cases).
    pub index: Option<InboxIndex>,
    /// Full-text terms match the public search document only (subject, requester, public
    /// messages): set for every customer's search so internal notes never match.
    pub public_text: bool,
}

/// The inbox indexes of migration 0006 a view may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxIndex {
    Unassigned,
    OpenDue,
    WaitingDue,
}

impl InboxIndex {
    pub(crate) fn hint(self) -> &'static str {
        match self {
            InboxIndex::Unassigned => " INDEXED BY cases_unassigned_due",
            InboxIndex::OpenDue => " INDEXED BY cases_open_due",
            InboxIndex::WaitingDue => " INDEXED BY cases_waiting_due",
        }
    }
}

impl CaseFilter {
    pub fn push(&mut self, c: Cond) -> &mut Self {
        self.conds.push(c);
        self
    }
}

#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub binds: Vec<Val>,
}

impl Sql {
    pub fn bind(&mut self, v: Val) -> String {
        self.binds.push(v);
        format!("${}", self.binds.len())
    }
}

/// Append ` WHERE …` for the filter (always excluding deleted cases).
pub(crate) fn push_where(sql: &mut Sql, f: &CaseFilter, postgres: bool) {
    sql.text.push_str(" WHERE deleted_at IS NULL");
    for c in &f.conds {
        sql.text.push_str(" AND ");
        push_cond(sql, c, postgres, f.public_text);
    }
}

fn push_cond(sql: &mut Sql, c: &Cond, postgres: bool, public_text: bool) {
    match c {
        Cond::Col { col, cmp, val } => {
            let p = sql.bind(val.clone());
            sql.text
                .push_str(&format!("{} {} {}", col.sql(), cmp.sql(), p));
        }
        Cond::In { col, vals, negated } => {
            if vals.is_empty() {
                sql.text.push_str(if *negated { "1=1" } else { "1=0" });
                return;
            }
            let ps: Vec<String> = match status_literals(*col, vals) {
                Some(lits) => lits,
                None => vals.iter().map(|v| sql.bind(v.clone())).collect(),
            };
            let not = if *negated { "NOT " } else { "" };
            // NULL columns never match IN; a negated IN should still keep them.
            if *negated {
                sql.text.push_str(&format!(
                    "({c} IS NULL OR {c} {not}IN ({}))",
                    ps.join(", "),
                    c = col.sql()
                ));
            } else {
                sql.text
                    .push_str(&format!("{} IN ({})", col.sql(), ps.join(", ")));
            }
        }
        Cond::Null { col, negated } => {
            let n = if *negated { "NOT " } else { "" };
            sql.text.push_str(&format!("{} IS {n}NULL", col.sql()));
        }
        Cond::Tag { tag, negated } => {
            let p = sql.bind(Val::Text(tag.clone()));
            let n = if *negated { "NOT " } else { "" };
            sql.text.push_str(&format!(
                "{n}EXISTS (SELECT 1 FROM case_tags t WHERE t.tag = {p} AND t.case_id = cases.id)"
            ));
        }
        Cond::Text {
            words,
            phrase,
            negated,
        } => {
            let n = if *negated { "NOT " } else { "" };
            if words.is_empty() {
                sql.text.push_str("1=1");
                return;
            }
            if postgres {
                let p = sql.bind(Val::Text(words.join(" ")));
                let f = if *phrase {
                    "phraseto_tsquery"
                } else {
                    "plainto_tsquery"
                };
                let col = if public_text { "pub_tsv" } else { "tsv" };
                sql.text.push_str(&format!(
                    "id {n}IN (SELECT case_id FROM case_search WHERE {col} @@ \
                     ({f}('english', {p}) || {f}('french', {p})))"
                ));
            } else {
                let p = sql.bind(Val::Text(fts5_match(words, *phrase)));
                let t = fts_table(public_text);
                sql.text.push_str(&format!(
                    "id {n}IN (SELECT rowid FROM {t} WHERE {t} MATCH {p})"
                ));
            }
        }
        Cond::SubjectLike { text, negated } => {
            // `%` and `_` in the user's text are literal characters, not wildcards.
            let p = sql.bind(Val::Text(format!(
                "%{}%",
                like_escape(&text.to_lowercase())
            )));
            let n = if *negated { "NOT " } else { "" };
            sql.text
                .push_str(&format!("LOWER(subject) {n}LIKE {p} ESCAPE '\\'"));
        }
        Cond::Nothing => sql.text.push_str("1=0"),
        // Both start from the few rows that qualify (an index each), not from every case.
        Cond::ApprovalWaiting => sql
            .text
            .push_str("id IN (SELECT w.case_id FROM compensations w WHERE w.status = 'requested')"),
        Cond::Overdue { now } => {
            let p = sql.bind(Val::Int(*now));
            sql.text.push_str(&format!(
                "id IN (SELECT k.case_id FROM clocks k \
                 WHERE k.state IN ('active', 'paused') AND k.due_at < {p})"
            ));
        }
        Cond::FollowUpDue { now } => {
            let p = sql.bind(Val::Int(*now));
            sql.text.push_str(&format!(
                "follow_up_at <= {p} AND follow_up_done_at IS NULL"
            ));
        }
        Cond::InTeamsOf { user_id } => {
            let p = sql.bind(Val::Int(*user_id));
            sql.text.push_str(&format!(
                "team_id IN (SELECT m.team_id FROM team_members m WHERE m.user_id = {p})"
            ));
        }
    }
}

pub(crate) fn push_order(sql: &mut Sql, f: &CaseFilter) {
    let dir = match f.dir {
        SortDir::Asc => "ASC",
        SortDir::Desc => "DESC",
    };
    let key = match f.sort {
        CaseSort::Id => "id".to_string(),
        CaseSort::CreatedAt => "created_at".to_string(),
        CaseSort::UpdatedAt => "updated_at".to_string(),
        CaseSort::NextDue => "next_due_at".to_string(),
        CaseSort::TicketType => "COALESCE(ticket_type, '')".to_string(),
        CaseSort::Priority => "CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 \
             WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END"
            .to_string(),
        CaseSort::Status => {
            "CASE status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
             WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
                .to_string()
        }
    };
    if f.sort == CaseSort::Id {
        sql.text.push_str(&format!(" ORDER BY id {dir}"));
    } else {
        sql.text
            .push_str(&format!(" ORDER BY {key} {dir}, id {dir}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_never_spliced() {
        let mut f = CaseFilter::default();
        f.push(Cond::Tag {
            tag: "x'; DROP TABLE cases; --".into(),
            negated: false,
        });
        f.push(Cond::SubjectLike {
            text: "o'brien".into(),
            negated: true,
        });
        let mut s = Sql::default();
        push_where(&mut s, &f, false);
        assert!(!s.text.contains("DROP"));
        assert!(!s.text.contains("brien"));
        assert_eq!(s.binds.len(), 2);
    }

    #[test]
    fn subject_like_binds_wildcards_escaped_and_public_text_reads_the_public_index() {
        let mut f = CaseFilter::default();
        f.push(Cond::SubjectLike {
            text: "50%_off\\".into(),
            negated: false,
        });
        f.push(Cond::Text {
            words: vec!["colis".into()],
            phrase: false,
            negated: false,
        });
        let mut s = Sql::default();
        push_where(&mut s, &f, false);
        assert_eq!(s.binds[0], Val::Text("%50\\%\\_off\\\\%".into()));
        assert!(s.text.contains("ESCAPE '\\'"), "{}", s.text);
        assert!(s.text.contains("FROM case_fts WHERE"), "{}", s.text);
        f.public_text = true;
        let mut s = Sql::default();
        push_where(&mut s, &f, true);
        assert!(s.text.contains("pub_tsv @@"), "{}", s.text);
        let mut s = Sql::default();
        push_where(&mut s, &f, false);
        assert!(s.text.contains("FROM case_fts_public WHERE"), "{}", s.text);
    }

    #[test]
    fn known_statuses_are_literals_in_canonical_order_others_are_bound() {
        let mut f = CaseFilter::default();
        f.push(Cond::In {
            col: CaseCol::Status,
            vals: ["hold", "new", "pending", "open", "new"]
                .iter()
                .map(|s| Val::Text(s.to_string()))
                .collect(),
            negated: false,
        });
        let mut s = Sql::default();
        push_where(&mut s, &f, false);
        assert!(
            s.text
                .contains("status IN ('new', 'open', 'pending', 'hold')"),
            "{}",
            s.text
        );
        assert!(s.binds.is_empty());
        let mut f = CaseFilter::default();
        f.push(Cond::In {
            col: CaseCol::Status,
            vals: vec![Val::Text("x') OR 1=1 --".into())],
            negated: false,
        });
        let mut s = Sql::default();
        push_where(&mut s, &f, false);
        assert!(!s.text.contains("OR 1=1"));
        assert_eq!(s.binds.len(), 1);
    }
}
