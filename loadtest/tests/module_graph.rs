//! The modules of `src/` import each other in one direction only: no two modules import each
//! other, and no longer cycle either. The graph is read from the source text: every
//! `crate::…`, `super::…` and `notejam_loadtest::…` path (in `use` lines and inline), resolved to
//! the longest module prefix it names. A `#[cfg(test)] mod tests` block's `super` is its file.
//! Not read: inline paths relative to a module (`child::f()` in the module that declares
//! `child`): a parent calling its children that way cannot close a cycle unless a child imports
//! the parent, which is read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module path of a file under `src/` (`""` is the library's root, `"(bin)"` the binary's).
fn module_of(src: &Path, file: &Path, has_lib: bool) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [root] if root == "lib" => String::new(),
        [root] if root == "main" => {
            if has_lib {
                "(bin)".into()
            } else {
                String::new()
            }
        }
        [dirs @ .., last] if last == "mod" => dirs.join("::"),
        all => all.join("::"),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The line without its `//` comment (a `//` right after `:` is a URL, not a comment).
fn code_of(line: &str) -> &str {
    let b = line.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if b[i] == b'/' && b[i + 1] == b'/' && (i == 0 || b[i - 1] != b':') {
            return &line[..i];
        }
    }
    line
}

/// Expands `a::{b, c::{d, self}}` into `a::b`, `a::c::d`, `a::c`.
fn expand(path: &str) -> Vec<String> {
    let path: String = path.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = path.find('{') else {
        return vec![path.trim_end_matches("::self").to_string()];
    };
    let (prefix, rest) = path.split_at(open);
    let inner = &rest[1..rest.rfind('}').unwrap_or(rest.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            if p == "self" {
                vec![prefix.trim_end_matches("::").to_string()]
            } else {
                expand(&format!("{prefix}{p}"))
            }
        })
        .collect()
}

/// Paths a line names: whole `use` trees, and inline `crate::a::b` / `super::a` paths.
fn paths_in(code: &str) -> Vec<String> {
    let t = code.trim_start();
    let t = t.strip_prefix("pub ").unwrap_or(t);
    let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
    if let Some(tree) = t.strip_prefix("use ") {
        return expand(tree.trim_end().trim_end_matches(';'));
    }
    let mut out = Vec::new();
    for root in ["crate::", "super::", "notejam_loadtest::"] {
        let mut rest = code;
        while let Some(i) = rest.find(root) {
            let before = rest[..i].chars().last();
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                out.push(tail[..end].trim_end_matches(':').to_string());
            }
            rest = &tail[end..];
        }
    }
    out
}

/// The module a path lands in: the longest known module prefix after resolving its root.
fn resolve(path: &str, here: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut segs: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match segs.first().copied() {
        Some("crate") | Some("notejam_loadtest") => Vec::new(),
        Some("self") => here
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        Some("super") => {
            let mut b: Vec<String> = here.split("::").map(String::from).collect();
            while segs.first() == Some(&"super") {
                segs.remove(0);
                b.pop();
            }
            segs.insert(0, "_");
            b.retain(|s| !s.is_empty());
            b
        }
        // `use child::Item` from the module that declares `child`.
        Some(first) if modules.contains(&join(here, first)) => {
            segs.insert(0, "_");
            here.split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        }
        _ => return None,
    };
    for s in &segs[1..] {
        let mut next = base.clone();
        next.push((*s).to_string());
        if modules.contains(&next.join("::")) {
            base = next;
        } else {
            break;
        }
    }
    Some(base.join("::"))
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}::{b}")
    }
}

type Graph = BTreeMap<String, BTreeSet<String>>;

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let has_lib = src.join("lib.rs").is_file();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f, has_lib)).collect();
    let mut g = Graph::new();
    for f in &files {
        let here = module_of(&src, f, has_lib);
        let text = std::fs::read_to_string(f).unwrap();
        let mut inline_mod = false;
        let mut pending = String::new();
        for line in text.lines() {
            // A `use` tree over several lines is read as one line.
            let code = code_of(line);
            let starts_use = ["use ", "pub use ", "pub(crate) use "]
                .iter()
                .any(|u| code.trim_start().starts_with(u));
            if (starts_use || !pending.is_empty()) && !code.contains(';') {
                pending.push_str(code);
                continue;
            }
            let joined = std::mem::take(&mut pending) + code;
            let code = joined.as_str();
            let t = code.trim_start();
            if (t.starts_with("mod ") || t.starts_with("pub mod ")) && t.trim_end().ends_with('{') {
                // From here on `super` is this file's module (a `mod tests { use super::*; }`).
                inline_mod = true;
            }
            for p in paths_in(code) {
                let scope = if inline_mod && p.starts_with("super") {
                    format!("{here}::(inline)")
                } else {
                    here.clone()
                };
                if let Some(to) = resolve(&p, &scope, &modules)
                    && to != here
                    && modules.contains(&to)
                {
                    g.entry(here.clone()).or_default().insert(to);
                }
            }
        }
    }
    g
}

fn name(m: &str) -> &str {
    if m.is_empty() { "(crate root)" } else { m }
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    struct S<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut S<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(name(w).to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = S {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_two_modules_import_each_other() {
    let g = &graph();
    let mutual: Vec<String> = g
        .iter()
        .flat_map(|(a, tos)| {
            tos.iter()
                .filter(move |b| a < *b && g.get(*b).is_some_and(|back| back.contains(a)))
                .map(move |b| format!("{} <-> {}", name(a), name(b)))
        })
        .collect();
    let edges: usize = g.values().map(BTreeSet::len).sum();
    println!(
        "{} modules import others, {edges} edges; mutual pairs: {mutual:?}",
        g.len()
    );
    assert!(
        mutual.is_empty(),
        "modules that import each other: {mutual:?}"
    );
    let c = cycles(g);
    assert!(c.is_empty(), "import cycles: {c:?}");
}

#[test]
fn the_reader_sees_the_imports_it_must() {
    // The checker itself: a circle in a made-up graph is found, and paths resolve as rustc would.
    let modules: BTreeSet<String> = ["", "a", "a::b", "c"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        resolve("crate::a::b::Item", "c", &modules).as_deref(),
        Some("a::b")
    );
    assert_eq!(
        resolve("super::b::f", "a::x", &modules).as_deref(),
        Some("a::b")
    );
    assert_eq!(resolve("super::c", "a", &modules).as_deref(), Some("c"));
    assert_eq!(
        expand("crate::a::{self, b::{X, Y}}"),
        vec!["crate::a", "crate::a::b::X", "crate::a::b::Y"]
    );
    assert_eq!(resolve("b::Item", "a", &modules).as_deref(), Some("a::b"));
    assert_eq!(resolve("clap::Parser", "a", &modules), None);
    assert_eq!(
        paths_in(code_of(
            "    let u = super::probe::url_for(p); // [`crate::x`]"
        )),
        vec!["super::probe::url_for"]
    );
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a::b".into());
    g.entry("a::b".into()).or_default().insert("a".into());
    assert_eq!(cycles(&g), vec![vec!["a", "a::b", "c"]]);
}
