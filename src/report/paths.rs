//! `journey paths` as text: per group (went on, dropped off), the most common next activities
//! with their contacts and shares.

use super::table::{frame, keep_words_whole, percent, thousands};
use crate::run::paths::{NextActivities, Paths};
use comfy_table::CellAlignment;
use std::fmt::Write;

/// The groups asked for (`dropped_only`: only those who dropped off) as tables.
pub fn text(p: &Paths, dropped_only: bool, width: u16) -> String {
    let mut out = format!(
        "{}\nafter stage {} \"{}\": what contacts did next\n",
        p.journey, p.after_stage, p.stage_name
    );
    let mut groups = vec![("dropped off", &p.dropped)];
    if !dropped_only {
        groups.insert(0, ("went on", &p.went_on));
    }
    for (name, g) in groups {
        let _ = writeln!(out, "\n{} {name}\n", contacts(g.contacts));
        if g.contacts == 0 {
            continue;
        }
        out.push_str(&table(g, width));
    }
    out
}

fn contacts(n: u64) -> String {
    match n {
        1 => "1 contact".into(),
        n => format!("{} contacts", thousands(n)),
    }
}

fn table(g: &NextActivities, width: u16) -> String {
    let mut t = frame(vec!["#", "Next activity", "", "Contacts", "Share"], width);
    let share = |n: u64| percent(n as f64 / g.contacts.max(1) as f64);
    for (i, n) in g.top.iter().enumerate() {
        t.add_row(vec![
            (i + 1).to_string(),
            n.activity_type
                .clone()
                .unwrap_or_else(|| "(no type)".into()),
            n.detail.clone().unwrap_or_default(),
            thousands(n.contacts),
            share(n.contacts),
        ]);
    }
    for (what, n) in [
        ("(other)", g.other),
        ("(nothing later)", g.no_later_activity),
    ] {
        if n > 0 {
            t.add_row(vec![
                String::new(),
                what.into(),
                String::new(),
                thousands(n),
                share(n),
            ]);
        }
    }
    for c in 3..5 {
        if let Some(c) = t.column_mut(c) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    keep_words_whole(&mut t);
    let mut out = String::new();
    for l in t.to_string().lines() {
        let _ = writeln!(out, "{}", l.trim_end());
    }
    out
}
