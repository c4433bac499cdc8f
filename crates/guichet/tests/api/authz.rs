//! The authorization matrix (issue 14, "make it repeatable"): every operation of
//! `crates/web/openapi.json` called by every role, with the expected status written down in
//! `TABLE`. An operation of the document without a row (or a row for an operation the
//! document lacks) fails the test, so a new route needs its row. Every answer must be one
//! the document lists for the operation, and no answer a customer gets may carry an internal
//! note's text or an internal field.
//!
//! Run with `GUICHET_AUTHZ_PRINT=1` to print the observed table (to review, never to paste
//! blindly).

use crate::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

const ROLES: [&str; 8] = [
    "anonymous",
    "customer_a",
    "customer_b",
    "colleague_a",
    "analyst",
    "agent",
    "supervisor",
    "admin",
];

/// (method, OpenAPI path, status per role in `ROLES` order).
type Row = (&'static str, &'static str, [u16; 8]);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                                                       anon cust_a cust_b coll analyst agent sup admin
    ("GET",    "/api/v2/tickets",                              [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/tickets",                              [401, 201, 201, 201, 403, 201, 201, 201]),
    ("GET",    "/api/v2/tickets/{id}",                         [401, 200, 404, 404, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/tickets/{id}",                         [401, 200, 404, 404, 403, 200, 200, 200]),
    ("DELETE", "/api/v2/tickets/{id}",                         [401, 403, 403, 403, 403, 204, 204, 204]),
    ("GET",    "/api/v2/tickets/show_many",                    [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/tickets/create_many",                  [401, 403, 403, 403, 403, 200, 200, 200]),
    ("PUT",    "/api/v2/tickets/update_many",                  [401, 403, 403, 403, 403, 200, 200, 200]),
    ("DELETE", "/api/v2/tickets/destroy_many",                 [401, 403, 403, 403, 403, 200, 200, 200]),
    ("GET",    "/api/v2/tickets/{id}/comments",                [401, 200, 404, 404, 200, 200, 200, 200]),
    ("GET",    "/api/v2/tickets/{id}/events",                  [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/tickets/{id}/merge",                   [401, 403, 403, 403, 403, 200, 200, 200]),
    ("GET",    "/api/v2/tickets/{id}/links",                   [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/tickets/{id}/links",                   [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/tickets/{id}/compensations",           [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/tickets/{id}/compensations",           [401, 403, 403, 403, 403, 201, 201, 201]),
    ("POST",   "/api/v2/tickets/{id}/confirm",                 [401, 422, 404, 404, 403, 403, 403, 403]),
    ("GET",    "/api/v2/requests",                             [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/requests",                             [401, 201, 201, 201, 403, 201, 201, 201]),
    ("GET",    "/api/v2/requests/open",                        [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/requests/solved",                      [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/requests/ccd",                         [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/requests/search",                      [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/requests/{id}",                        [401, 200, 404, 404, 404, 404, 404, 404]),
    ("PUT",    "/api/v2/requests/{id}",                        [401, 200, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/api/v2/requests/{id}/comments",               [401, 200, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/api/v2/users",                                [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/users",                                [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/users/{id}",                           [401, 200, 404, 404, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/users/{id}",                           [401, 200, 404, 404, 403, 200, 200, 200]),
    ("DELETE", "/api/v2/users/{id}",                           [401, 404, 404, 404, 403, 200, 200, 200]),
    ("GET",    "/api/v2/users/me",                             [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/users/search",                         [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/users/show_many",                      [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/api_tokens",                           [401, 200, 200, 200, 200, 200, 200, 200]),
    ("DELETE", "/api/v2/api_tokens/{id}",                      [401, 404, 404, 404, 404, 204, 404, 204]),
    ("GET",    "/api/v2/organizations",                        [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/organizations",                        [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/organizations/{id}",                   [401, 200, 404, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/organizations/{id}",                   [401, 403, 403, 403, 403, 200, 200, 200]),
    ("DELETE", "/api/v2/organizations/{id}",                   [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/organizations/show_many",              [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/organizations/search",                 [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/organizations/create_many",            [401, 403, 403, 403, 403, 200, 200, 200]),
    ("GET",    "/api/v2/groups",                               [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/groups",                               [401, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v2/groups/{id}",                          [401, 403, 403, 403, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/groups/{id}",                          [401, 403, 403, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/v2/groups/{id}",                          [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/groups/{id}/users",                    [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/group_memberships",                    [401, 403, 403, 403, 403, 403, 201, 201]),
    ("GET",    "/api/v2/search",                               [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/search/count",                         [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/job_statuses",                         [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/job_statuses/{id}",                    [401, 404, 404, 404, 404, 404, 404, 200]),
    ("GET",    "/api/v2/openapi",                              [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/healthz",                                     [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/readyz",                                      [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/uploads",                              [401, 201, 201, 201, 201, 201, 201, 201]),
    ("DELETE", "/api/v2/uploads/{token}",                      [401, 204, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/api/v2/attachments/{id}",                     [401, 200, 404, 404, 200, 200, 200, 200]),
    ("GET",    "/api/v2/attachments/{id}/content",             [401, 200, 404, 404, 200, 200, 200, 200]),
    ("GET",    "/api/v2/categories",                           [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/categories",                           [401, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v2/categories/{id}",                      [401, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/categories/{id}",                      [401, 403, 403, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/v2/categories/{id}",                      [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/business_hours/schedules",             [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/business_hours/schedules",             [401, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v2/business_hours/schedules/{id}",        [401, 403, 403, 403, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/business_hours/schedules/{id}",        [401, 403, 403, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/v2/business_hours/schedules/{id}",        [401, 403, 403, 403, 403, 403, 403, 204]),
    ("PUT",    "/api/v2/business_hours/schedules/{id}/workweek", [401, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v2/business_hours/schedules/{id}/holidays", [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/business_hours/schedules/{id}/holidays", [401, 403, 403, 403, 403, 403, 403, 201]),
    ("DELETE", "/api/v2/business_hours/schedules/{id}/holidays/{hid}", [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/standards",                            [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/standards",                            [401, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v2/standards/{id}",                       [401, 403, 403, 403, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/standards/{id}",                       [401, 403, 403, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/v2/standards/{id}",                       [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/standards/{id}/attainment",            [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/slas/policies",                        [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/slas/policies/{id}",                   [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/tickets/{id}/clocks",                  [401, 403, 404, 404, 200, 200, 200, 200]),
    ("GET",    "/api/v2/charter",                              [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/charter/versions",                     [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/charter/versions",                     [401, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v2/charter/versions/{v}",                 [401, 403, 403, 403, 200, 200, 200, 200]),
    ("POST",   "/api/v2/charter/versions/{v}/acknowledge",     [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/charter/versions/{v}/acknowledgements", [401, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/v2/notifications",                        [401, 403, 403, 403, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/notifications/{id}/read",              [401, 403, 403, 403, 404, 204, 404, 404]),
    ("GET",    "/api/v2/mailboxes",                            [401, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/v2/mailboxes",                            [401, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v2/mailboxes/{id}",                       [401, 403, 403, 403, 403, 403, 403, 200]),
    ("PUT",    "/api/v2/mailboxes/{id}",                       [401, 403, 403, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/v2/mailboxes/{id}",                       [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/quarantine",                           [401, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v2/quarantine/{id}",                      [401, 403, 403, 403, 403, 403, 403, 404]),
    ("DELETE", "/api/v2/quarantine/{id}",                      [401, 403, 403, 403, 403, 403, 403, 404]),
    ("GET",    "/api/v2/quarantine/{id}/raw",                  [401, 403, 403, 403, 403, 403, 403, 404]),
    ("POST",   "/api/v2/quarantine/{id}/reprocess",            [401, 403, 403, 403, 403, 403, 403, 404]),
    ("GET",    "/api/v2/outbox",                               [401, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v2/email_templates",                      [401, 403, 403, 403, 403, 403, 403, 200]),
    ("PUT",    "/api/v2/email_templates/{key}/{locale}",       [401, 403, 403, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/v2/email_templates/{key}/{locale}",       [401, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v2/tickets/{id}/emails",                  [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/tickets/{id}/emails/{email_id}/original", [401, 403, 403, 403, 404, 404, 404, 404]),
    ("GET",    "/api/v2/help_center/categories",               [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/categories",               [401, 403, 403, 403, 403, 403, 201, 201]),
    ("GET",    "/api/v2/help_center/categories/{id}",          [200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/help_center/categories/{id}",          [401, 403, 403, 403, 403, 403, 200, 200]),
    ("DELETE", "/api/v2/help_center/categories/{id}",          [401, 403, 403, 403, 403, 403, 204, 204]),
    ("GET",    "/api/v2/help_center/categories/{id}/sections", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/categories/{id}/sections", [401, 403, 403, 403, 403, 403, 201, 201]),
    ("GET",    "/api/v2/help_center/categories/{id}/articles", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/sections",                 [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/sections/{id}",            [200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/help_center/sections/{id}",            [401, 403, 403, 403, 403, 403, 200, 200]),
    ("DELETE", "/api/v2/help_center/sections/{id}",            [401, 403, 403, 403, 403, 403, 204, 204]),
    ("GET",    "/api/v2/help_center/sections/{id}/articles",   [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/sections/{id}/articles",   [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/help_center/{locale}/sections/{id}/articles", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles",                 [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/{locale}/articles",        [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/search",          [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/labels",          [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/{id}",            [200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/help_center/articles/{id}",            [401, 403, 403, 403, 403, 200, 200, 200]),
    ("DELETE", "/api/v2/help_center/articles/{id}",            [401, 403, 403, 403, 403, 204, 204, 204]),
    ("GET",    "/api/v2/help_center/articles/{id}/translations", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/articles/{id}/translations", [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/help_center/articles/{id}/translations/missing", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/{id}/translations/{locale}", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/help_center/articles/{id}/translations/{locale}", [401, 403, 403, 403, 403, 200, 200, 200]),
    ("DELETE", "/api/v2/help_center/translations/{id}",        [401, 403, 403, 403, 403, 204, 204, 204]),
    ("POST",   "/api/v2/help_center/articles/{id}/up",         [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/articles/{id}/down",       [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/{id}/votes",      [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/{id}/labels",     [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/articles/{id}/labels",     [401, 403, 403, 403, 403, 201, 201, 201]),
    ("DELETE", "/api/v2/help_center/articles/{id}/labels/{label_id}", [401, 403, 403, 403, 403, 204, 204, 204]),
    ("GET",    "/api/v2/help_center/articles/{id}/attachments", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/articles/{id}/attachments", [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/help_center/articles/{id}/attachments/inline", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/articles/{id}/attachments/block", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/articles/{id}/bulk_attachments", [401, 403, 403, 403, 403, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/articles/attachments",     [401, 403, 403, 403, 403, 201, 201, 201]),
    ("GET",    "/api/v2/help_center/articles/attachments/{id}", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("DELETE", "/api/v2/help_center/articles/attachments/{id}", [401, 403, 403, 403, 403, 204, 204, 204]),
    ("GET",    "/api/v2/help_center/categories/{id}/translations", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/categories/{id}/translations", [401, 403, 403, 403, 403, 403, 201, 201]),
    ("GET",    "/api/v2/help_center/categories/{id}/translations/missing", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/categories/{id}/translations/{locale}", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/help_center/categories/{id}/translations/{locale}", [401, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/v2/help_center/sections/{id}/translations", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v2/help_center/sections/{id}/translations", [401, 403, 403, 403, 403, 403, 201, 201]),
    ("GET",    "/api/v2/help_center/sections/{id}/translations/missing", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/sections/{id}/translations/{locale}", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v2/help_center/sections/{id}/translations/{locale}", [401, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/v2/help_center/deflection",               [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/user_segments",            [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/help_center/user_segments/{id}",       [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/guide/permission_groups",              [401, 403, 403, 403, 200, 200, 200, 200]),
    ("GET",    "/api/v2/guide/permission_groups/{id}",         [401, 403, 403, 403, 200, 200, 200, 200]),
];

/// Text only staff may read: in the internal note and the internal fields of ticket A.
const SECRETS: [&str; 8] = [
    "NOTE-INTERNE-7731",
    "tag_interne_7731",
    "CAUSE-RACINE-7731",
    "PREVENTION-7731",
    "CHAMP-INTERNE-7731",
    "NOTE-ORG-7731",
    "NOTE-CLIENT-7731",
    "tag_client_7731",
];

/// Keys of the staff ticket view that the end-user view must never carry.
const INTERNAL_TICKET_KEYS: [&str; 9] = [
    "tags",
    "assignee_id",
    "group_id",
    "received_by_id",
    "kind",
    "journey_stage",
    "category_id",
    "transfer_count",
    "reopen_count",
];

struct Fx {
    creds: HashMap<&'static str, (String, String)>,
    ids: HashMap<&'static str, i64>,
    counter: AtomicU64,
    upload_token: std::sync::Mutex<Option<String>>,
}

impl Fx {
    fn id(&self, k: &str) -> i64 {
        *self.ids.get(k).unwrap_or_else(|| panic!("fixture {k}"))
    }
    fn n(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }
}

async fn created(t: &TestApp, path: &str, body: Value, key: &str) -> i64 {
    let (s, b) = t.admin(Method::POST, path, Some(body)).await;
    assert!(s.is_success(), "{path}: {s} {b}");
    b[key]["id"]
        .as_i64()
        .or_else(|| b[key]["version"].as_i64())
        .unwrap_or_else(|| panic!("{path}: {b}"))
}

async fn fixture(t: &TestApp) -> Fx {
    let mut creds = HashMap::new();
    let mut ids = HashMap::new();
    let org = created(
        t,
        "/api/v2/organizations.json",
        json!({"organization": {"name": "Maison A", "notes": SECRETS[5], "tags": ["tag_org_7731"]}}),
        "organization",
    )
    .await;
    ids.insert("org", org);
    for (role, r, email) in [
        ("customer_a", Role::EndUser, "a@client.fr"),
        ("customer_b", Role::EndUser, "b@client.fr"),
        ("colleague_a", Role::EndUser, "collegue.a@client.fr"),
        ("analyst", Role::Analyst, "analyste@guichet.test"),
        ("agent", Role::Agent, "agent@guichet.test"),
        ("supervisor", Role::Supervisor, "sup@guichet.test"),
    ] {
        let (c, id) = t.user_with_role(r, email).await;
        creds.insert(role, c);
        ids.insert(role, id);
    }
    creds.insert("admin", t.admin.clone());
    ids.insert("admin", t.admin_id);
    creds.insert("anonymous", ("".into(), "".into()));
    for who in ["customer_a", "colleague_a"] {
        let (s, b) = t
            .admin(
                Method::PUT,
                &format!("/api/v2/users/{}.json", ids[who]),
                Some(json!({"user": {"organization_id": org, "notes": SECRETS[6], "tags": [SECRETS[7]]}})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let group = created(
        t,
        "/api/v2/groups.json",
        json!({"group": {"name": "Support"}}),
        "group",
    )
    .await;
    ids.insert("group", group);
    let ta = created(
        t,
        "/api/v2/tickets.json",
        json!({"ticket": {"subject": "Colis perdu", "requester_id": ids["customer_a"],
            "comment": {"body": "Mon colis n'est jamais arrivé"}, "tags": [SECRETS[1]],
            "assignee_id": ids["agent"], "group_id": group, "kind": "complaint",
            "custom_fields": [{"id": 1, "value": SECRETS[4]}],
            "complaint": {"root_cause": SECRETS[2], "prevention_suggestion": SECRETS[3]}}}),
        "ticket",
    )
    .await;
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{ta}.json"),
            Some(json!({"ticket": {"comment": {"body": format!("{} client connu", SECRETS[0]), "public": false}}})),
        )
        .await;
    assert_eq!(s, 200);
    ids.insert("ticket_a", ta);
    let tb = created(
        t,
        "/api/v2/tickets.json",
        json!({"ticket": {"subject": "Facture B", "requester_id": ids["customer_b"], "comment": {"body": "Facture"}}}),
        "ticket",
    )
    .await;
    ids.insert("ticket_b", tb);
    // A's file on A's case.
    let r = t
        .req(
            Method::POST,
            "/api/v2/uploads.json?filename=photo.txt",
            &creds["customer_a"],
        )
        .header("content-type", "text/plain")
        .body("photo du colis")
        .send()
        .await
        .unwrap();
    let (s, u) = body_of(r).await;
    assert_eq!(s, 201, "{u}");
    let token = u["upload"]["token"].as_str().unwrap().to_string();
    let (s, b) = t
        .call(
            Method::PUT,
            &format!("/api/v2/tickets/{ta}.json"),
            &creds["customer_a"],
            Some(json!({"ticket": {"comment": {"body": "La photo", "uploads": [token]}}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let att = b["audit"]["events"][0]["attachments"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{b}"));
    ids.insert("attachment", att);
    let category = created(
        t,
        "/api/v2/categories.json",
        json!({"category": {"name": "Livraison"}}),
        "category",
    )
    .await;
    ids.insert("category", category);
    let schedule = created(
        t,
        "/api/v2/business_hours/schedules.json",
        schedule_body("Bureau"),
        "schedule",
    )
    .await;
    ids.insert("schedule", schedule);
    let standard = created(
        t,
        "/api/v2/standards.json",
        standard_body("Réponse"),
        "standard",
    )
    .await;
    ids.insert("standard", standard);
    let v = created(
        t,
        "/api/v2/charter/versions.json",
        json!({"charter": {"vision": "Chaque client compte."}}),
        "charter",
    )
    .await;
    ids.insert("charter", v);
    let mailbox = created(
        t,
        "/api/v2/mailboxes.json",
        json!({"mailbox": {"address": "support@guichet.test", "name": "Support", "group_id": group}}),
        "mailbox",
    )
    .await;
    ids.insert("mailbox", mailbox);
    // The help centre: a public article in French, and an internal one whose text only
    // staff may read (a customer's list or search must never carry it).
    let hc_cat = created(
        t,
        "/api/v2/help_center/categories.json",
        json!({"category": {"name": "Livraisons", "locale": "fr"}}),
        "category",
    )
    .await;
    ids.insert("hc_category", hc_cat);
    let hc_sec = created(
        t,
        &format!("/api/v2/help_center/categories/{hc_cat}/sections.json"),
        json!({"section": {"name": "Suivi", "locale": "fr"}}),
        "section",
    )
    .await;
    ids.insert("hc_section", hc_sec);
    let hc_art = created(
        t,
        &format!("/api/v2/help_center/sections/{hc_sec}/articles.json"),
        json!({"article": {"title": "Suivre son colis", "body": "<p>Le colis se suit en ligne.</p>",
            "locale": "fr", "permission_group_id": 1, "label_names": ["suivi"]}}),
        "article",
    )
    .await;
    ids.insert("hc_article", hc_art);
    ids.insert(
        "hc_file",
        hc_file(
            t,
            &format!("/api/v2/help_center/articles/{hc_art}/attachments.json"),
        )
        .await,
    );
    created(
        t,
        &format!("/api/v2/help_center/sections/{hc_sec}/articles.json"),
        json!({"article": {"title": "Colis : consigne interne", "body": format!("<p>colis {}</p>", SECRETS[0]),
            "locale": "fr", "permission_group_id": 1, "user_segment_id": 1, "label_names": ["suivi"]}}),
        "article",
    )
    .await;
    // The agent's notification (assigned to ticket B by the admin).
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{tb}.json"),
        Some(json!({"ticket": {"assignee_id": ids["agent"]}})),
    )
    .await;
    let (_, n) = t
        .call(
            Method::GET,
            "/api/v2/notifications.json",
            &creds["agent"],
            None,
        )
        .await;
    ids.insert(
        "notification",
        n["notifications"][0]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{n}")),
    );
    // The admin's job status.
    let (s, j) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/update_many.json?ids={tb}"),
            Some(json!({"ticket": {"priority": "low"}})),
        )
        .await;
    assert_eq!(s, 200, "{j}");
    let job = j["job_status"]["id"].as_str().unwrap().to_string();
    Fx {
        creds,
        ids,
        counter: AtomicU64::new(0),
        upload_token: std::sync::Mutex::new(Some(job)),
    }
}

fn schedule_body(name: &str) -> Value {
    json!({"schedule": {"name": name, "time_zone": "Europe/Paris",
        "intervals": [{"start_time": 1980, "end_time": 2460}]}})
}

fn standard_body(name: &str) -> Value {
    json!({"standard": {"name": name, "metric": "first_response", "threshold_minutes": 60, "target_percent": 90}})
}

/// A new ticket of customer A (for routes that consume their ticket).
async fn fresh_hc_article(t: &TestApp, fx: &Fx) -> i64 {
    created(
        t,
        &format!(
            "/api/v2/help_center/sections/{}/articles.json",
            fx.id("hc_section")
        ),
        json!({"article": {"title": format!("Jetable {}", fx.n()), "body": "x", "locale": "fr",
            "permission_group_id": 1, "label_names": ["jetable"]}}),
        "article",
    )
    .await
}

/// A picture uploaded by the administrator to `path` (an article's, or none's).
async fn hc_file(t: &TestApp, path: &str) -> i64 {
    let (ctype, body) = multipart(&[
        ("inline", None, b"true"),
        ("file", Some("plan.png"), SCREEN_PNG),
    ]);
    let r = t
        .req(Method::POST, path, &t.admin.clone())
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .expect("upload");
    let (s, b) = body_of(r).await;
    assert_eq!(s, 201, "{path}: {b}");
    b["article_attachment"]["id"].as_i64().expect("id")
}

async fn fresh_ticket(t: &TestApp, fx: &Fx) -> i64 {
    created(
        t,
        "/api/v2/tickets.json",
        json!({"ticket": {"subject": format!("Doublon {}", fx.n()), "requester_id": fx.id("customer_a"),
            "comment": {"body": "Doublon"}}}),
        "ticket",
    )
    .await
}

/// The URL, body (JSON or raw upload) for one call of an operation by `role`. Operations
/// that consume their object get a new one per call, so each role meets the same state.
async fn request(
    t: &TestApp,
    fx: &Fx,
    role: &str,
    method: &str,
    path: &str,
) -> (String, Option<Value>, Option<(String, Vec<u8>)>) {
    let ta = fx.id("ticket_a");
    let n = fx.n();
    let mut url = path.to_string();
    let mut body = None;
    let mut raw = None;
    let id: String = match (method, path) {
        ("DELETE", "/api/v2/tickets/{id}") => fresh_ticket(t, fx).await.to_string(),
        ("POST", "/api/v2/tickets/{id}/links") => {
            body = Some(json!({"link": {"ticket_id": fresh_ticket(t, fx).await}}));
            ta.to_string()
        }
        ("POST", "/api/v2/tickets/{id}/merge") => {
            body = Some(json!({"ids": [fresh_ticket(t, fx).await]}));
            ta.to_string()
        }
        ("POST", "/api/v2/help_center/categories/{id}/translations") => created(
            t,
            "/api/v2/help_center/categories.json",
            json!({"category": {"name": format!("Rubrique {n}"), "locale": "fr"}}),
            "category",
        )
        .await
        .to_string(),
        ("POST", "/api/v2/help_center/sections/{id}/translations") => created(
            t,
            &format!(
                "/api/v2/help_center/categories/{}/sections.json",
                fx.id("hc_category")
            ),
            json!({"section": {"name": format!("Rayon {n}"), "locale": "fr"}}),
            "section",
        )
        .await
        .to_string(),
        ("DELETE", "/api/v2/help_center/categories/{id}") => created(
            t,
            "/api/v2/help_center/categories.json",
            json!({"category": {"name": format!("Ex {n}")}}),
            "category",
        )
        .await
        .to_string(),
        ("DELETE", "/api/v2/help_center/sections/{id}") => created(
            t,
            &format!(
                "/api/v2/help_center/categories/{}/sections.json",
                fx.id("hc_category")
            ),
            json!({"section": {"name": format!("Ex {n}")}}),
            "section",
        )
        .await
        .to_string(),
        ("DELETE", "/api/v2/help_center/articles/{id}")
        | ("POST", "/api/v2/help_center/articles/{id}/translations") => {
            fresh_hc_article(t, fx).await.to_string()
        }
        ("POST", "/api/v2/help_center/articles/{id}/bulk_attachments") => {
            let f = hc_file(t, "/api/v2/help_center/articles/attachments").await;
            body = Some(json!({"attachment_ids": [f]}));
            fresh_hc_article(t, fx).await.to_string()
        }
        ("DELETE", "/api/v2/help_center/articles/attachments/{id}") => {
            let a = fx.id("hc_article");
            hc_file(
                t,
                &format!("/api/v2/help_center/articles/{a}/attachments.json"),
            )
            .await
            .to_string()
        }
        (_, "/api/v2/help_center/articles/attachments/{id}") => fx.id("hc_file").to_string(),
        ("DELETE", "/api/v2/help_center/articles/{id}/labels/{label_id}") => {
            let a = fresh_hc_article(t, fx).await;
            let (_, b) = t
                .admin(
                    Method::GET,
                    &format!("/api/v2/help_center/articles/{a}/labels.json"),
                    None,
                )
                .await;
            let label = b["labels"][0]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{b}"));
            url = url.replace("{label_id}", &label.to_string());
            a.to_string()
        }
        ("DELETE", "/api/v2/help_center/translations/{id}") => {
            let a = fresh_hc_article(t, fx).await;
            let (_, b) = t
                .admin(
                    Method::GET,
                    &format!("/api/v2/help_center/articles/{a}/translations.json"),
                    None,
                )
                .await;
            b["translations"][0]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{b}"))
                .to_string()
        }
        (_, p) if p.starts_with("/api/v2/help_center/categories/{id}") => {
            fx.id("hc_category").to_string()
        }
        (_, p)
            if p.starts_with("/api/v2/help_center/sections/{id}")
                || p.starts_with("/api/v2/help_center/{locale}/sections/{id}") =>
        {
            fx.id("hc_section").to_string()
        }
        (_, p) if p.starts_with("/api/v2/help_center/articles/{id}") => {
            fx.id("hc_article").to_string()
        }
        (_, "/api/v2/help_center/user_segments/{id}")
        | (_, "/api/v2/guide/permission_groups/{id}") => "1".to_string(),
        (_, p) if p.starts_with("/api/v2/tickets/{id}") => ta.to_string(),
        (_, p) if p.starts_with("/api/v2/requests/{id}") => ta.to_string(),
        ("DELETE", "/api/v2/users/{id}") => created(
            t,
            "/api/v2/users.json",
            json!({"user": {"name": "Ex", "email": format!("ex{n}@client.fr")}}),
            "user",
        )
        .await
        .to_string(),
        (_, "/api/v2/users/{id}") => fx.id("customer_a").to_string(),
        ("DELETE", "/api/v2/api_tokens/{id}") => t
            .app
            .create_token_expiring("agent@guichet.test", "jetable", None)
            .await
            .unwrap()
            .0
            .to_string(),
        ("DELETE", "/api/v2/organizations/{id}") => created(
            t,
            "/api/v2/organizations.json",
            json!({"organization": {"name": format!("Ex {n}")}}),
            "organization",
        )
        .await
        .to_string(),
        (_, "/api/v2/organizations/{id}") => fx.id("org").to_string(),
        ("DELETE", "/api/v2/groups/{id}") => created(
            t,
            "/api/v2/groups.json",
            json!({"group": {"name": format!("Ex {n}")}}),
            "group",
        )
        .await
        .to_string(),
        (_, p) if p.starts_with("/api/v2/groups/{id}") => fx.id("group").to_string(),
        ("GET", "/api/v2/job_statuses/{id}") => fx.upload_token.lock().unwrap().clone().unwrap(),
        ("DELETE", "/api/v2/uploads/{token}") => {
            let r = t
                .req(
                    Method::POST,
                    "/api/v2/uploads.json?filename=x.txt",
                    &fx.creds["customer_a"],
                )
                .header("content-type", "text/plain")
                .body("x")
                .send()
                .await
                .unwrap();
            let (_, u) = body_of(r).await;
            u["upload"]["token"].as_str().unwrap().to_string()
        }
        (_, p) if p.starts_with("/api/v2/attachments/{id}") => fx.id("attachment").to_string(),
        ("DELETE", "/api/v2/categories/{id}") => created(
            t,
            "/api/v2/categories.json",
            json!({"category": {"name": format!("Ex {n}")}}),
            "category",
        )
        .await
        .to_string(),
        (_, "/api/v2/categories/{id}") => fx.id("category").to_string(),
        ("DELETE", "/api/v2/business_hours/schedules/{id}") => created(
            t,
            "/api/v2/business_hours/schedules.json",
            schedule_body(&format!("Ex {n}")),
            "schedule",
        )
        .await
        .to_string(),
        ("DELETE", "/api/v2/business_hours/schedules/{id}/holidays/{hid}") => {
            let hid = created(
                t,
                &format!("/api/v2/business_hours/schedules/{}/holidays.json", fx.id("schedule")),
                json!({"holiday": {"name": format!("Congé {n}"), "start_date": "2026-05-01", "end_date": "2026-05-01"}}),
                "holiday",
            )
            .await;
            url = url.replace("{hid}", &hid.to_string());
            fx.id("schedule").to_string()
        }
        (_, p) if p.starts_with("/api/v2/business_hours/schedules/{id}") => {
            fx.id("schedule").to_string()
        }
        ("DELETE", "/api/v2/standards/{id}") => created(
            t,
            "/api/v2/standards.json",
            standard_body(&format!("Ex {n}")),
            "standard",
        )
        .await
        .to_string(),
        (_, p)
            if p.starts_with("/api/v2/standards/{id}")
                || p.starts_with("/api/v2/slas/policies/{id}") =>
        {
            fx.id("standard").to_string()
        }
        (_, p) if p.starts_with("/api/v2/notifications/{id}") => fx.id("notification").to_string(),
        ("DELETE", "/api/v2/mailboxes/{id}") => created(
            t,
            "/api/v2/mailboxes.json",
            json!({"mailbox": {"address": format!("ex{n}@guichet.test"), "name": "Ex"}}),
            "mailbox",
        )
        .await
        .to_string(),
        (_, "/api/v2/mailboxes/{id}") => fx.id("mailbox").to_string(),
        // No quarantined mail in this fixture: 404 for whoever may look.
        (_, p) if p.starts_with("/api/v2/quarantine/{id}") => "999999".into(),
        _ => String::new(),
    };
    url = url
        .replace("{id}", &id)
        .replace("{token}", &id)
        .replace("{v}", &fx.id("charter").to_string())
        .replace("{key}", "ack")
        .replace("{locale}", "fr")
        .replace("{email_id}", "999999");
    let tb = fx.id("ticket_b");
    match (method, path) {
        ("GET", "/api/v2/tickets/show_many") | ("GET", "/api/v2/users/show_many") => {
            url.push_str(&format!("?ids={ta},{tb},{}", fx.id("customer_a")));
        }
        ("GET", "/api/v2/organizations/show_many") => {
            url.push_str(&format!("?ids={}", fx.id("org")))
        }
        ("GET", "/api/v2/search")
        | ("GET", "/api/v2/search/count")
        | ("GET", "/api/v2/requests/search")
        | ("GET", "/api/v2/help_center/articles/search") => url.push_str("?query=colis"),
        ("GET", "/api/v2/users/search") => url.push_str("?query=client"),
        ("GET", "/api/v2/organizations/search") => url.push_str("?name=Maison"),
        ("DELETE", "/api/v2/tickets/destroy_many") => {
            url.push_str(&format!("?ids={}", fresh_ticket(t, fx).await))
        }
        ("PUT", "/api/v2/tickets/update_many") => url.push_str(&format!("?ids={tb}")),
        ("POST", "/api/v2/uploads") => {
            url.push_str("?filename=note.txt");
            raw = Some(("text/plain".to_string(), b"contenu".to_vec()));
        }
        ("POST", "/api/v2/help_center/articles/{id}/attachments")
        | ("POST", "/api/v2/help_center/articles/attachments") => {
            raw = Some(multipart(&[
                ("inline", None, b"true"),
                ("file", Some("capture.png"), SCREEN_PNG),
            ]));
        }
        _ => {}
    }
    if body.is_none() {
        body = match (method, path) {
            ("POST", "/api/v2/help_center/categories") => {
                Some(json!({"category": {"name": format!("Rubrique {n}"), "locale": "fr"}}))
            }
            ("PUT", "/api/v2/help_center/categories/{id}") => {
                Some(json!({"category": {"description": format!("d{n}"), "locale": "fr"}}))
            }
            ("POST", "/api/v2/help_center/categories/{id}/sections") => {
                Some(json!({"section": {"name": format!("Section {n}"), "locale": "fr"}}))
            }
            ("PUT", "/api/v2/help_center/sections/{id}") => {
                Some(json!({"section": {"description": format!("d{n}"), "locale": "fr"}}))
            }
            ("POST", "/api/v2/help_center/sections/{id}/articles") => Some(
                json!({"article": {"title": format!("Article {n}"), "body": "<p>Texte</p>", "locale": "fr", "permission_group_id": 1}}),
            ),
            ("PUT", "/api/v2/help_center/articles/{id}") => {
                Some(json!({"article": {"label_names": ["suivi", format!("l{n}")]}}))
            }
            ("POST", "/api/v2/help_center/articles/{id}/translations") => Some(
                json!({"translation": {"locale": "en-us", "title": format!("Article {n}"), "body": "Text"}}),
            ),
            ("PUT", "/api/v2/help_center/articles/{id}/translations/{locale}") => {
                Some(json!({"translation": {"title": format!("Suivre son colis ({n})")}}))
            }
            ("POST", "/api/v2/help_center/categories/{id}/translations")
            | ("POST", "/api/v2/help_center/sections/{id}/translations") => Some(
                json!({"translation": {"locale": "en-us", "title": format!("Shelf {n}"), "body": "d"}}),
            ),
            ("PUT", "/api/v2/help_center/categories/{id}/translations/{locale}")
            | ("PUT", "/api/v2/help_center/sections/{id}/translations/{locale}") => {
                Some(json!({"translation": {"body": format!("Description {n}")}}))
            }
            ("POST", "/api/v2/help_center/articles/{id}/labels") => {
                Some(json!({"label": {"name": format!("etiquette{n}")}}))
            }
            ("POST", "/api/v2/tickets") => Some(
                json!({"ticket": {"subject": format!("Nouveau {role}"), "comment": {"body": "Bonjour"}}}),
            ),
            ("PUT", "/api/v2/tickets/{id}") => {
                Some(json!({"ticket": {"comment": {"body": format!("Message de {role}")}}}))
            }
            ("POST", "/api/v2/requests") => Some(
                json!({"request": {"subject": format!("Demande {role}"), "comment": {"body": "Bonjour"}}}),
            ),
            ("PUT", "/api/v2/requests/{id}") => {
                Some(json!({"request": {"comment": {"body": format!("Réponse de {role}")}}}))
            }
            ("POST", "/api/v2/tickets/create_many") => Some(
                json!({"tickets": [{"subject": "Lot", "comment": {"body": "x"}, "requester_id": fx.id("customer_b")}]}),
            ),
            ("PUT", "/api/v2/tickets/update_many") => {
                Some(json!({"ticket": {"priority": "normal"}}))
            }
            ("POST", "/api/v2/tickets/{id}/compensations") => {
                Some(json!({"compensation": {"kind": "gift", "amount": 1, "currency": "EUR"}}))
            }
            ("POST", "/api/v2/users") => {
                Some(json!({"user": {"name": "Nouveau", "email": format!("nouveau{n}@client.fr")}}))
            }
            ("PUT", "/api/v2/users/{id}") => Some(json!({"user": {"time_zone": "Europe/Paris"}})),
            ("POST", "/api/v2/organizations") => {
                Some(json!({"organization": {"name": format!("Org {n}")}}))
            }
            ("PUT", "/api/v2/organizations/{id}") => {
                Some(json!({"organization": {"notes": format!("n{n}")}}))
            }
            ("POST", "/api/v2/organizations/create_many") => {
                Some(json!({"organizations": [{"name": format!("Lot {n}")}]}))
            }
            ("POST", "/api/v2/groups") => Some(json!({"group": {"name": format!("Groupe {n}")}})),
            ("PUT", "/api/v2/groups/{id}") => {
                Some(json!({"group": {"description": format!("d{n}")}}))
            }
            ("POST", "/api/v2/group_memberships") => Some(
                json!({"group_membership": {"user_id": fx.id("agent"), "group_id": fx.id("group")}}),
            ),
            ("POST", "/api/v2/categories") => {
                Some(json!({"category": {"name": format!("Cat {n}")}}))
            }
            ("PUT", "/api/v2/categories/{id}") => {
                Some(json!({"category": {"name": format!("Livraison {n}")}}))
            }
            ("POST", "/api/v2/business_hours/schedules") => {
                Some(schedule_body(&format!("Cal {n}")))
            }
            ("PUT", "/api/v2/business_hours/schedules/{id}") => Some(
                json!({"schedule": {"name": format!("Bureau {n}"), "time_zone": "Europe/Paris"}}),
            ),
            ("PUT", "/api/v2/business_hours/schedules/{id}/workweek") => {
                Some(json!({"workweek": {"intervals": [{"start_time": 1980, "end_time": 2460}]}}))
            }
            ("POST", "/api/v2/business_hours/schedules/{id}/holidays") => Some(
                json!({"holiday": {"name": format!("Férié {n}"), "start_date": "2026-07-14", "end_date": "2026-07-14"}}),
            ),
            ("POST", "/api/v2/standards") => Some(standard_body(&format!("Std {n}"))),
            ("PUT", "/api/v2/standards/{id}") => Some(standard_body(&format!("Réponse {n}"))),
            ("POST", "/api/v2/charter/versions") => {
                Some(json!({"charter": {"vision": format!("Vision {n}")}}))
            }
            ("POST", "/api/v2/mailboxes") => Some(
                json!({"mailbox": {"address": format!("boite{n}@guichet.test"), "name": "Boîte"}}),
            ),
            ("PUT", "/api/v2/mailboxes/{id}") => Some(
                json!({"mailbox": {"address": "support@guichet.test", "name": format!("Support {n}")}}),
            ),
            ("PUT", "/api/v2/email_templates/{key}/{locale}") => Some(
                json!({"email_template": {"subject": "Reçu {{ case_id }}", "body": "Bonjour"}}),
            ),
            _ => None,
        };
    }
    (url, body, raw)
}

/// The operations the document lists: (METHOD, path) → documented statuses.
fn documented() -> HashMap<(String, String), BTreeSet<u16>> {
    let doc: Value =
        serde_json::from_str(include_str!("../../../web/openapi.json")).expect("openapi.json");
    let mut out = HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "delete", "patch"].contains(&m.as_str()) {
                continue;
            }
            let codes = op["responses"]
                .as_object()
                .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
                .unwrap_or_default();
            out.insert((m.to_uppercase(), path.clone()), codes);
        }
    }
    out
}

/// Every object in `v` that is a ticket (it has a requester and a subject).
fn tickets_in<'a>(v: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("requester_id") && m.contains_key("subject") {
                out.push(m);
            }
            m.values().for_each(|x| tickets_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| tickets_in(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_documented_operation_answers_each_role_as_the_table_says() {
    let t = spawn_app().await;
    let doc = documented();
    // The table and the document list the same operations.
    let rows: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(rows.len(), TABLE.len(), "a row appears twice");
    let ops: BTreeSet<(String, String)> = doc.keys().cloned().collect();
    let missing: Vec<_> = ops.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "operations of openapi.json without a row in the authorization table: {missing:?}"
    );
    let extra: Vec<_> = rows.difference(&ops).collect();
    assert!(
        extra.is_empty(),
        "rows for undocumented operations: {extra:?}"
    );

    let fx = fixture(&t).await;
    let print = std::env::var("GUICHET_AUTHZ_PRINT").is_ok();
    let mut failures = Vec::new();
    for (method, path, expected) in TABLE {
        let mut got = [0u16; 8];
        for (i, role) in ROLES.iter().enumerate() {
            let (url, body, raw) = request(&t, &fx, role, method, path).await;
            let m: Method = method.parse().unwrap();
            let mut r = t.http.request(m, format!("{}{url}", t.base));
            if *role != "anonymous" {
                let c = &fx.creds[role];
                r = r.basic_auth(&c.0, Some(&c.1));
            }
            if let Some(b) = body {
                r = r.json(&b);
            }
            if let Some((ctype, x)) = raw {
                r = r.header("content-type", ctype).body(x);
            }
            let resp = r.send().await.expect("request");
            let status = resp.status().as_u16();
            let (_, v) = body_of(resp).await;
            got[i] = status;
            let documented = &doc[&(method.to_string(), path.to_string())];
            if !documented.contains(&status) {
                failures.push(format!(
                    "{method} {path} as {role}: {status} is not documented ({documented:?}): {v}"
                ));
            }
            if role.starts_with("customer") || role.starts_with("colleague") {
                let text = v.to_string();
                for s in SECRETS {
                    if text.contains(s) {
                        failures.push(format!("{method} {path} as {role} leaks {s}: {text}"));
                    }
                }
                let mut found = Vec::new();
                // The document itself describes tickets; it is not data.
                if *path != "/api/v2/openapi" {
                    tickets_in(&v, &mut found);
                }
                for tk in found {
                    for k in INTERNAL_TICKET_KEYS {
                        if tk.contains_key(k) {
                            failures.push(format!(
                                "{method} {path} as {role}: ticket carries internal key {k}"
                            ));
                        }
                    }
                }
            }
        }
        if print {
            println!(
                "    ({:<8} {:<55} [{}]),",
                format!("\"{method}\","),
                format!("\"{path}\","),
                got.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if got != *expected {
            let diff: Vec<String> = ROLES
                .iter()
                .zip(got.iter().zip(expected.iter()))
                .filter(|(_, (g, e))| g != e)
                .map(|(r, (g, e))| format!("{r}: got {g}, table says {e}"))
                .collect();
            failures.push(format!("{method} {path}: {}", diff.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
