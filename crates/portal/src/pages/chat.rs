//! The live chat widget (issue 18): `/form/{key}/chat.js`, the one `<script>` tag a site
//! adds (a launcher button with an unread badge, and the chat's frame), and
//! `/form/{key}/chat`, the frame itself, on Guichet's origin, framed only by the sites
//! the form allows. The widget is a contact form with the chat on: its topics are the
//! pre-chat topics, its allowed sites the widget's. Messages go through `chatnet`.

use crate::error::{PortalError, render};
use crate::pages::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde::Deserialize;
use web::AppState;
use web::extract::BaseUrl;
use web::i18n::T;

#[derive(Template)]
#[template(path = "chat.html")]
struct ChatFrame {
    t: T,
    form_name: String,
    key: String,
    parent_origin: Option<String>,
    /// `http`: the fallback from the start (where a site knows WebSockets are blocked).
    transport: Option<&'static str>,
    /// Someone can answer now; else the contact form is offered (`offline_href`).
    available: bool,
    offline_href: String,
    /// (key, label) of each topic.
    topics: Vec<(String, String)>,
    /// The script's strings, as JSON safe inside `<script>`.
    strings: String,
}

#[derive(Deserialize, Default)]
pub struct ChatQuery {
    lang: Option<String>,
    origin: Option<String>,
    transport: Option<String>,
}

/// The strings `chat.js` shows, in the visitor's language.
fn strings(t: &T) -> String {
    let keys = [
        ("intro", "chat-intro"),
        ("connecting", "chat-connecting"),
        ("reconnecting", "chat-reconnecting"),
        ("waiting", "chat-waiting"),
        ("answered", "chat-answered"),
        ("you", "chat-you"),
        ("agent", "chat-agent"),
        ("typing", "chat-typing"),
        ("read", "chat-read"),
        ("ended", "chat-ended"),
        ("timed_out", "chat-timed-out"),
        ("joined", "chat-joined"),
        ("offline", "chat-offline-status"),
        ("queue_next", "chat-queue-next"),
        ("queue_one", "chat-queue-one"),
        ("queue_many", "chat-queue-many"),
        ("queue_wait", "chat-queue-wait"),
        ("queue_wait_one", "chat-queue-wait-one"),
        ("transferred", "chat-transferred"),
        ("end_confirm", "chat-end-confirm"),
        ("choose_topic", "chat-choose-topic"),
        ("write_first", "chat-write-first"),
    ];
    let m: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|(k, id)| (k.to_string(), serde_json::Value::String(t.t(id))))
        .collect();
    // Inside <script>: no `<` can close it.
    serde_json::Value::Object(m)
        .to_string()
        .replace('<', "\\u003c")
}

pub async fn frame(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<ChatQuery>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let f = s
        .app
        .chat_widget(&key)
        .await
        .map_err(|e| PortalError::App(e, web::browser::browser_locale(&headers)))?;
    let l = q
        .lang
        .as_deref()
        .and_then(|l| Locale::parse(l).ok())
        .unwrap_or(f.locale);
    let t = T::new(l, "Europe/Paris", s.app.clock.now().as_millisecond());
    let strings = strings(&t);
    let parent_origin = q
        .origin
        .clone()
        .filter(|o| f.allowed_origins.iter().any(|a| a == o));
    // When it cannot be known, the chat is offered (a message is never lost: it is a case).
    let available = s.app.chat_available(&f).await.unwrap_or(true);
    let mut offline_q: Vec<(&str, String)> =
        vec![("embed", "1".into()), ("lang", l.as_str().into())];
    if let Some(o) = &parent_origin {
        offline_q.push(("origin", o.clone()));
    }
    let offline_href = format!(
        "/form/{}?{}",
        f.key,
        serde_urlencoded::to_string(offline_q).unwrap_or_default()
    );
    let mut r = render(&ChatFrame {
        form_name: f.name.clone(),
        key: f.key.clone(),
        // Only an origin the administrator allowed hears from the frame.
        transport: (q.transport.as_deref() == Some("http")).then_some("http"),
        available,
        offline_href,
        parent_origin,
        topics: f
            .topics
            .iter()
            .map(|tp| (tp.key.clone(), tp.label(l).to_string()))
            .collect(),
        strings,
        t,
    });
    super::form::framed_by(&mut r, &f.allowed_origins, "connect-src 'self'; ");
    Ok(r)
}

