//! Users (customers and staff), their email/phone identities, organizations, teams and
//! categories.

use crate::rows::*;
use crate::{Result, Store, StoreError, Tx, on_read, on_tx};

/// New or changed user fields (everything but id and timestamps).
#[derive(Debug, Clone)]
pub struct UserData {
    pub name: String,
    pub role: String,
    pub locale: String,
    pub time_zone: String,
    pub organization_id: Option<i64>,
    pub external_id: Option<String>,
    pub postal_address: Option<String>,
    pub notes: Option<String>,
    pub details: Option<String>,
    pub tags: String,
    pub password_hash: Option<String>,
    pub compensation_limit_cents: i64,
    pub active: bool,
}

impl From<&UserRow> for UserData {
    fn from(u: &UserRow) -> Self {
        UserData {
            name: u.name.clone(),
            role: u.role.clone(),
            locale: u.locale.clone(),
            time_zone: u.time_zone.clone(),
            organization_id: u.organization_id,
            external_id: u.external_id.clone(),
            postal_address: u.postal_address.clone(),
            notes: u.notes.clone(),
            details: u.details.clone(),
            tags: u.tags.clone(),
            password_hash: u.password_hash.clone(),
            compensation_limit_cents: u.compensation_limit_cents,
            active: u.active,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OrgData {
    pub name: String,
    pub external_id: Option<String>,
    pub domain_names: String,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub tags: String,
    /// Its members see one another's cases in the portal.
    pub shared_tickets: bool,
}

impl Tx {
    pub async fn insert_user(&mut self, u: &UserData, at: i64) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO users (name, role, locale, time_zone, organization_id, external_id, postal_address, \
             notes, details, tags, password_hash, compensation_limit_cents, active, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14) RETURNING id")
            .bind(&u.name).bind(&u.role).bind(&u.locale).bind(&u.time_zone).bind(u.organization_id)
            .bind(&u.external_id).bind(&u.postal_address).bind(&u.notes).bind(&u.details).bind(&u.tags)
            .bind(&u.password_hash).bind(u.compensation_limit_cents).bind(u.active).bind(at)
            .fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_user(&mut self, id: i64, u: &UserData, at: i64) -> Result<()> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE users SET name=$2, role=$3, locale=$4, time_zone=$5, organization_id=$6, external_id=$7, \
             postal_address=$8, notes=$9, details=$10, tags=$11, password_hash=$12, \
             compensation_limit_cents=$13, active=$14, updated_at=$15 WHERE id=$1")
            .bind(id).bind(&u.name).bind(&u.role).bind(&u.locale).bind(&u.time_zone).bind(u.organization_id)
            .bind(&u.external_id).bind(&u.postal_address).bind(&u.notes).bind(&u.details).bind(&u.tags)
            .bind(&u.password_hash).bind(u.compensation_limit_cents).bind(u.active).bind(at)
            .execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn user_in_tx(&mut self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let r = on_tx!(self, t => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    pub async fn insert_identity(
        &mut self,
        user_id: i64,
        kind: &str,
        value: &str,
        primary: bool,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO user_identities (user_id, kind, value, is_primary, created_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(user_id).bind(kind).bind(value).bind(primary).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_identities(&mut self, user_id: i64, kind: &str) -> Result<()> {
        on_tx!(self, t => sqlx::query("DELETE FROM user_identities WHERE user_id = $1 AND kind = $2")
            .bind(user_id).bind(kind).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// The user owning an identity (email or phone), looked up inside the transaction.
    pub async fn user_id_by_identity(&mut self, kind: &str, value: &str) -> Result<Option<i64>> {
        let r = on_tx!(self, t => sqlx::query_scalar(
            "SELECT user_id FROM user_identities WHERE kind = $1 AND value = $2")
            .bind(kind).bind(value).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    pub async fn identities_in_tx(&mut self, user_id: i64) -> Result<Vec<IdentityRow>> {
        let r = on_tx!(self, t => sqlx::query_as::<_, IdentityRow>(
            "SELECT id, user_id, kind, value, is_primary, failing, created_at, failing_reason, failing_at FROM user_identities \
             WHERE user_id = $1 ORDER BY is_primary DESC, id").bind(user_id).fetch_all(&mut **t).await?);
        Ok(r)
    }

    pub async fn insert_org(&mut self, o: &OrgData, name_key: &str, at: i64) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO organizations (name, name_key, external_id, domain_names, details, notes, tags, \
             created_at, updated_at, shared_tickets) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8,$9) RETURNING id")
            .bind(&o.name).bind(name_key).bind(&o.external_id).bind(&o.domain_names).bind(&o.details)
            .bind(&o.notes).bind(&o.tags).bind(at).bind(o.shared_tickets).fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_org(
        &mut self,
        id: i64,
        o: &OrgData,
        name_key: &str,
        at: i64,
    ) -> Result<()> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE organizations SET name=$2, name_key=$3, external_id=$4, domain_names=$5, details=$6, \
             notes=$7, tags=$8, updated_at=$9, shared_tickets=$10 WHERE id=$1")
            .bind(id).bind(&o.name).bind(name_key).bind(&o.external_id).bind(&o.domain_names)
            .bind(&o.details).bind(&o.notes).bind(&o.tags).bind(at).bind(o.shared_tickets)
            .execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn delete_org(&mut self, id: i64) -> Result<()> {
        // Cases keep their history: detach them first.
        on_tx!(self, t => sqlx::query("UPDATE cases SET organization_id = NULL WHERE organization_id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        let n = on_tx!(self, t => sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn insert_team(
        &mut self,
        name: &str,
        key: &str,
        desc: &str,
        public: bool,
        at: i64,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO teams (name, name_key, description, is_public, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$5) RETURNING id")
            .bind(name).bind(key).bind(desc).bind(public).bind(at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_team(&mut self, t_: &TeamRow, key: &str) -> Result<()> {
        let n = on_tx!(self, t => sqlx::query(
            "UPDATE teams SET name=$2, name_key=$3, description=$4, is_public=$5, deleted=$6, updated_at=$7 \
             WHERE id=$1")
            .bind(t_.id).bind(&t_.name).bind(key).bind(&t_.description).bind(t_.is_public)
            .bind(t_.deleted).bind(t_.updated_at).execute(&mut **t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn add_team_member(&mut self, team_id: i64, user_id: i64, at: i64) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING")
            .bind(team_id).bind(user_id).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn insert_category(
        &mut self,
        parent: Option<i64>,
        name: &str,
        at: i64,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO categories (parent_id, name, created_at, updated_at) VALUES ($1,$2,$3,$3) RETURNING id")
            .bind(parent).bind(name).bind(at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    pub async fn update_category(
        &mut self,
        id: i64,
        parent: Option<i64>,
        name: &str,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "UPDATE categories SET parent_id = $1, name = $2, updated_at = $3 WHERE id = $4")
            .bind(parent).bind(name).bind(at).bind(id).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Delete a category that has no children and no cases; returns false if it is in use.
    pub async fn delete_unused_category(&mut self, id: i64) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query(
            "DELETE FROM categories WHERE id = $1 \
             AND NOT EXISTS (SELECT 1 FROM categories c WHERE c.parent_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.category_id = $1)")
            .bind(id).execute(&mut **t).await?.rows_affected());
        Ok(n > 0)
    }
}

impl Store {
    pub async fn user(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn users_by_ids(&self, ids: &[i64]) -> Result<Vec<UserRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(u) = self.user(*id).await? {
                out.push(u);
            }
        }
        Ok(out)
    }

    pub async fn user_by_identity(&self, kind: &str, value: &str) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {} FROM users u JOIN user_identities i ON i.user_id = u.id \
             WHERE i.kind = $1 AND i.value = $2",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let r = on_read!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(&*sql)).bind(kind).bind(value)
            .fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn user_by_external_id(&self, ext: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE external_id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(&*sql)).bind(ext).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn identities(&self, user_id: i64) -> Result<Vec<IdentityRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, IdentityRow>(
            "SELECT id, user_id, kind, value, is_primary, failing, created_at, failing_reason, failing_at FROM user_identities \
             WHERE user_id = $1 ORDER BY is_primary DESC, id").bind(user_id).fetch_all(p).await?);
        Ok(r)
    }

    /// Users page by id (keyset), optionally only one role set.
    pub async fn users(&self, after_id: i64, limit: i64, staff_only: bool) -> Result<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id > $1 {} ORDER BY id LIMIT $2",
            if staff_only {
                "AND role <> 'end-user'"
            } else {
                ""
            }
        );
        let r = on_read!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(&*sql)).bind(after_id).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn count_users(&self) -> Result<i64> {
        let n = on_read!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?);
        Ok(n)
    }

    /// Users whose name contains, or whose email/phone starts with, the folded text.
    pub async fn search_users(
        &self,
        text: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<UserRow>, i64)> {
        let like = format!("%{}%", text.to_lowercase());
        let prefix = format!("{}%", text.to_lowercase());
        let cond = "(LOWER(u.name) LIKE $1 OR EXISTS (SELECT 1 FROM user_identities i \
                    WHERE i.user_id = u.id AND i.value LIKE $2))";
        let cols = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("SELECT {cols} FROM users u WHERE {cond} ORDER BY u.id LIMIT $3 OFFSET $4");
        let count_sql = format!("SELECT COUNT(*) FROM users u WHERE {cond}");
        let (rows, n) = on_read!(self, p => {
            let rows = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(&*sql)).bind(&like).bind(&prefix).bind(limit).bind(offset)
                .fetch_all(p).await?;
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql)).bind(&like).bind(&prefix).fetch_one(p).await?;
            (rows, n)
        });
        Ok((rows, n))
    }

    pub async fn org(&self, id: i64) -> Result<Option<OrgRow>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn org_by_external_id(&self, ext: &str) -> Result<Option<OrgRow>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations WHERE external_id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(&*sql)).bind(ext).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn org_by_name_key(&self, key: &str) -> Result<Option<OrgRow>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations WHERE name_key = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(&*sql)).bind(key).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn orgs(&self, after_id: i64, limit: i64) -> Result<Vec<OrgRow>> {
        let sql =
            format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id > $1 ORDER BY id LIMIT $2");
        let r = on_read!(self, p => sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(&*sql)).bind(after_id).bind(limit).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn orgs_by_name(&self, text: &str, limit: i64) -> Result<Vec<OrgRow>> {
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE name_key LIKE $1 ORDER BY id LIMIT $2"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(&*sql)).bind(format!("%{text}%")).bind(limit)
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn team(&self, id: i64) -> Result<Option<TeamRow>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1 AND deleted = $2");
        let r = on_read!(self, p => sqlx::query_as::<_, TeamRow>(sqlx::AssertSqlSafe(&*sql)).bind(id).bind(false).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn team_by_name_key(&self, key: &str) -> Result<Option<TeamRow>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE name_key = $1 AND deleted = $2");
        let r = on_read!(self, p => sqlx::query_as::<_, TeamRow>(sqlx::AssertSqlSafe(&*sql)).bind(key).bind(false).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn teams(&self, after_id: i64, limit: i64) -> Result<Vec<TeamRow>> {
        let sql = format!(
            "SELECT {TEAM_COLUMNS} FROM teams WHERE id > $1 AND deleted = $2 ORDER BY id LIMIT $3"
        );
        let r = on_read!(self, p => sqlx::query_as::<_, TeamRow>(sqlx::AssertSqlSafe(&*sql)).bind(after_id).bind(false).bind(limit)
            .fetch_all(p).await?);
        Ok(r)
    }

    pub async fn team_member_ids(&self, team_id: i64) -> Result<Vec<i64>> {
        let r = on_read!(self, p => sqlx::query_scalar(
            "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id").bind(team_id).fetch_all(p).await?);
        Ok(r)
    }

    pub async fn categories(&self) -> Result<Vec<CategoryRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, CategoryRow>(
            "SELECT id, parent_id, name, created_at, updated_at FROM categories ORDER BY id").fetch_all(p).await?);
        Ok(r)
    }

    pub async fn category(&self, id: i64) -> Result<Option<CategoryRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, CategoryRow>(
            "SELECT id, parent_id, name, created_at, updated_at FROM categories WHERE id = $1")
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn count_staff(&self) -> Result<i64> {
        let n = on_read!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin'").fetch_one(p).await?);
        Ok(n)
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, last_used_at, expires_at";

impl Tx {
    /// A new API token with an optional expiry; returns its id.
    pub async fn insert_token_expiring(
        &mut self,
        user_id: i64,
        hash: &str,
        name: &str,
        at: i64,
        expires_at: Option<i64>,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at) \
             VALUES ($1,$2,$3,$4,$5) RETURNING id")
            .bind(user_id).bind(hash).bind(name).bind(at).bind(expires_at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    /// Revoke one token; false when there is no such token.
    pub async fn delete_token(&mut self, id: i64) -> Result<bool> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id).execute(&mut **t).await?.rows_affected());
        Ok(n > 0)
    }

    /// Revoke every token of a user (deactivation).
    pub async fn delete_tokens_of(&mut self, user_id: i64) -> Result<u64> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
            .bind(user_id).execute(&mut **t).await?.rows_affected());
        Ok(n)
    }
}

impl Store {
    /// The owner of a token that has not expired at `now`.
    pub async fn live_token_owner(&self, hash: &str, now: i64) -> Result<Option<TokenOwner>> {
        let r = on_read!(self, p => sqlx::query_as::<_, TokenOwner>(
            "SELECT id AS token_id, user_id FROM api_tokens \
             WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)")
            .bind(hash).bind(now).fetch_optional(p).await?);
        Ok(r)
    }

    /// Tokens of one user, or of everyone when `user_id` is `None`, oldest first.
    pub async fn tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiTokenRow>> {
        let v = match user_id {
            Some(u) => {
                let sql = format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id"
                );
                on_read!(self, p => sqlx::query_as::<_, ApiTokenRow>(sqlx::AssertSqlSafe(&*sql)).bind(u).fetch_all(p).await?)
            }
            None => {
                let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id");
                on_read!(self, p => sqlx::query_as::<_, ApiTokenRow>(sqlx::AssertSqlSafe(&*sql)).fetch_all(p).await?)
            }
        };
        Ok(v)
    }

    pub async fn token(&self, id: i64) -> Result<Option<ApiTokenRow>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        let r = on_read!(self, p => sqlx::query_as::<_, ApiTokenRow>(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(p).await?);
        Ok(r)
    }
}
