//! The boundary rule (ADR 0004): transports (`web`, `ui`, `mailnet`, and every crate that
//! comes beside them) depend on `app` and `domain`, never on `store`; and `app`'s public
//! API never names a store type, so a transport cannot reach one through it either.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Public items of `app` that name a store type on purpose, with why.
const ALLOWED: &[(&str, &str)] = &[(
    "pub fn new(store: Store,",
    "the binary wires the application: it opens the store and hands it over",
)];

/// Crates that may depend on `store`: the store itself, the use cases, and the binary that
/// wires them (its benchmarks seed data directly).
const MAY_USE_STORE: &[&str] = &["store", "app", "guichet"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("workspace root")
        .to_path_buf()
}

#[test]
fn no_transport_depends_on_store() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let mut offenders = vec![];
    let mut seen = 0;
    for p in meta["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().unwrap_or_default();
        seen += 1;
        if MAY_USE_STORE.contains(&name) {
            continue;
        }
        for d in p["dependencies"].as_array().into_iter().flatten() {
            if d["name"] == "store" {
                offenders.push(format!(
                    "{name} ({} dependency)",
                    d["kind"].as_str().unwrap_or("normal")
                ));
            }
        }
    }
    assert!(seen >= 8, "the workspace's crates were listed ({seen})");
    assert!(
        offenders.is_empty(),
        "these crates depend on `store`; they must go through `app` (ADR 0004): {offenders:?}"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable source dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Names of the types `store` exports (structs, enums, type aliases).
fn store_types() -> BTreeSet<String> {
    let mut files = vec![];
    rust_files(&workspace().join("crates/store/src"), &mut files);
    let mut names = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("store source");
        for line in text.lines() {
            let l = line.trim_start();
            for kw in ["pub struct ", "pub enum ", "pub type "] {
                if let Some(rest) = l.strip_prefix(kw) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        names.insert(name);
                    }
                }
            }
        }
    }
    // `app` has its own `Result` (over `AppError`).
    names.remove("Result");
    names
}

/// The lines of `app`'s public items: `pub fn` signatures (up to their body), `pub`
/// fields of public structs, variants of public enums, `pub use` and `pub type`.
fn public_surface(text: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    let mut in_sig = false;
    let mut in_item: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with("//") {
            continue;
        }
        if l.starts_with("#[cfg(test)]") {
            break; // unit tests follow; they are not API
        }
        if l.starts_with("pub fn ")
            || l.starts_with("pub async fn ")
            || l.starts_with("pub const fn ")
        {
            in_sig = true;
        }
        if in_sig {
            out.push((i + 1, l.to_string()));
            if l.ends_with('{') || l.ends_with(';') || l.ends_with('}') {
                in_sig = false;
            }
            continue;
        }
        if l.starts_with("pub use ") || l.starts_with("pub type ") {
            out.push((i + 1, l.to_string()));
            continue;
        }
        if let Some(kind) = in_item {
            if l == "}" || l.starts_with("}") {
                in_item = None;
            } else if kind == "struct" && l.starts_with("pub ") {
                out.push((i + 1, l.to_string()));
            } else if kind == "enum" {
                // The variant's name is ours; what it carries may not be.
                let carried = l.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
                out.push((i + 1, carried.to_string()));
            }
            continue;
        }
        if l.starts_with("pub struct ") && l.ends_with('{') {
            in_item = Some("struct");
        } else if l.starts_with("pub enum ") && l.ends_with('{') {
            in_item = Some("enum");
        } else if l.starts_with("pub struct ") && l.contains('(') {
            // A tuple struct: only its fields written `pub T` are public.
            let inner = l.split_once('(').map(|x| x.1).unwrap_or_default();
            let public: Vec<&str> = inner
                .split(',')
                .map(str::trim)
                .filter(|f| f.starts_with("pub ") && !f.starts_with("pub("))
                .collect();
            out.push((i + 1, public.join(", ")));
        }
    }
    out
}

#[test]
fn app_public_api_names_no_store_type() {
    let store = store_types();
    assert!(
        store.contains("CaseRow") && store.contains("CaseFilter"),
        "store types found: {store:?}"
    );
    let mut files = vec![];
    rust_files(&workspace().join("crates/app/src"), &mut files);
    let mut leaks = vec![];
    for f in &files {
        let text = std::fs::read_to_string(f).expect("app source");
        for (n, line) in public_surface(&text) {
            let words: Vec<&str> = line
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .filter(|w| !w.is_empty())
                .collect();
            for w in words {
                let last = w.rsplit("::").next().unwrap_or(w);
                let qualified_store = w.starts_with("store::");
                // `model::Page` and friends are app's own; only bare or `store::` names leak.
                let app_path = w.starts_with("model::") || w.starts_with("crate::");
                if qualified_store || (!app_path && store.contains(last) && !w.contains("::")) {
                    leaks.push(format!("{}:{n}: {line}", f.display()));
                    break;
                }
            }
        }
    }
    leaks.retain(|l| !ALLOWED.iter().any(|(line, _)| l.contains(line)));
    // App's own types that share a name with a store type are declared in `model.rs`.
    leaks.retain(|l| !l.contains("crates/app/src/model.rs"));
    assert!(
        leaks.is_empty(),
        "app's public API names store types; expose an app model instead (ADR 0004):\n{}",
        leaks.join("\n")
    );
}