/// The launcher a site adds with one tag. It draws a button (bottom right), loads the chat
/// frame hidden at once (so the badge counts what arrives while it is closed), opens and
/// closes it, and hears the frame at Guichet's exact origin only.
pub async fn loader_js(
    State(s): State<AppState>,
    BaseUrl(base): BaseUrl,
    Path(key): Path<String>,
) -> Response {
    let Ok(f) = s.app.chat_widget(&key).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let origin = base.trim_end_matches('/');
    // The brand's colour (validated when saved: a `#rrggbb`), as a JS string.
    let colour = s.app.branding().await.unwrap_or_default().colour;
    let fr_label = "Discuter avec nous";
    let en_label = "Chat with us";
    let lang = f.locale.as_str();
    let js = format!(
        "(function(){{\"use strict\";var s=document.currentScript,base={origin:?},key={key:?};\
if(!s||window.__guichetChat)return;window.__guichetChat=1;\
var l=(s.getAttribute(\"data-lang\")||document.documentElement.lang||{lang:?}).slice(0,2)==\"en\"?\"en\":\"fr\";\
var b=document.createElement(\"button\"),g=document.createElement(\"span\"),f=document.createElement(\"iframe\"),open=false;\
b.type=\"button\";b.id=\"guichet-chat-button\";b.setAttribute(\"aria-label\",l==\"en\"?{en_label:?}:{fr_label:?});b.setAttribute(\"aria-expanded\",\"false\");\
b.style.cssText=\"position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:\"+{colour:?}+\";color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646;padding:0;display:flex;align-items:center;justify-content:center\";\
var ns=\"http://www.w3.org/2000/svg\",ic=document.createElementNS(ns,\"svg\"),pa=document.createElementNS(ns,\"path\");\
ic.setAttribute(\"viewBox\",\"0 0 24 24\");ic.setAttribute(\"width\",\"28\");ic.setAttribute(\"height\",\"28\");ic.setAttribute(\"aria-hidden\",\"true\");\
pa.setAttribute(\"fill\",\"currentColor\");pa.setAttribute(\"d\",\"M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9.5L5 21.5V18H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z\");\
ic.appendChild(pa);b.appendChild(ic);\
g.style.cssText=\"position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#b3261e;color:#fff;font:700 12px/20px system-ui,sans-serif;display:none\";\
g.setAttribute(\"aria-live\",\"polite\");b.appendChild(g);\
f.src=base+\"/form/\"+encodeURIComponent(key)+\"/chat?origin=\"+encodeURIComponent(location.origin)+\"&lang=\"+l;\
f.title=l==\"en\"?\"Chat\":\"Discussion\";f.id=\"guichet-chat-frame\";\
function place(){{var small=window.innerWidth<480;f.style.cssText=\"position:fixed;border:0;background:#fff;z-index:2147483647;box-shadow:0 8px 30px rgba(0,0,0,.3);display:\"+(open?\"block\":\"none\")+\";\"+(small?\"inset:0;width:100%;height:100%;border-radius:0\":\"right:20px;bottom:88px;width:370px;height:560px;max-height:calc(100vh - 110px);border-radius:12px\");}}\
function badge(n){{g.textContent=n>9?\"9+\":String(n);g.style.display=n>0?\"block\":\"none\";}}\
function beep(){{try{{var c=new(window.AudioContext||window.webkitAudioContext)(),o=c.createOscillator(),v=c.createGain();o.frequency.value=880;v.gain.value=.05;o.connect(v);v.connect(c.destination);o.start();o.stop(c.currentTime+.15);}}catch(e){{}}}}\
function toggle(){{open=!open;place();b.setAttribute(\"aria-expanded\",String(open));if(open)badge(0);f.contentWindow&&f.contentWindow.postMessage({{type:\"guichet-chat-open\",open:open}},base);if(!open)b.focus();}}\
b.addEventListener(\"click\",toggle);window.addEventListener(\"resize\",place);\
window.addEventListener(\"message\",function(e){{if(e.origin!==base||e.source!==f.contentWindow)return;var d=e.data||{{}};\
if(d.type===\"guichet-chat-unread\"&&!open){{badge(d.count|0);if(d.sound&&d.count>0)beep();}}\
if(d.type===\"guichet-chat-close\"&&open)toggle();}});\
function go(){{place();document.body.appendChild(f);document.body.appendChild(b);}}\
if(document.body)go();else document.addEventListener(\"DOMContentLoaded\",go);}})();\n"
    );
    super::form::site_script(js)
}
