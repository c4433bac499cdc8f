//! Users (customers and staff), organizations and teams.

mod orgs;
mod teams;

use crate::auth::{check_password, hash_password};
use crate::model;
use crate::{Actor, App, AppError, FieldError, Result};
use domain::{EmailAddress, Locale, Phone, Role, Tag, text::fold};
use store::{OrgData, Tx, UserData, UserRow};

/// A user with their identities, as shown to clients.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: model::User,
    pub identities: Vec<model::Identity>,
}

impl UserView {
    pub fn primary_email(&self) -> Option<&str> {
        self.identities
            .iter()
            .find(|i| i.kind == "email")
            .map(|i| i.value.as_str())
    }
    pub fn primary_phone(&self) -> Option<&str> {
        self.identities
            .iter()
            .find(|i| i.kind == "phone")
            .map(|i| i.value.as_str())
    }
}

/// Fields of a new user, already parsed into domain values.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub name: Option<String>,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<Phone>,
    pub role: Option<Role>,
    pub locale: Option<Locale>,
    pub time_zone: Option<String>,
    pub organization_id: Option<i64>,
    pub external_id: Option<String>,
    pub postal_address: Option<String>,
    pub notes: Option<String>,
    pub details: Option<String>,
    pub tags: Vec<Tag>,
    pub password: Option<String>,
    pub compensation_limit_cents: Option<i64>,
}

/// Changes to a user; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub emails: Option<Vec<EmailAddress>>,
    pub phones: Option<Vec<Phone>>,
    pub role: Option<Role>,
    pub locale: Option<Locale>,
    pub time_zone: Option<String>,
    pub organization_id: Option<Option<i64>>,
    pub external_id: Option<Option<String>>,
    pub postal_address: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub details: Option<Option<String>>,
    pub tags: Option<Vec<Tag>>,
    pub password: Option<String>,
    /// Required with `password` when users change their own (and have one).
    pub current_password: Option<String>,
    pub compensation_limit_cents: Option<i64>,
    pub active: Option<bool>,
}

/// Default compensation authority by role (A8), in cents; admins are unlimited.
pub fn default_compensation_limit(role: Role) -> i64 {
    match role {
        Role::Admin => i64::MAX,
        Role::Supervisor => 50_000,
        Role::Agent => 5_000,
        _ => 0,
    }
}

fn tags_text(tags: &[Tag]) -> String {
    tags.iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn org_key(name: &str) -> String {
    fold(name.trim())
}

impl App {
    pub(crate) async fn user_view(&self, u: UserRow) -> Result<UserView> {
        let identities = self.store.identities(u.id).await?;
        Ok(UserView {
            user: u.into(),
            identities: crate::model::all(identities),
        })
    }

    /// Names of these users by id (the screens show who did what). Staff only; unknown ids
    /// are left out.
    pub async fn user_names(
        &self,
        actor: &Actor,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        actor.require_staff()?;
        Ok(self
            .store
            .users_by_ids(ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// Every team's name by id, deleted ones too (old cases still show them). Staff only.
    pub async fn team_names(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<i64, String>> {
        actor.require_staff()?;
        Ok(self
            .store
            .teams(0, 1000)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect())
    }

    /// Staff members in id order, at most `limit`. Staff only.
    pub async fn staff_users(&self, actor: &Actor, limit: i64) -> Result<Vec<model::User>> {
        actor.require_staff()?;
        Ok(model::all(self.store.users(0, limit, true).await?))
    }

    /// The actor's own compensation authority (A8), in cents of the limit currency; 0 when
    /// they have none.
    pub async fn my_compensation_limit(&self, actor: &Actor) -> Result<i64> {
        Ok(self
            .store
            .user(actor.user_id)
            .await?
            .map_or(0, |u| u.compensation_limit_cents))
    }

    /// Staff members with their identities, in id order, at most `limit`. Staff only.
    pub async fn staff_members(&self, actor: &Actor, limit: i64) -> Result<Vec<UserView>> {
        actor.require_staff()?;
        let mut out = Vec::new();
        for u in self.store.users(0, limit, true).await? {
            out.push(self.user_view(u).await?);
        }
        Ok(out)
    }

    /// The user holding this email address, if any. Staff only.
    pub async fn user_by_email(
        &self,
        actor: &Actor,
        email: &EmailAddress,
    ) -> Result<Option<model::User>> {
        actor.require_staff()?;
        Ok(self
            .store
            .user_by_identity("email", email.as_str())
            .await?
            .map(Into::into))
    }

    /// The user holding this phone number, if any. Staff only.
    pub async fn user_by_phone(&self, actor: &Actor, phone: &Phone) -> Result<Option<model::User>> {
        actor.require_staff()?;
        Ok(self
            .store
            .user_by_identity("phone", phone.as_str())
            .await?
            .map(Into::into))
    }

    /// The customer an agent is logging a contact for (A6): found by email, then by phone,
    /// or created with both. A phone given with the email of a known customer is added to
    /// them (unless it already belongs to someone else), so the next call finds them too.
    /// Returns the user's id.
    pub async fn contact_person(
        &self,
        actor: &Actor,
        email: Option<&EmailAddress>,
        phone: Option<&Phone>,
        name: &str,
    ) -> Result<i64> {
        actor.require_case_writer()?;
        let name = name.trim();
        let by_email = match email {
            Some(e) => self.store.user_by_identity("email", e.as_str()).await?,
            None => None,
        };
        let by_phone = match phone {
            Some(p) => self.store.user_by_identity("phone", p.as_str()).await?,
            None => None,
        };
        // A member of staff found this way is not changed here (their identities are an
        // administrator's business).
        let customer = |u: &store::UserRow| u.role == Role::EndUser.as_str();
        match (by_email, by_phone) {
            (Some(u), Some(_)) => Ok(u.id),
            // Known by one identity: the other is added beside the existing ones (their
            // failing flags and order untouched), so the next contact finds them either way.
            (Some(u), None) => {
                if let Some(p) = phone.filter(|_| customer(&u)) {
                    self.add_identity(u.id, "phone", p.as_str()).await?;
                }
                Ok(u.id)
            }
            (None, Some(u)) => {
                if let Some(e) = email.filter(|_| customer(&u)) {
                    self.add_identity(u.id, "email", e.as_str()).await?;
                }
                Ok(u.id)
            }
            (None, None) => {
                if email.is_none() && phone.is_none() {
                    return Err(AppError::invalid("email", "required", "email"));
                }
                if name.is_empty() && email.is_none() {
                    return Err(AppError::invalid("name", "required", "name"));
                }
                let u = self
                    .create_user(
                        Some(actor),
                        NewUser {
                            name: (!name.is_empty()).then(|| name.to_string()),
                            emails: email.into_iter().cloned().collect(),
                            phones: phone.into_iter().cloned().collect(),
                            ..Default::default()
                        },
                    )
                    .await?;
                Ok(u.user.id)
            }
        }
    }

    /// One more identity for a user (not primary); already someone's: left alone.
    async fn add_identity(&self, user_id: i64, kind: &str, value: &str) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if tx.user_id_by_identity(kind, value).await?.is_some() {
            tx.rollback().await?;
            return Ok(());
        }
        let primary = !tx
            .identities_in_tx(user_id)
            .await?
            .iter()
            .any(|i| i.kind == kind);
        tx.insert_identity(user_id, kind, value, primary, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many users there are in all. Staff only.
    pub async fn count_users(&self, actor: &Actor) -> Result<i64> {
        actor.require_staff()?;
        Ok(self.store.count_users().await?)
    }

    /// Who may see whom: staff see everyone, a customer only themself.
    pub async fn get_user(&self, actor: &Actor, id: i64) -> Result<UserView> {
        if !actor.role.is_staff() && actor.user_id != id {
            return Err(AppError::NotFound("user"));
        }
        let u = self
            .store
            .user(id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        self.user_view(u).await
    }

    pub async fn me(&self, actor: &Actor) -> Result<UserView> {
        self.get_user(actor, actor.user_id).await
    }

    pub async fn list_users(
        &self,
        actor: &Actor,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<UserView>> {
        actor.require_staff()?;
        let mut out = Vec::new();
        for u in self.store.users(after_id, limit, false).await? {
            out.push(self.user_view(u).await?);
        }
        Ok(out)
    }

    pub async fn search_users(
        &self,
        actor: &Actor,
        text: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<UserView>, i64)> {
        actor.require_staff()?;
        let (rows, n) = self.store.search_users(text.trim(), limit, offset).await?;
        let mut out = Vec::new();
        for u in rows {
            out.push(self.user_view(u).await?);
        }
        Ok((out, n))
    }

    pub async fn user_by_external_id(&self, actor: &Actor, ext: &str) -> Result<Vec<UserView>> {
        actor.require_staff()?;
        match self.store.user_by_external_id(ext).await? {
            Some(u) => Ok(vec![self.user_view(u).await?]),
            None => Ok(vec![]),
        }
    }

    /// Create a user. Agents may create customers; only admins create staff.
    pub async fn create_user(&self, actor: Option<&Actor>, new: NewUser) -> Result<UserView> {
        let role = new.role.unwrap_or(Role::EndUser);
        match actor {
            Some(a) if role.is_staff() => a.require_admin()?,
            Some(a) => a.require_case_writer()?,
            None => {} // bootstrap from the command line
        }
        let mut tx = self.store.begin().await?;
        let id = self.insert_user_tx(&mut tx, new).await?;
        tx.commit().await?;
        let u = self
            .store
            .user(id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        self.user_view(u).await
    }

    pub(crate) async fn insert_user_tx(&self, tx: &mut Tx, new: NewUser) -> Result<i64> {
        let role = new.role.unwrap_or(Role::EndUser);
        let name = match new.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.chars().take(255).collect(),
            // Zendesk derives a name from the email when none is given.
            _ => match new.emails.first() {
                Some(e) => e.as_str().split('@').next().unwrap_or("").to_string(),
                None => return Err(AppError::invalid("name", "required", "name or email")),
            },
        };
        let password_hash = match &new.password {
            Some(p) => {
                check_password(p)?;
                let p = p.clone();
                Some(
                    tokio::task::spawn_blocking(move || hash_password(&p))
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))??,
                )
            }
            None => None,
        };
        if let Some(org) = new.organization_id {
            self.store.org(org).await?.ok_or_else(|| {
                AppError::invalid("organization_id", "unknown-reference", org.to_string())
            })?;
        }
        let now = self.now_ms();
        let data = UserData {
            name,
            role: role.as_str().to_string(),
            locale: new.locale.unwrap_or(Locale::Fr).as_str().to_string(),
            time_zone: new.time_zone.unwrap_or_else(|| "Europe/Paris".to_string()),
            organization_id: new.organization_id,
            external_id: new.external_id,
            postal_address: new.postal_address,
            notes: new.notes,
            details: new.details,
            tags: tags_text(&new.tags),
            password_hash,
            compensation_limit_cents: new
                .compensation_limit_cents
                .unwrap_or_else(|| default_compensation_limit(role)),
            active: true,
        };
        let id = tx
            .insert_user(&data, now)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => {
                    AppError::Conflict(FieldError::new("external_id", "duplicate", "external_id"))
                }
                other => other,
            })?;
        self.write_identities(tx, id, &new.emails, &new.phones, now)
            .await?;
        Ok(id)
    }

    async fn write_identities(
        &self,
        tx: &mut Tx,
        user_id: i64,
        emails: &[EmailAddress],
        phones: &[Phone],
        now: i64,
    ) -> Result<()> {
        for (i, e) in emails.iter().enumerate() {
            if let Some(owner) = tx.user_id_by_identity("email", e.as_str()).await? {
                if owner != user_id {
                    return Err(AppError::Conflict(FieldError::new(
                        "email",
                        "email-taken",
                        e.as_str().to_string(),
                    )));
                }
                continue;
            }
            tx.insert_identity(user_id, "email", e.as_str(), i == 0, now)
                .await?;
        }
        for (i, p) in phones.iter().enumerate() {
            match tx.user_id_by_identity("phone", p.as_str()).await? {
                Some(owner) if owner != user_id => {
                    return Err(AppError::Conflict(FieldError::new(
                        "phone",
                        "phone-taken",
                        p.as_str().to_string(),
                    )));
                }
                Some(_) => {}
                None => {
                    tx.insert_identity(user_id, "phone", p.as_str(), i == 0, now)
                        .await?
                }
            }
        }
        Ok(())
    }

    pub async fn update_user(&self, actor: &Actor, id: i64, ch: UserChanges) -> Result<UserView> {
        let self_service = actor.user_id == id;
        // Another user looks absent to a customer, as on reads.
        if !self_service && !actor.role.is_staff() {
            return Err(AppError::NotFound("user"));
        }
        if !self_service {
            actor.require_case_writer()?;
        }
        // One's own change proves the current password (a borrowed token or session must
        // not be enough to take the account over). Checked before the write transaction:
        // Argon2 is slow and the check reads through the sign-in path.
        if self_service && ch.password.is_some() {
            let has_password = self
                .store
                .user(id)
                .await?
                .is_some_and(|u| u.password_hash.is_some());
            if has_password
                && !self
                    .current_password_ok(id, ch.current_password.as_deref())
                    .await?
            {
                return Err(match ch.current_password {
                    None => {
                        AppError::invalid("user.current_password", "required", "current_password")
                    }
                    Some(_) => {
                        AppError::invalid("user.current_password", "password-wrong", String::new())
                    }
                });
            }
        }
        let mut tx = self.store.begin().await?;
        let u = tx.user_in_tx(id).await?.ok_or(AppError::NotFound("user"))?;
        let current: Role = u.role.parse().unwrap_or(Role::EndUser);
        // Staff accounts and roles are an administrator's business.
        let touches_staff = current.is_staff() && !self_service;
        if touches_staff
            || ch.role.is_some_and(|r| r != current)
            || ch.compensation_limit_cents.is_some()
        {
            actor.require_admin()?;
        }
        if !actor.role.is_staff()
            && (ch.active.is_some()
                || ch.organization_id.is_some()
                || ch.tags.is_some()
                || ch.notes.is_some())
        {
            return Err(AppError::Forbidden(
                "customers may only change their own profile",
            ));
        }
        // An address, phone or external id is an identity: cases and mail for it land in
        // this account. A customer cannot claim one by editing their profile (Zendesk
        // answers 403 too); staff add identities they have checked. Sending back the
        // identities one already has is not a change.
        if !actor.role.is_staff() {
            let ids = tx.identities_in_tx(id).await?;
            let same = |kind: &str, new: Vec<&str>| {
                let mut have: Vec<&str> = ids
                    .iter()
                    .filter(|i| i.kind == kind)
                    .map(|i| i.value.as_str())
                    .collect();
                let mut new = new;
                have.sort_unstable();
                new.sort_unstable();
                new.dedup();
                have == new
            };
            if ch
                .emails
                .as_ref()
                .is_some_and(|e| !same("email", e.iter().map(|x| x.as_str()).collect()))
                || ch
                    .phones
                    .as_ref()
                    .is_some_and(|p| !same("phone", p.iter().map(|x| x.as_str()).collect()))
                || ch.external_id.as_ref().is_some_and(|x| *x != u.external_id)
            {
                return Err(AppError::Forbidden(
                    "end users cannot change their emails, phones or external_id",
                ));
            }
        }
        // A password is its owner's or an administrator's to set: an agent who set a
        // customer's password could sign in as them.
        if ch.password.is_some() && !self_service {
            actor.require_admin()?;
        }

        let mut d = UserData::from(&u);
        if let Some(n) = ch.name {
            d.name = crate::text_field("name", &n, 255)?;
        }
        if let Some(r) = ch.role {
            d.role = r.as_str().to_string();
        }
        if let Some(l) = ch.locale {
            d.locale = l.as_str().to_string();
        }
        if let Some(tz) = ch.time_zone {
            d.time_zone = tz;
        }
        if let Some(o) = ch.organization_id {
            if let Some(org) = o {
                self.store.org(org).await?.ok_or_else(|| {
                    AppError::invalid("organization_id", "unknown-reference", org.to_string())
                })?;
            }
            d.organization_id = o;
        }
        if let Some(x) = ch.external_id {
            d.external_id = x;
        }
        if let Some(x) = ch.postal_address {
            d.postal_address = x;
        }
        if let Some(x) = ch.notes {
            d.notes = x;
        }
        if let Some(x) = ch.details {
            d.details = x;
        }
        if let Some(t) = ch.tags {
            d.tags = tags_text(&t);
        }
        if let Some(c) = ch.compensation_limit_cents {
            d.compensation_limit_cents = c;
        }
        if let Some(a) = ch.active {
            d.active = a;
        }
        let new_password = ch.password.is_some();
        if let Some(p) = ch.password {
            check_password(&p)?;
            d.password_hash = Some(
                tokio::task::spawn_blocking(move || hash_password(&p))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??,
            );
        }
        let now = self.now_ms();
        tx.update_user(id, &d, now).await?;
        // A new password (a reset by an administrator or one's own change through the API,
        // which has no session to keep) ends every browser session of the user.
        if new_password {
            tx.delete_other_sessions(id, "").await?;
        }
        // A deactivated user's credentials end with them, so reactivating does not revive
        // tokens or sessions handed out before.
        if ch.active == Some(false) && u.active {
            tx.delete_tokens_of(id).await?;
            tx.delete_other_sessions(id, "").await?;
            tx.expire_account_links(id, now).await?;
        }
        if let Some(emails) = ch.emails {
            tx.delete_identities(id, "email").await?;
            self.write_identities(&mut tx, id, &emails, &[], now)
                .await?;
        }
        if let Some(phones) = ch.phones {
            tx.delete_identities(id, "phone").await?;
            self.write_identities(&mut tx, id, &[], &phones, now)
                .await?;
        }
        tx.commit().await?;
        let u = self
            .store
            .user(id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        self.user_view(u).await
    }

    /// Whether `given` is the user's current password (through the sign-in check, so its
    /// throttle counts these attempts too).
    async fn current_password_ok(&self, id: i64, given: Option<&str>) -> Result<bool> {
        let Some(given) = given else {
            return Ok(false);
        };
        let Some(email) = self
            .store
            .identities(id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email")
            .map(|i| i.value)
        else {
            return Ok(false);
        };
        match self.authenticate_password(&email, given).await {
            Ok(a) => Ok(a.user_id == id),
            Err(AppError::Throttled(s)) => Err(AppError::Throttled(s)),
            Err(_) => Ok(false),
        }
    }

    /// Users are never erased (their cases keep them): deleting deactivates.
    pub async fn deactivate_user(&self, actor: &Actor, id: i64) -> Result<UserView> {
        self.update_user(
            actor,
            id,
            UserChanges {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
    }

    /// Find the customer by email, or create them (every channel's entry point for people).
    pub(crate) async fn find_or_create_customer(
        &self,
        tx: &mut Tx,
        email: &EmailAddress,
        name: Option<&str>,
        locale: Option<Locale>,
    ) -> Result<i64> {
        if let Some(id) = tx.user_id_by_identity("email", email.as_str()).await? {
            return Ok(id);
        }
        let new = NewUser {
            name: name.map(str::to_string),
            emails: vec![email.clone()],
            locale,
            ..Default::default()
        };
        self.insert_user_tx(tx, new).await
    }

    /// First administrator, from the command line or the environment.
    pub async fn create_admin(&self, email: &str, name: &str, password: &str) -> Result<UserView> {
        let email = EmailAddress::parse(email)
            .map_err(|e| AppError::invalid("email", "email-invalid", e.to_string()))?;
        self.create_user(
            None,
            NewUser {
                name: Some(name.to_string()),
                emails: vec![email],
                role: Some(Role::Admin),
                password: Some(password.to_string()),
                ..Default::default()
            },
        )
        .await
    }

    pub async fn admin_count(&self) -> Result<i64> {
        Ok(self.store.count_staff().await?)
    }
}
